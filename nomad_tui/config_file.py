"""The optional config file: ~/.config/nomad-tui/config.toml (XDG_CONFIG_HOME respected).

Example:

    address = "https://nomad.example.com:4646"
    namespace = "*"
    region = "eu"
    read_only = true
    exec_command = "/bin/bash"
    ca_cert = "/etc/nomad/ca.pem"
    context = "prod"           # the default context (a top-level key: before the first table)

    [keys]
    stop = "ctrl+x"
    quit = "Q"

    [contexts.prod]            # named clusters: see contexts.py
    address = "https://nomad.prod.example:4646"
    token_command = "vault read -field=secret_id nomad/creds/ops"
    danger = "type-name"

A bad file stops start-up with a message naming the file and the line, never a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nomad_tui.contexts import ContextSpec, parse_context_table
from nomad_tui.settings import CLUSTER_KEYS, SettingsError

# Keys the file may set, with the type each must have.  The token is deliberately absent: a secret
# belongs in NOMAD_TOKEN or a secret store, not in a dotfile that ends up in backups.
FILE_KEYS: dict[str, type] = {**CLUSTER_KEYS, "exec_command": str}


class ConfigFileError(SettingsError):
    pass


def default_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(base) / "nomad-tui" / "config.toml"


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|{re.escape(key)})\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _where(path: Path, text: str, key: str) -> str:
    line = _line_of(text, key)
    return f"{path}, line {line}" if line else str(path)


# A config file is a few hundred bytes; reading stops here (`--config /dev/zero` must not eat memory).
MAX_CONFIG_BYTES = 1024 * 1024


def read_text(path: Path, *, required: bool) -> str | None:
    """The file's text, or None when it is absent and not `required` (the default path)."""
    try:
        if path.is_dir():
            raise ConfigFileError(f"config file {path}: is a directory")
        with path.open("rb") as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        if required:
            raise ConfigFileError(f"config file {path}: no such file") from None
        return None
    except OSError as exc:
        raise ConfigFileError(f"config file {path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigFileError(f"config file {path}: larger than {MAX_CONFIG_BYTES // 1024} KiB, not a config file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigFileError(f"config file {path}: not UTF-8 text") from None


def load(path: Path, *, action_names: set[str] | None = None, required: bool = False) -> dict[str, Any]:
    """Read and check the file; return Settings field values (keys remapping under "keymap").

    A missing file is fine at the default path (`required=False`), an error when the user named it.
    """
    text = read_text(path, required=required)
    if text is None:
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already names the line and column: "Invalid value (at line 3, column 7)".
        raise ConfigFileError(f"config file {path}: {exc}") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "keys":
            if not isinstance(value, dict):
                raise ConfigFileError(f'{_where(path, text, key)}: [keys] must be a table of action = "key"')
            keymap: dict[str, str] = {}
            for action, keys in value.items():
                if not isinstance(keys, str) or not keys.strip():
                    raise ConfigFileError(f"{_where(path, text, action)}: keys.{action} must be a key name string")
                if action_names is not None and action not in action_names:
                    known = ", ".join(sorted(action_names))
                    raise ConfigFileError(f"{_where(path, text, action)}: unknown action {action!r} (known: {known})")
                keymap[action] = keys.strip()
            values["keymap"] = keymap
            continue
        if key == "contexts":
            values["contexts"] = _contexts(path, text, value)
            continue
        if key == "context":
            if not isinstance(value, str) or not value:
                raise ConfigFileError(f"{_where(path, text, key)}: context must be the name of a [contexts.NAME] table")
            values["context"] = value
            continue
        expected = FILE_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(FILE_KEYS))
            raise ConfigFileError(
                f"{_where(path, text, key)}: unknown setting {key!r} (known: {known}, context, [keys], [contexts.NAME])"
            )
        if not isinstance(value, expected):
            raise ConfigFileError(f"{_where(path, text, key)}: {key} must be a {expected.__name__}")
        values[key] = value
    return values


def _contexts(path: Path, text: str, tables: object) -> dict[str, ContextSpec]:
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise ConfigFileError(f"{_where(path, text, 'contexts')}: contexts must be tables: [contexts.NAME]")
    specs: dict[str, ContextSpec] = {}
    for name, table in tables.items():
        line = _table_line(text, name)
        where = f"{path}, line {line}" if line else str(path)
        try:
            specs[name] = parse_context_table(name, table, where)
        except SettingsError as exc:
            raise ConfigFileError(str(exc)) from None
    return specs


def _table_line(text: str, name: str) -> int | None:
    pattern = re.compile(rf"^\s*\[\s*contexts\s*\.\s*(\"{re.escape(name)}\"|{re.escape(name)})\s*\]", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None
