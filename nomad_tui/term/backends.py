"""Which VT engine the exec terminal uses: libghostty-vt (`pyghostty`, the optional extra
`ghostty`) when it is installed and loads, else the pyte backend.  `NOMAD_TUI_TERM_BACKEND=pyte`
(or `ghostty`) chooses one explicitly.  No Textual here."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

from nomad_tui.term.emulator import Emulator
from nomad_tui.term.pyte_backend import PyteEmulator

EmulatorFactory = Callable[[int, int], Emulator]


@cache
def available() -> dict[str, EmulatorFactory]:
    """The backends that load here, best first."""
    found: dict[str, EmulatorFactory] = {}
    try:
        from nomad_tui.term.ghostty_backend import GhosttyEmulator
    except (ImportError, OSError):  # not installed, or no wheel/library for this platform
        pass
    else:
        found["ghostty"] = GhosttyEmulator
    found["pyte"] = PyteEmulator
    return found


def backend_name() -> str:
    backends = available()
    wanted = os.environ.get("NOMAD_TUI_TERM_BACKEND", "")
    return wanted if wanted in backends else next(iter(backends))


def make_emulator(cols: int = 80, rows: int = 24) -> Emulator:
    return available()[backend_name()](cols, rows)
