"""Resolve where and how to reach Nomad: command-line flags > NOMAD_* environment > config file > defaults.

The environment variables are exactly those of the `nomad` CLI (see docs/nomad-wire.md §10), so a shell that works
with `nomad alloc status` works with nomad-tui.  The result is one frozen `Settings` object; printing it
never shows the token or the HTTP basic-auth password.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_ADDRESS = "http://127.0.0.1:4646"
# A dashboard must ask for every namespace it may read (docs/nomad-wire.md §2): the API's own default is "default".
DEFAULT_NAMESPACE = "*"
# Finds a shell inside the task: bash where there is one, else sh (k9s#1428, #3363 ask for exactly this).
DEFAULT_EXEC_COMMAND = "/bin/sh -c 'command -v bash >/dev/null 2>&1 && exec bash || exec sh'"
# The context made of the NOMAD_* environment and the config file's top level (see contexts.py).
IMPLICIT_CONTEXT = "env"

# How to reach one cluster, with the type each value must have: what the config file's top level and
# each [contexts.NAME] table may both set (config_file.FILE_KEYS and contexts.CONTEXT_KEYS add their own).
CLUSTER_KEYS: dict[str, type] = {
    "address": str,
    "namespace": str,
    "region": str,
    "ca_cert": str,
    "ca_path": str,
    "client_cert": str,
    "client_key": str,
    "tls_server_name": str,
    "tls_skip_verify": bool,
    "read_only": bool,
}


class SettingsError(ValueError):
    """The flags, environment or config file describe something we cannot use."""


class Secret:
    """A string that never shows itself in repr(), str(), logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def parse_go_bool(text: str) -> bool | None:
    """strconv.ParseBool: the spellings the nomad CLI accepts; None for anything else."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


@dataclass(frozen=True)
class Settings:
    address: str = DEFAULT_ADDRESS
    token: Secret | None = None
    namespace: str = DEFAULT_NAMESPACE
    region: str | None = None
    ca_cert: str | None = None
    ca_path: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    tls_server_name: str | None = None
    tls_skip_verify: bool = False
    http_auth: Secret | None = None
    read_only: bool = False
    exec_command: str = DEFAULT_EXEC_COMMAND
    keymap: Mapping[str, str] = field(default_factory=dict)
    # Which context these settings came from, how careful actions must be there, and its colour.
    context: str = IMPLICIT_CONTEXT
    danger: str = "confirm"  # "confirm" | "type-name" | "read-only"
    context_color: str | None = None

    # ----------------------------------------------------------------- derived views
    @property
    def is_unix_socket(self) -> bool:
        return self.address.startswith("unix://")

    @property
    def unix_socket_path(self) -> str | None:
        return self.address[len("unix://") :] if self.is_unix_socket else None

    @property
    def base_url(self) -> str:
        """The HTTP base URL without userinfo; a unix socket is spoken to as http://127.0.0.1."""
        if self.is_unix_socket:
            return "http://127.0.0.1"
        parts = urlsplit(self.address)
        netloc = parts.hostname or ""
        if ":" in netloc:  # IPv6 literal
            netloc = f"[{netloc}]"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))

    @property
    def display_address(self) -> str:
        """What the status bar shows: the address without any password in it."""
        return self.address if self.is_unix_socket else self.base_url

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """User and password for HTTP basic auth; userinfo in the address wins (as in the Go api)."""
        if not self.is_unix_socket:
            parts = urlsplit(self.address)
            if parts.username is not None:
                return parts.username, parts.password or ""
        if self.http_auth:
            user, _, password = self.http_auth.reveal().partition(":")
            return user, password
        return None

    @property
    def uses_tls(self) -> bool:
        return self.base_url.startswith("https://")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "address":
                value = self.display_address
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    def with_namespace(self, namespace: str) -> Settings:
        return replace(self, namespace=namespace)

    def with_region(self, region: str | None) -> Settings:
        return replace(self, region=region or None)


