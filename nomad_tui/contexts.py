"""Named contexts: several clusters described in one config file, chosen at start and switched live.

A context is a `[contexts.NAME]` table with the same keys as the file's top level (address, namespace,
region, TLS files, read_only) plus where its token comes from and how careful the app must be:

    context = "staging"                    # the context used when --context is not given

    [contexts.prod]
    address = "https://nomad.prod.example:4646"
    tls_server_name = "server.global.nomad"
    token_command = "vault read -field=secret_id nomad/creds/ops"
    danger = "type-name"                   # stop/restart/signal ask for the job name
    color = "red"

    [contexts.staging]
    address = "https://nomad.staging.example:4646"
    token_env = "NOMAD_STAGING_TOKEN"

The token itself never lives in the file: `token_env` names an environment variable, `token_command` is
run through the shell and its output (stripped) is the token.  A named context takes nothing from the
NOMAD_* environment, so a token meant for one cluster is never sent to another.  Without any named
context, the environment (NOMAD_* and the top-level keys) is the one implicit context, `env`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from nomad_tui.sanitize import sanitize_line
from nomad_tui.settings import CLUSTER_KEYS, IMPLICIT_CONTEXT, Secret, Settings, SettingsError, resolve

DANGER_LEVELS = ("confirm", "type-name", "read-only")
# The colour a context's badge and confirmation dialog carry when the file names none.
DANGER_COLORS = {"confirm": None, "type-name": "red", "read-only": "dodgerblue"}
TOKEN_COMMAND_TIMEOUT = 30.0  # seconds: a secret store that asks for a login interactively never answers
TOKEN_COMMAND_MAX_BYTES = 64 * 1024

# Keys a [contexts.NAME] table may set, with the type each must have.
CONTEXT_KEYS: dict[str, type] = {
    **CLUSTER_KEYS,
    "token_env": str,
    "token_command": str,
    "danger": str,
    "color": str,
}
# Top-level file keys that hold for every context (the rest describe the implicit one only).
SHARED_KEYS = ("exec_command", "keymap")


class ContextError(SettingsError):
    """A context cannot be used: unknown name, bad table, or its token cannot be had."""


@dataclass(frozen=True, slots=True)
class ContextSpec:
    """One [contexts.NAME] table, checked but not yet resolved (its token is fetched when it is used)."""

    name: str
    values: Mapping[str, Any] = field(default_factory=dict)  # Settings fields: address, namespace, …
    token_env: str | None = None
    token_command: str | None = None
    danger: str = "confirm"
    color: str | None = None


def parse_context_table(name: str, table: Mapping[str, Any], where: str) -> ContextSpec:
    """Check one table from the file; `where` names the file (and line) for messages."""
    if name == IMPLICIT_CONTEXT:
        raise ContextError(f"{where}: the context name {IMPLICIT_CONTEXT!r} is reserved for the NOMAD_* environment")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "token":
            raise ContextError(
                f"{where}: contexts.{name}.token: a token is never read from the file; "
                "use token_env (a variable's name) or token_command"
            )
        expected = CONTEXT_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(CONTEXT_KEYS))
            raise ContextError(f"{where}: contexts.{name}: unknown setting {key!r} (known: {known})")
        if not isinstance(value, expected):
            raise ContextError(f"{where}: contexts.{name}.{key} must be a {expected.__name__}")
        values[key] = value
    danger = values.pop("danger", "confirm")
    if danger not in DANGER_LEVELS:
        raise ContextError(f"{where}: contexts.{name}.danger must be one of {', '.join(DANGER_LEVELS)}")
    token_env = values.pop("token_env", None)
    token_command = values.pop("token_command", None)
    if token_env and token_command:
        raise ContextError(f"{where}: contexts.{name}: give token_env or token_command, not both")
    color = values.pop("color", None) or DANGER_COLORS[danger]
    return ContextSpec(name, values, token_env, token_command, danger, color)


Runner = Callable[..., subprocess.CompletedProcess[bytes]]


def fetch_token(spec: ContextSpec, env: Mapping[str, str], run: Runner = subprocess.run) -> Secret | None:
    """The context's token from its variable or command; None when it names no source."""
    if spec.token_env:
        value = env.get(spec.token_env, "").strip()
        if not value:
            raise ContextError(f"context {spec.name!r}: token_env {spec.token_env} is not set")
        return Secret(value)
    if not spec.token_command:
        return None
    try:
        done = run(
            ["/bin/sh", "-c", spec.token_command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TOKEN_COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ContextError(
            f"context {spec.name!r}: token_command did not finish within {TOKEN_COMMAND_TIMEOUT:.0f} s"
        ) from None
    except OSError as exc:
        raise ContextError(f"context {spec.name!r}: cannot run token_command: {exc.strerror or exc}") from None
    if done.returncode != 0:
        # The command's own complaint helps ("vault: permission denied"); it is its output, not a token.
        said = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        reason = f": {sanitize_line(said[0])[:200]}" if said else ""
        raise ContextError(f"context {spec.name!r}: token_command exited with status {done.returncode}{reason}")
    out = (done.stdout or b"")[:TOKEN_COMMAND_MAX_BYTES].decode("utf-8", "replace").strip()
    if not out:
        raise ContextError(f"context {spec.name!r}: token_command printed nothing")
    if any(ch.isspace() for ch in out) or not out.isprintable():
        raise ContextError(f"context {spec.name!r}: token_command printed more than one token (or control bytes)")
    return Secret(out)


@dataclass(frozen=True)
class ContextCatalog:
    """Every context the app can switch to, and how to turn one into Settings.

    `flags` (the command line) apply to the context chosen at start; `--read-only` and the file's
    top-level `read_only` hold for every context, so a switch never makes the app less careful.
    """

    specs: Mapping[str, ContextSpec] = field(default_factory=dict)
    default: str | None = None  # the file's top-level `context`
    file_values: Mapping[str, Any] = field(default_factory=dict)  # top-level keys (the implicit context)
    env: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The implicit context first, then the named ones in file order."""
        return [IMPLICIT_CONTEXT, *self.specs]

    @property
    def always_read_only(self) -> bool:
        return bool(self.flags.get("read_only") or self.file_values.get("read_only"))

    def initial(self, chosen: str | None = None) -> str:
        name = chosen or self.default or IMPLICIT_CONTEXT
        self._check_name(name)
        return name

    def _check_name(self, name: str) -> None:
        if name != IMPLICIT_CONTEXT and name not in self.specs:
            known = ", ".join(self.names)
            raise ContextError(f"unknown context {sanitize_line(name)!r} (known: {known})")

    def settings_for(self, name: str, *, at_start: bool = False, run: Runner = subprocess.run) -> Settings:
        """Resolve context `name` into Settings; may run its token command (blocking: call from a thread)."""
        self._check_name(name)
        flags = dict(self.flags) if at_start else {"read_only": self.flags.get("read_only")}
        if name == IMPLICIT_CONTEXT:
            settings = resolve(flags, self.env, self.file_values)
            return replace(settings, context=IMPLICIT_CONTEXT)
        spec = self.specs[name]
        values: dict[str, Any] = {k: v for k, v in self.file_values.items() if k in SHARED_KEYS}
        values.update(spec.values)
        # A named context reads nothing from NOMAD_*: the empty environment keeps another cluster's
        # token (or address) out of it.  Its token comes from its own source, unless a flag gave one.
        settings = resolve(flags, {}, values)
        if settings.token is None:
            settings = replace(settings, token=fetch_token(spec, self.env, run))
        read_only = settings.read_only or spec.danger == "read-only" or self.always_read_only
        return replace(settings, context=name, danger=spec.danger, context_color=spec.color, read_only=read_only)


def catalog_from(
    file_values: Mapping[str, Any], env: Mapping[str, str] | None = None, flags: Mapping[str, Any] | None = None
) -> ContextCatalog:
    """Split what the config file loader returned into the catalogue's parts."""
    values = dict(file_values)
    specs = values.pop("contexts", {})
    default = values.pop("context", None)
    return ContextCatalog(
        specs=specs,
        default=default,
        file_values=values,
        env=dict(os.environ if env is None else env),
        flags={k: v for k, v in (flags or {}).items() if v is not None},
    )
