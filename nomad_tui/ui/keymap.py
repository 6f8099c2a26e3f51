"""Action names the config file's [keys] table may remap, with their default keys."""

from __future__ import annotations

DEFAULT_KEYS: dict[str, str] = {
    "quit": "q",
    "help": "question_mark",
    "filter": "slash",
    "command": "colon",
    "resync": "ctrl+r",
    "stop": "ctrl+d",
    "restart": "r",
    "signal": "x",
    "exec": "s",
    "sessions": "e",
    "logs": "l",
    "files": "f",
    "tail": "L",
    "copy": "c",
    "open": "o",
    "export": "ctrl+s",
    "mark": "space",
}

ACTION_NAMES: set[str] = set(DEFAULT_KEYS)