# Environment variable -> Settings field, exactly the nomad CLI's set.
ENV_VARS: dict[str, str] = {
    "NOMAD_ADDR": "address",
    "NOMAD_TOKEN": "token",
    "NOMAD_NAMESPACE": "namespace",
    "NOMAD_REGION": "region",
    "NOMAD_CACERT": "ca_cert",
    "NOMAD_CAPATH": "ca_path",
    "NOMAD_CLIENT_CERT": "client_cert",
    "NOMAD_CLIENT_KEY": "client_key",
    "NOMAD_TLS_SERVER_NAME": "tls_server_name",
    "NOMAD_SKIP_VERIFY": "tls_skip_verify",
    "NOMAD_HTTP_AUTH": "http_auth",
}

_SECRET_FIELDS = {"token", "http_auth"}


def normalize_address(address: str, *, source: str = "address") -> str:
    """The address with a scheme and without a trailing slash; a SettingsError naming `source` when it
    cannot be used (bad scheme, no host, a port that is not a number or out of range, bad IPv6)."""
    address = address.strip()
    if address.startswith("unix://"):
        if not address[len("unix://") :]:
            raise SettingsError(f"{source} {address!r}: a unix address needs a socket path (unix:///path)")
        return address
    if "://" not in address:
        address = "http://" + address
    try:
        parts = urlsplit(address)
        port = parts.port  # urllib checks it only when asked
    except ValueError as exc:
        # urllib says "Port out of range 0-65535", "Port could not be cast to integer value as 'abc'",
        # "Invalid IPv6 URL"; say it in the user's words.
        message = str(exc)
        if "out of range" in message:
            reason = "the port must be between 1 and 65535"
        elif "Port" in message:
            reason = "the port is not a number"
        elif "IPv6" in message:
            reason = "malformed IPv6 address (write it as http://[::1]:4646)"
        else:
            reason = message
        raise SettingsError(f"{source} {address!r}: {reason}") from None
    if parts.scheme not in ("http", "https"):
        raise SettingsError(f"{source} {address!r}: scheme must be http, https or unix")
    if not parts.hostname:
        raise SettingsError(f"{source} {address!r}: no host name")
    if port == 0:
        raise SettingsError(f"{source} {address!r}: the port must be between 1 and 65535")
    return address.rstrip("/")


def setting_sources(
    flags: Mapping[str, Any], env: Mapping[str, str], file_label: str = "the config file"
) -> dict[str, str]:
    """For each setting, how the user spelled where it came from: `--ca-cert`, `NOMAD_CACERT`, or
    `ca_cert in FILE` — so an error names the thing to fix."""
    from_env = {name: var for var, name in ENV_VARS.items() if env.get(var)}
    sources: dict[str, str] = {}
    for f in fields(Settings):
        if flags.get(f.name) is not None:
            sources[f.name] = "--" + f.name.replace("_", "-")
        elif f.name in from_env:
            sources[f.name] = from_env[f.name]
        else:
            sources[f.name] = f"{f.name} in {file_label}"
    return sources


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for var, name in ENV_VARS.items():
        raw = env.get(var)
        if raw is None or raw == "":
            continue
        if name == "tls_skip_verify":
            parsed = parse_go_bool(raw)
            if parsed is not None:  # the CLI ignores values it cannot parse
                values[name] = parsed
        else:
            values[name] = raw
    return values


def resolve(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    file_values: Mapping[str, Any] | None = None,
    *,
    file_label: str = "the config file",
) -> Settings:
    """Merge the layers: a flag given on the command line beats the environment, which beats the file."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    for layer in (file_values or {}, _from_env(env), {k: v for k, v in (flags or {}).items() if v is not None}):
        merged.update(layer)
    known = {f.name for f in fields(Settings)}
    unknown = set(merged) - known
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    sources = setting_sources(flags or {}, env, file_label)
    for name in _SECRET_FIELDS:
        value = merged.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value and not (value.isascii() and value.isprintable()):
                # An HTTP header carries ASCII only; never echo the value itself.
                what = "characters outside printable ASCII" if value.isascii() else "non-ASCII characters"
                raise SettingsError(f"{sources[name]}: the {name.replace('_', ' ')} contains {what}")
            merged[name] = Secret(value) if value else None
    if "address" in merged:
        merged["address"] = normalize_address(str(merged["address"]), source=sources["address"])
    if "namespace" in merged and not merged["namespace"]:
        del merged["namespace"]
    settings = Settings(**merged)
    if bool(settings.client_cert) != bool(settings.client_key):
        raise SettingsError("client certificate and key must be given together (--client-cert and --client-key)")
    return settings
