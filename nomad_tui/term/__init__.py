"""Terminal emulation for the embedded exec terminal (issue 6).

`Emulator` (emulator.py) is the engine-neutral interface; `PyteEmulator` (pyte_backend.py) is the
implementation on pyte 0.8.2; keys.py encodes keys and pastes for the remote.  No Textual here:
the widget is `nomad_tui.ui.widgets.terminal.TerminalView`.
"""

from nomad_tui.term.emulator import Cell, CellStyle, CursorState, Emulator, Run, TerminalModes
from nomad_tui.term.keys import encode_key, encode_paste
from nomad_tui.term.pyte_backend import PyteEmulator

__all__ = [
    "Cell",
    "CellStyle",
    "CursorState",
    "Emulator",
    "PyteEmulator",
    "Run",
    "TerminalModes",
    "encode_key",
    "encode_paste",
]
