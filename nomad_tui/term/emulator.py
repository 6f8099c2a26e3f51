"""The engine-neutral interface between a VT emulator and the terminal widget.

The widget (`nomad_tui.ui.widgets.terminal.TerminalView`) and the exec session only talk to an
`Emulator`.  Today the one implementation is `PyteEmulator` (pyte 0.8.2 plus our fixes); if the
project moves to Python >= 3.13 a faster engine (evp/libghostty) can be dropped in behind the same
surface.  Nothing here imports Textual.

Contract every implementation keeps:
- `feed()` never raises, whatever bytes arrive;
- every run of text returned by `row_runs()` / `scrollback_runs()` is `drawable()`: printable
  (`str.isprintable()`) or private-use glyphs (Powerline, Nerd Font icons), never a control,
  and the runs of one row add up to exactly `cols` terminal cells as measured by `rich.cells.cell_len`;
- control sequences never leave the emulator: the title is exposed sanitised and truncated, and
  replies to the remote's queries (DSR/DA) come out of `replies()` only, rate-limited.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass


def drawable(text: str) -> bool:
    """Text a cell may hold: printable, or private-use code points (icon fonts draw those; to a
    terminal they are plain graphic characters, no control function)."""
    return text.isprintable() or all(char.isprintable() or unicodedata.category(char) == "Co" for char in text)


@dataclass(frozen=True, slots=True)
class CellStyle:
    """How one cell is drawn.

    Colours are `None` for the terminal's default, an ANSI name as Rich spells it (`"red"`,
    `"bright_blue"`), or `"#rrggbb"` (256-colour indexes are resolved to their RGB value).
    """

    fg: str | None = None
    bg: str | None = None
    bold: bool = False
    dim: bool = False  # SGR 2 (faint)
    italic: bool = False
    underline: bool = False
    strike: bool = False
    reverse: bool = False
    blink: bool = False


DEFAULT_STYLE = CellStyle()

# A run of adjacent cells of one row that share a style: (text, style).
Run = tuple[str, CellStyle]


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell, for tests and inspection; rendering uses runs."""

    text: str
    style: CellStyle


@dataclass(frozen=True, slots=True)
class CursorState:
    x: int
    y: int
    visible: bool


@dataclass(frozen=True, slots=True)
class TerminalModes:
    """The modes the remote program switched on that change what we send it."""

    application_cursor: bool = False  # DECCKM (?1): arrows/home/end as ESC O x
    application_keypad: bool = False  # DECKPAM (ESC =)
    bracketed_paste: bool = False  # ?2004
    mouse_tracking: int = 0  # 0 (off), 9, 1000, 1002 or 1003: the highest one enabled
    mouse_sgr: bool = False  # ?1006: SGR mouse encoding
    alternate_screen: bool = False  # ?47 / ?1047 / ?1049
    focus_events: bool = False  # ?1004


class Emulator(ABC):
    """A terminal screen fed with the remote's output bytes."""

    @property
    @abstractmethod
    def cols(self) -> int: ...

    @property
    @abstractmethod
    def rows(self) -> int: ...

    @abstractmethod
    def feed(self, data: bytes) -> None:
        """Consume output bytes from the remote; never raises."""

    @abstractmethod
    def note_gap(self) -> None:
        """Bytes were dropped before the next `feed()`: forget any half-parsed sequence or
        character, keep the screen and the modes."""

    @abstractmethod
    def resize(self, cols: int, rows: int) -> None: ...

    @abstractmethod
    def dirty_rows(self) -> set[int]:
        """Screen rows changed since the last `clear_dirty_rows()` (a copy)."""

    @abstractmethod
    def clear_dirty_rows(self) -> None: ...

    @abstractmethod
    def row_runs(self, y: int) -> list[Run]:
        """Screen row `y` (0 = top) as styled runs covering exactly `cols` cells."""

    @property
    @abstractmethod
    def cursor(self) -> CursorState: ...

    @property
    @abstractmethod
    def modes(self) -> TerminalModes: ...

    @property
    @abstractmethod
    def title(self) -> str:
        """The window title the remote set (OSC 0/2), sanitised and truncated."""

    @abstractmethod
    def replies(self) -> bytes:
        """Take the pending answers to the remote's queries (DSR, DA), for its stdin."""

    @property
    @abstractmethod
    def scrollback_len(self) -> int:
        """Lines currently held in the scrollback (0 while nothing scrolled off)."""

    @property
    @abstractmethod
    def scrollback_pushed(self) -> int:
        """Lines ever pushed into the scrollback: lets a view stay anchored while output arrives."""

    @abstractmethod
    def scrollback_runs(self, index: int) -> list[Run]:
        """Scrollback line `index` (0 = oldest) as runs covering exactly `cols` cells."""

    # Conveniences built on the primitives above.

    def row_text(self, y: int) -> str:
        return "".join(text for text, _ in self.row_runs(y))

    def scrollback_text(self, index: int) -> str:
        return "".join(text for text, _ in self.scrollback_runs(index))

    def display(self) -> list[str]:
        """The screen as text, one string per row, trailing blanks removed."""
        return [self.row_text(y).rstrip() for y in range(self.rows)]

    def cell(self, x: int, y: int) -> Cell:
        """The cell at column `x` of screen row `y` (a wide character answers for both columns)."""
        from rich.cells import cell_len

        column = 0
        found: Cell | None = None
        for text, style in self.row_runs(y):
            for char in text:
                width = cell_len(char)
                if width == 0:  # a combining mark belongs to the character before it
                    if found is not None and column > x:
                        found = Cell(found.text + char, found.style)
                    continue
                if column > x:
                    return found or Cell(" ", DEFAULT_STYLE)
                if column <= x < column + width:
                    found = Cell(char, style)
                column += width
        return found or Cell(" ", DEFAULT_STYLE)
