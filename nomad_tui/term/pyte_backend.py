"""`PyteEmulator`: the `Emulator` interface on pyte 0.8.2 (our `XtermScreen` + `VtParser`)."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from itertools import groupby, repeat
from operator import itemgetter

from pyte.screens import Char
from rich.cells import cell_len

from nomad_tui.term.emulator import CellStyle, CursorState, Emulator, Run, TerminalModes
from nomad_tui.term.pyte_screen import XtermScreen, _bits
from nomad_tui.term.replies import ReplyQueue
from nomad_tui.term.vt_parser import VtParser

_MOUSE_MODES = (1003, 1002, 1000, 9)
_TEXT = itemgetter(0)  # a pyte Char's character(s)
_STYLE_KEY = itemgetter(slice(1, None))  # the rest of the Char: its style
# pyte's own spellings, in case one of its handlers (DECSCNM) ever sets a colour.
_PYTE_COLOUR_NAMES = {"brown": "yellow"} | {
    "bright" + name: "bright_" + name for name in ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")
}
_PYTE_COLOUR_NAMES["brightbrown"] = "bright_yellow"


def _colour(value: str) -> str | None:
    if value == "default":
        return None
    if value.startswith("#"):
        return value
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return "#" + value.lower()
    return _PYTE_COLOUR_NAMES.get(value, value)


class PyteEmulator(Emulator):
    def __init__(
        self,
        cols: int = 80,
        rows: int = 24,
        *,
        scrollback: int = 2000,
        replies: ReplyQueue | None = None,
    ) -> None:
        self._replies = replies if replies is not None else ReplyQueue()
        self._screen = XtermScreen(max(1, cols), max(1, rows), scrollback=scrollback, replies=self._replies)
        self._parser = VtParser(self._screen)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._styles: dict[tuple[object, ...], CellStyle] = {}
        self.internal_errors = 0  # exceptions from our own tokenizer (should stay 0)

    # ------------------------------------------------------------------ input

    def feed(self, data: bytes) -> None:
        try:
            self._parser.feed(self._decoder.decode(data))
        except Exception:
            # The parser already isolates each handler; reaching here is a bug in our tokenizer.
            # Start clean rather than let a remote's bytes take the app down.
            self.internal_errors += 1
            self.note_gap()

    def note_gap(self) -> None:
        self._parser.reset()
        self._decoder.reset()

    def resize(self, cols: int, rows: int) -> None:
        self._screen.resize(lines=max(1, rows), columns=max(1, cols))

    # ------------------------------------------------------------------ state

    @property
    def cols(self) -> int:
        return self._screen.columns

    @property
    def rows(self) -> int:
        return self._screen.lines

    @property
    def screen(self) -> XtermScreen:
        """The pyte screen underneath, for tests and diagnostics only."""
        return self._screen

    @property
    def parser_errors(self) -> int:
        return self._parser.errors

    @property
    def replies_dropped(self) -> int:
        return self._replies.dropped

    def dirty_rows(self) -> set[int]:
        rows = self._screen.lines
        return {y for y in self._screen.dirty if 0 <= y < rows}

    def clear_dirty_rows(self) -> None:
        self._screen.dirty.clear()

    @property
    def cursor(self) -> CursorState:
        cursor = self._screen.cursor
        return CursorState(min(cursor.x, self._screen.columns - 1), cursor.y, not cursor.hidden)

    @property
    def modes(self) -> TerminalModes:
        screen = self._screen
        mode = screen.mode

        def private(number: int) -> bool:
            return (number << 5) in mode

        return TerminalModes(
            application_cursor=private(1),
            application_keypad=screen.keypad_application,
            bracketed_paste=private(2004),
            mouse_tracking=next((m for m in _MOUSE_MODES if private(m)), 0),
            mouse_sgr=private(1006),
            alternate_screen=screen.alternate_active,
            focus_events=private(1004),
        )

    @property
    def title(self) -> str:
        return self._screen.safe_title

    @property
    def bells(self) -> int:
        return self._screen.bells

    def replies(self) -> bytes:
        return self._replies.take()

    @property
    def scrollback_len(self) -> int:
        return len(self._screen.history)

    @property
    def scrollback_pushed(self) -> int:
        return self._screen.history_pushed

    # ------------------------------------------------------------------ rendering

    def row_runs(self, y: int) -> list[Run]:
        if not 0 <= y < self._screen.lines:
            return self._runs(None)
        return self._runs(self._screen.buffer.get(y))

    def scrollback_runs(self, index: int) -> list[Run]:
        history = self._screen.history
        return self._runs(history[index] if 0 <= index < len(history) else None)

    def _style(self, key: tuple[object, ...]) -> CellStyle:
        if self._screen.reverse_video:  # DECSCNM: every cell's reverse flipped, at drawing time
            key = (*key, True)
        style = self._styles.get(key)
        if style is None:
            fg, bg, bold, italics, underscore, strikethrough, reverse, blink, *screen_reverse = key
            reverse = bool(reverse) != bool(screen_reverse)
            style = CellStyle(
                fg=_colour(str(fg)),
                bg=_colour(str(bg)),
                bold=bool(_bits(bold) & 1),
                dim=bool(_bits(bold) & 2),
                italic=bool(italics),
                underline=bool(underscore),
                strike=bool(strikethrough),
                reverse=bool(reverse),
                blink=bool(blink),
            )
            if len(self._styles) > 4096:
                self._styles.clear()
            self._styles[key] = style
        return style

    def _runs(self, line: Mapping[int, Char] | None) -> list[Run]:
        """One row as runs of equal style that cover exactly `cols` cells."""
        columns = self._screen.columns
        default: Char = getattr(line, "default", None) or self._screen.default_char
        if not line:
            return [(" " * columns, self._style(tuple(default)[1:]))]
        # Read the sparse row with C-level dict.get (a missing cell is the row's default).
        cells = list(map(line.get, range(columns), repeat(default, columns)))
        text = "".join(map(_TEXT, cells))
        if len(text) == columns and text.isascii():
            # Every cell holds exactly one printable ASCII character (stubs and combining marks
            # would change the length or are not ASCII): group by style in C.
            style = self._style
            return [("".join(map(_TEXT, group)), style(key)) for key, group in groupby(cells, _STYLE_KEY)]
        return self._runs_slow(line, columns)

    def _runs_slow(self, line: Mapping[int, Char], columns: int) -> list[Run]:
        """The general case: wide characters and their stubs, combining marks.

        pyte stores a wide character followed by an empty "stub" cell.  Overwriting half of one
        leaves an orphan (a stub without its character, or a character without its stub); those
        are drawn as a blank so that the row keeps its width whatever the remote did.
        """
        style = self._style
        runs: list[Run] = []
        chars: list[str] = []
        run_key: tuple[object, ...] | None = None
        x = 0
        while x < columns:
            cell = line[x]
            text = cell[0]
            span = 1
            if len(text) != 1 or not " " <= text <= "~":
                text, span = self._fit(line, x, columns)
            key = cell[1:]
            if key != run_key:
                if chars:
                    runs.append(("".join(chars), style(run_key)))  # type: ignore[arg-type]
                chars = [text]
                run_key = key
            else:
                chars.append(text)
            x += span
        if chars:
            runs.append(("".join(chars), style(run_key)))  # type: ignore[arg-type]
        return runs

    @staticmethod
    def _fit(line: Mapping[int, Char], x: int, columns: int) -> tuple[str, int]:
        """Text for a non-ASCII cell and how many columns it covers, per Rich's idea of width."""
        text = line[x][0]
        if not text:
            return " ", 1  # an orphan stub
        width = cell_len(text)
        if width == 1:
            return text, 1
        if width == 2:
            if x + 1 < columns and line[x + 1][0] == "":
                return text, 2
            # Rich sees two cells where the emulator placed one (e.g. an emoji + variation selector).
            return (text[0] if cell_len(text[0]) == 1 else " "), 1
        return " ", 1  # zero-width leftovers or anything wider than two cells
