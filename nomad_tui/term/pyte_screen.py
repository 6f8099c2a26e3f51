"""`XtermScreen`: pyte 0.8.2's `Screen` with the xterm behaviour real programs rely on.

pyte is LGPL: we subclass and import it, we never copy it.  What this subclass adds or changes:

- a fast `draw()` for printable-ASCII runs (pyte calls `wcwidth` and `namedtuple._replace` per
  character, ~3 µs each on the 2-core dev box); other text goes through our own per-character path, which
  also replaces anything `str.isprintable()` rejects, so no control character can sit in a cell;
- the alternate screen (modes 47/1047/1049), which pyte only records as a flag;
- REP (`CSI n b`), SU/SD (`CSI n S` / `CSI n T`), SCOSC/SCORC (`CSI s` / `CSI u`), CBT/CHT;
- SGR parsed from the raw parameter string, so colon forms (`38:2::r:g:b`, `4:3`) work, colour
  values are clamped, and results are cached (htop repeats a handful of SGRs thousands of times);
- O(1) full-screen scrolling (see `buffer`) and our own scrollback ring: lines leaving the top of
  a full-screen scroll on the main screen are kept as they are (pyte's HistoryScreen wraps every
  event and is ~4x slower);
- bounded state: one DECSC slot (pyte's stack grows per `ESC 7`), combining marks capped per cell,
  DECCOLM (`?3h`, which would resize us behind the widget's back) ignored;
- answers to DSR/DA go to a rate-limited `ReplyQueue`, the title is sanitised and truncated.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections import defaultdict, deque
from functools import lru_cache
from typing import Any

import pyte
from pyte import charsets as cs
from pyte import graphics as g
from pyte import modes as mo
from pyte.screens import Char, Margins, StaticDefaultDict
from rich.cells import get_character_cell_size

from nomad_tui.sanitize import sanitize_line, truncate
from nomad_tui.term.replies import ReplyQueue

Line = StaticDefaultDict[int, Char]

TITLE_LIMIT = 120
MAX_CELL_CHARS = 8  # a base character plus a few combining marks; "zalgo" floods stop here
INTERN_AFTER_USES = 8  # draws in one style before its cells are interned
ALT_SCREEN_MODES = frozenset({47, 1047, 1049})
DECCOLM_PRIVATE = 3

_ANSI_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_FG_CODES = {30 + i: name for i, name in enumerate(_ANSI_NAMES)} | {
    90 + i: "bright_" + name for i, name in enumerate(_ANSI_NAMES)
}
_BG_CODES = {40 + i: name for i, name in enumerate(_ANSI_NAMES)} | {
    100 + i: "bright_" + name for i, name in enumerate(_ANSI_NAMES)
}
# Indexes 0-15 stay names so the app's ANSI theme applies; 16-255 become RGB.
_PALETTE_256 = [*_ANSI_NAMES, *("bright_" + n for n in _ANSI_NAMES), *("#" + h for h in g.FG_BG_256[16:])]

# Positions in pyte's Char tuple.
_FG, _BG, _BOLD, _ITALICS, _UNDERSCORE, _STRIKE, _REVERSE, _BLINK = range(1, 9)
# The bold field holds a bit set: 1 bold (SGR 1), 2 faint (SGR 2); SGR 22 clears both.
_BOLD_BIT, _DIM_BIT = 1, 2
_FLAG_ON = {3: _ITALICS, 4: _UNDERSCORE, 5: _BLINK, 6: _BLINK, 7: _REVERSE, 9: _STRIKE}
_FLAG_ON[21] = _UNDERSCORE  # double underline: drawn as a plain underline
_FLAG_OFF = {22: _BOLD, 23: _ITALICS, 24: _UNDERSCORE, 25: _BLINK, 27: _REVERSE, 29: _STRIKE}
# pyte builds a new Char on every `default_char` access; these two are all it can return.
_BLANK = Char(" ")
_BLANK_REVERSE = Char(" ", reverse=True)

_ASCII_OR_NOT = re.compile(r"[ -~]+|[^ -~]+")

# DEC Special Graphics as xterm draws it: pyte's map (the Linux console's) also turns `+,-./0` into
# arrows and a block, and `h` (NL symbol) into a shade.
_DEC_GRAPHICS = (
    cs.VT100_MAP[:0x2B]
    + "".join(map(chr, range(0x2B, 0x31)))
    + cs.VT100_MAP[0x31:0x68]
    + "\u2424"
    + cs.VT100_MAP[0x69:]
)
# The UK national set: `#` is the pound sign.
_UK = cs.LAT1_MAP[:0x23] + "\u00a3" + cs.LAT1_MAP[0x24:]
_CHARSETS = {"B": cs.LAT1_MAP, "0": _DEC_GRAPHICS, "A": _UK, "U": cs.IBMPC_MAP, "V": cs.VAX42_MAP}
_DECCKM = 1 << 5  # and of private mode 1 (application cursor keys)
# Modes DECRQM can answer for (the ones we keep): cursor keys, origin, autowrap, cursor shown,
# mouse, focus events, bracketed paste; ANSI insert and newline modes.
_KNOWN_PRIVATE_MODES = frozenset({1, 6, 7, 25, 9, 1000, 1002, 1003, 1004, 1006, 2004})
_KNOWN_ANSI_MODES = frozenset({4, 20})


@lru_cache(maxsize=8192)
def classify_char(char: str) -> tuple[str, int]:
    """What a decoded character becomes in a cell: (text, width).

    Width 0 with text means "combine with the previous cell"; empty text means "drop it".
    Everything `str.isprintable()` rejects is replaced or dropped here, so cells stay printable.
    """
    if "\U0001f3fb" <= char <= "\U0001f3ff":
        # Skin-tone modifiers: glibc's wcwidth (what the remote's programs count with) gives 2,
        # so they take their own two cells, as in tmux and libghostty; combining them would put
        # the cursor 2 columns left of where the remote believes it is.
        return char, 2
    if char.isprintable():
        return char, get_character_cell_size(char)
    category = unicodedata.category(char)
    if category == "Zs":  # NBSP and friends
        return " ", 1
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # controls, format/bidi controls, separators
        return "", 0
    if category == "Co":  # private use: Powerline and Nerd Font glyphs; Rich measures them as 1
        return char, 1
    return "\ufffd", 1  # unassigned


_PRINTABLE_ASCII = [chr(code) for code in range(0x20, 0x7F)]


def _interned_cells(attrs: Char) -> dict[str, Char]:
    """One Char per printable ASCII character in the style of `attrs`.  A plain, complete dict:
    `map(table.__getitem__, text)` then runs entirely in C (a __missing__ hook would not)."""
    fields = tuple(attrs)[1:]
    char_type = type(attrs)
    return {char: tuple.__new__(char_type, (char, *fields)) for char in _PRINTABLE_ASCII}


def _bits(value: object) -> int:
    """The bold field as its bit set (pyte's own Chars hold a bool there)."""
    return value if isinstance(value, int) else 0


def _to_int(text: str) -> int:
    return min(int(text), 9999) if text.isdigit() else 0


def _rgb(values: list[str]) -> str | None:
    if len(values) < 3:
        return None
    red, green, blue = (min(_to_int(v), 255) for v in values[-3:])
    return f"#{red:02x}{green:02x}{blue:02x}"


def _indexed(value: str) -> str | None:
    index = _to_int(value)
    return _PALETTE_256[index] if index < 256 else None


class XtermScreen(pyte.Screen):
    _rows: defaultdict[int, Line]
    _base: int  # rows are stored under `row + _base` (see `buffer`)

    def __init__(self, columns: int, lines: int, *, scrollback: int = 2000, replies: ReplyQueue | None = None) -> None:
        # Set before pyte's __init__, which calls our reset().
        self.history: deque[Line | None] = deque(maxlen=max(0, scrollback))
        self.history_pushed = 0
        self.replies = replies if replies is not None else ReplyQueue()
        self.keypad_application = False
        self.bells = 0
        self._alt_main: defaultdict[int, Line] | None = None
        self._alt_cursor: tuple[int, int, Char] | None = None
        self._last_char: str | None = None
        self._char_cache: dict[Char, dict[str, Char]] = {}
        self._style_uses: dict[Char, int] = {}
        self._sgr_cache: dict[tuple[Char, str], Char] = {}
        self._title = ""
        super().__init__(columns, lines)

    # ------------------------------------------------------------------ state

    # pyte keeps rows in `buffer`, a dict keyed by row number, so scrolling one line re-keys every
    # row.  We store rows under `row + _base` instead: a full-screen scroll just pops the top row
    # and bumps `_base`.  Anything that reads `buffer` (every pyte method) gets the rows re-keyed
    # from 0 first, which happens once per batch of scrolls, not once per line.

    @property  # type: ignore[override]
    def buffer(self) -> defaultdict[int, Line]:
        if self._base:
            rows = self._rows
            shifted = [(y - self._base, line) for y, line in rows.items()]
            rows.clear()
            rows.update(shifted)
            self._base = 0
        return self._rows

    @buffer.setter
    def buffer(self, rows: defaultdict[int, Line]) -> None:
        self._rows = rows
        self._base = 0

    def _row(self, y: int) -> Line:
        """Row `y` without re-keying (the drawing fast paths)."""
        return self._rows[y + self._base]

    @property
    def default_char(self) -> Char:
        return _BLANK_REVERSE if mo.DECSCNM in self.mode else _BLANK

    @property
    def alternate_active(self) -> bool:
        return self._alt_main is not None

    @property
    def safe_title(self) -> str:
        return self._title

    def _new_buffer(self) -> defaultdict[int, Line]:
        return defaultdict(lambda: StaticDefaultDict(self.default_char))

    def reset(self) -> None:
        main: defaultdict[int, Line] | None = getattr(self, "_alt_main", None)
        if main is not None:
            self.buffer = main
            self._alt_main = None
        super().reset()
        self.g1_charset = cs.LAT1_MAP  # xterm starts every G-set as ASCII; pyte's G1 is line drawing
        self.savepoints = []
        self.keypad_application = False
        self._last_char = None
        self._title = ""
        # DECSCNM: the whole screen in reverse video, applied when drawing (cells keep their own
        # reverse attribute, so a visual bell does not strip SGR 7 from what is on screen).
        self.reverse_video = False
        self.dirty.update(range(self.lines))

    def define_charset(self, code: str, mode: str) -> None:
        charset = _CHARSETS.get(code)
        if charset is not None:
            if mode == "(":
                self.g0_charset = charset
            elif mode == ")":
                self.g1_charset = charset

    def soft_reset(self) -> None:
        """DECSTR (`CSI ! p`, sent by `reset`/`tput init`): modes, margins, attributes and charsets
        back to their start, the screen and the cursor position kept."""
        self.mode.difference_update({mo.IRM, mo.DECOM, _DECCKM})
        self.mode.update({mo.DECAWM, mo.DECTCEM})
        self.cursor.hidden = False
        self.cursor.attrs = self.default_char
        self.margins = None
        self.keypad_application = False
        self.g0_charset = self.g1_charset = cs.LAT1_MAP
        self.charset = 0
        self.savepoints = []

    def request_mode(self, mode: int, private: bool) -> None:
        """DECRQM (`CSI ? Ps $ p`, `CSI Ps $ p`): 1 set, 2 reset, 0 a mode we do not know."""
        if private:
            if mode in ALT_SCREEN_MODES:
                state = 1 if self.alternate_active else 2
            elif mode == 5:
                state = 1 if self.reverse_video else 2
            elif mode in _KNOWN_PRIVATE_MODES:
                state = 1 if (mode << 5) in self.mode else 2
            else:
                state = 0
            self.write_process_input(f"\x1b[?{mode};{state}$y")
        else:
            state = (1 if mode in self.mode else 2) if mode in _KNOWN_ANSI_MODES else 0
            self.write_process_input(f"\x1b[{mode};{state}$y")

    def set_title(self, param: str) -> None:
        self._title = truncate(sanitize_line(param), TITLE_LIMIT).strip()

    def set_icon_name(self, param: str) -> None:
        """Ignored: only the title is shown, in our own tab label."""

    def bell(self, *args: Any) -> None:
        self.bells += 1

    def write_process_input(self, data: str) -> None:
        self.replies.push(data.encode())

    def report_device_attributes(self, mode: int = 0, **kwargs: Any) -> None:
        if mode == 0 and not kwargs.get("private"):
            self.write_process_input("\x1b[?1;2c")  # VT100 with advanced video, as tmux answers

    def report_secondary_attributes(self) -> None:
        self.write_process_input("\x1b[>1;10;0c")

    # ------------------------------------------------------------------ drawing

    def draw(self, data: str) -> None:
        charset = self.g1_charset if self.charset else self.g0_charset
        if charset is not cs.LAT1_MAP:
            data = data.translate(charset)
        if data.isascii() and mo.IRM not in self.mode:
            self._draw_ascii(data)
            return
        for part in _ASCII_OR_NOT.findall(data):
            if part[0] <= "~" and part[0] >= " " and mo.IRM not in self.mode:
                self._draw_ascii(part)
            else:
                for char in part:
                    self._draw_char(char)

    def _draw_ascii(self, data: str) -> None:
        """Printable ASCII only: width 1, nothing to combine, so cells are interned per style and
        a whole slice of a line is written with one C-level `dict.update`."""
        cursor = self.cursor
        columns = self.columns
        attrs = cursor.attrs
        cells = self._char_cache.get(attrs)
        if cells is None:
            uses = self._style_uses.get(attrs, 0) + 1
            if uses < INTERN_AFTER_USES:
                # A style seen only a few times (colour-heavy output has thousands): building its
                # full intern table would cost more than making these few cells directly.
                if len(self._style_uses) > 4096:
                    self._style_uses.clear()
                self._style_uses[attrs] = uses
                fields = tuple(attrs)[1:]
                char_type = type(attrs)
                make = tuple.__new__
                cells = {char: make(char_type, (char, *fields)) for char in set(data)}
            else:
                self._style_uses.pop(attrs, None)
                if len(self._char_cache) > 4096:
                    self._char_cache.clear()
                cells = self._char_cache[attrs] = _interned_cells(attrs)
        cell_for = cells.__getitem__
        wrap = mo.DECAWM in self.mode
        position = 0
        length = len(data)
        while position < length:
            if cursor.x >= columns:
                if wrap:
                    self.dirty.add(cursor.y)
                    self.carriage_return()
                    self.linefeed()
                else:
                    cursor.x = columns - 1
            x = cursor.x
            take = min(length - position, columns - x)
            piece = data if take == length else data[position : position + take]
            line = self._row(cursor.y)
            line.update(zip(range(x, x + take), map(cell_for, piece), strict=False))
            position += take
            cursor.x = x + take
            if not wrap and position < length:
                # Without autowrap the rest of the run overwrites the last column; only its end shows.
                line[columns - 1] = cell_for(data[-1])
                break
        self.dirty.add(cursor.y)
        self._last_char = data[-1]

    def _draw_char(self, raw: str) -> None:
        char, width = classify_char(raw)
        if not char:
            return
        if width == 0:
            self._combine(char)
            return
        cursor = self.cursor
        columns = self.columns
        if width > columns:  # a wide character on a one-column screen
            char, width = "\ufffd", 1
        if cursor.x + width > columns:
            if mo.DECAWM in self.mode:
                self.dirty.add(cursor.y)
                self.carriage_return()
                self.linefeed()
            else:
                cursor.x = columns - width
        if mo.IRM in self.mode:
            self.insert_characters(width)
        line = self._row(cursor.y)
        line[cursor.x] = cursor.attrs._replace(data=char)
        if width == 2:
            line[cursor.x + 1] = cursor.attrs._replace(data="")  # the stub cell a wide character covers
        cursor.x += width
        self.dirty.add(cursor.y)
        self._last_char = char

    def _combine(self, mark: str) -> None:
        x = min(self.cursor.x, self.columns) - 1
        if x < 0:
            return
        line = self._row(self.cursor.y)
        if line[x].data == "" and x > 0:
            x -= 1  # the stub of a wide character: the mark belongs to the character itself
        base = line[x]
        if not base.data or len(base.data) >= MAX_CELL_CHARS:
            return
        line[x] = base._replace(data=unicodedata.normalize("NFC", base.data + mark))
        self.dirty.add(self.cursor.y)

    def repeat_last_char(self, count: int = 1) -> None:
        if self._last_char:
            self.draw(self._last_char * min(max(count, 1), self.columns * self.lines))

    # ------------------------------------------------------------------ scrolling and scrollback

    def _scroll_up(self, top: int, bottom: int) -> None:
        lines = self.lines
        if top == 0 and bottom == lines - 1:
            # The whole screen: drop the top row, move the base (see `buffer`).
            rows = self._rows
            gone = rows.pop(self._base, None)
            self._base += 1
            rows.pop(self._base + bottom, None)  # the new bottom row starts blank
            if self._alt_main is None and self.history.maxlen:
                self.history.append(gone)
                self.history_pushed += 1
        else:
            buffer = self.buffer
            buffer.pop(top, None)
            if bottom > top:
                # Shift rows top+1..bottom up with C-level map/zip; reading through the
                # defaultdict materialises missing rows as blanks.
                moved = list(map(buffer.__getitem__, range(top + 1, bottom + 1)))
                buffer.update(zip(range(top, bottom), moved, strict=True))
                del buffer[bottom]
        if self.cursor.attrs.bg != "default":
            self._blank_rows(range(bottom, bottom + 1))
        # `dirty` only ever holds on-screen rows, so when it is as big as the screen it is full.
        if len(self.dirty) < lines:
            self.dirty.update(range(top, bottom + 1))

    def _scroll_down(self, top: int, bottom: int) -> None:
        buffer = self.buffer
        for y in range(bottom, top, -1):
            line = buffer.pop(y - 1, None)
            if line is None:
                buffer.pop(y, None)
            else:
                buffer[y] = line
        buffer.pop(top, None)
        self._blank_rows(range(top, top + 1))
        self.dirty.update(range(top, bottom + 1))

    def _region(self) -> tuple[int, int]:
        return self.margins or Margins(0, self.lines - 1)

    def index(self) -> None:
        """IND / LF: down one row, scrolling the region when at its bottom.  Inlined (this runs
        once per line of output); below the region the cursor moves on to the last row, as xterm
        does, where pyte would pull it back up to the region's bottom."""
        cursor = self.cursor
        margins = self.margins
        bottom = margins.bottom if margins else self.lines - 1
        if cursor.y == bottom:
            self._scroll_up(margins.top if margins else 0, bottom)
        elif cursor.y < self.lines - 1:
            cursor.y += 1

    def linefeed(self) -> None:
        self.index()
        if mo.LNM in self.mode:
            self.cursor.x = 0

    def reverse_index(self) -> None:
        cursor = self.cursor
        top, bottom = self._region()
        if cursor.y == top:
            self._scroll_down(top, bottom)
        elif cursor.y > 0:
            cursor.y -= 1

    def cursor_up(self, count: int | None = None) -> None:
        """CUU stops at the top margin only from inside the region (pyte would move a cursor that
        is above the region *down* to the margin)."""
        top, _bottom = self._region()
        limit = top if self.cursor.y >= top else 0
        self.cursor.y = max(self.cursor.y - (count or 1), limit)

    def cursor_down(self, count: int | None = None) -> None:
        _top, bottom = self._region()
        limit = bottom if self.cursor.y <= bottom else self.lines - 1
        self.cursor.y = min(self.cursor.y + (count or 1), limit)

    def next_line(self) -> None:
        """NEL (`ESC E`): a newline that always returns the carriage."""
        self.index()
        self.carriage_return()

    def scroll_up(self, count: int = 1) -> None:
        """SU (`CSI n S`): ncurses uses it for `indn` with TERM=xterm-256color."""
        top, bottom = self._region()
        for _ in range(min(max(count, 1), bottom - top + 1)):
            self._scroll_up(top, bottom)

    def scroll_down(self, count: int = 1) -> None:
        """SD (`CSI n T`)."""
        top, bottom = self._region()
        for _ in range(min(max(count, 1), bottom - top + 1)):
            self._scroll_down(top, bottom)

    def _blank(self) -> Char:
        """The cell erasing leaves behind: default attributes with the current background (as
        xterm and tmux do; pyte would copy underline and reverse too)."""
        default = self.default_char
        background = self.cursor.attrs.bg
        return default if background == default.bg else default._replace(bg=background)

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        if how == 3:  # xterm: erase the saved lines (what `clear` sends), not the screen
            self.history.clear()
            return
        if how == 0:
            rows = range(self.cursor.y + 1, self.lines)
            self.erase_in_line(0)
        elif how == 1:
            rows = range(self.cursor.y)
            self.erase_in_line(1)
        elif how == 2:
            rows = range(self.lines)
        else:
            return
        blank = self._blank()
        plain = blank == self.default_char
        buffer = self.buffer
        for y in rows:
            if plain:
                buffer.pop(y, None)  # a missing row reads as blank
            else:
                buffer[y] = StaticDefaultDict(blank)
        self.dirty.update(rows)

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        x = min(self.cursor.x, self.columns - 1)
        if how == 0:
            interval = range(x, self.columns)
        elif how == 1:
            interval = range(x + 1)
        elif how == 2:
            interval = range(self.columns)
        else:
            return
        blank = self._blank()
        line = self.buffer[self.cursor.y]
        for column in interval:
            line[column] = blank
        self.dirty.add(self.cursor.y)

    def insert_characters(self, count: int | None = None) -> None:
        """ICH: blanks in the current background at the cursor, the rest of the row shifted right and
        cut at the last column (pyte kept a cell past it that a later DCH brought back)."""
        columns = self.columns
        x = min(self.cursor.x, columns - 1)
        count = min(max(count or 1, 1), columns - x)
        line = self.buffer[self.cursor.y]
        kept = [line[column] for column in range(x, columns - count)]
        line.update(zip(range(x, columns), [self._blank()] * count + kept, strict=True))
        for column in [column for column in line if column >= columns]:
            del line[column]
        self.dirty.add(self.cursor.y)

    def delete_characters(self, count: int | None = None) -> None:
        """DCH: the row shifted left; the cells freed at its end take the current background."""
        columns = self.columns
        x = min(self.cursor.x, columns - 1)
        count = min(max(count or 1, 1), columns - x)
        line = self.buffer[self.cursor.y]
        kept = [line[column] for column in range(x + count, columns)]
        line.update(zip(range(x, columns), kept + [self._blank()] * count, strict=True))
        for column in [column for column in line if column >= columns]:
            del line[column]
        self.dirty.add(self.cursor.y)

    def insert_lines(self, count: int | None = None) -> None:
        """IL: the inserted lines take the current background (back-colour erase)."""
        top, bottom = self._region()
        y = self.cursor.y
        if not top <= y <= bottom:
            return
        count = min(max(count or 1, 1), bottom - y + 1)
        buffer = self.buffer
        for row in range(bottom, y - 1, -1):
            line = buffer.pop(row, None)
            if row + count <= bottom and line is not None:
                buffer[row + count] = line
        self._blank_rows(range(y, y + count))
        self.dirty.update(range(y, self.lines))
        self.carriage_return()

    def delete_lines(self, count: int | None = None) -> None:
        """DL: the lines brought in at the region's bottom take the current background."""
        top, bottom = self._region()
        y = self.cursor.y
        if not top <= y <= bottom:
            return
        count = min(max(count or 1, 1), bottom - y + 1)
        buffer = self.buffer
        for row in range(y, bottom + 1):
            line = buffer.pop(row + count, None) if row + count <= bottom else None
            buffer.pop(row, None)
            if line is not None:
                buffer[row] = line
        self._blank_rows(range(bottom - count + 1, bottom + 1))
        self.dirty.update(range(y, self.lines))
        self.carriage_return()

    def _blank_rows(self, rows: range) -> None:
        """Rows that came in empty (scrolled in, inserted): in the current background, if any."""
        blank = self._blank()
        if blank is self.default_char or blank == self.default_char:
            return
        buffer = self.buffer
        for row in rows:
            buffer[row] = StaticDefaultDict(blank)

    def erase_characters(self, count: int | None = None) -> None:
        x = min(self.cursor.x, self.columns - 1)
        blank = self._blank()
        line = self.buffer[self.cursor.y]
        for column in range(x, min(x + max(count or 1, 1), self.columns)):
            line[column] = blank
        self.dirty.add(self.cursor.y)

    def tab(self) -> None:
        """HT; at the pending-wrap position (after the last column) it leaves the wrap pending, as
        xterm does (pyte pulled the cursor back to the last column, so the next text never wrapped)."""
        if self.cursor.x >= self.columns:
            return
        super().tab()

    def tab_forward(self, count: int = 1) -> None:
        for _ in range(min(max(count, 1), self.columns)):
            self.tab()

    def tab_backward(self, count: int = 1) -> None:
        """CBT (`CSI n Z`)."""
        stops = sorted(self.tabstops)
        for _ in range(min(max(count, 1), self.columns)):
            earlier = [stop for stop in stops if stop < self.cursor.x]
            self.cursor.x = earlier[-1] if earlier else 0

    # ------------------------------------------------------------------ cursor save/restore

    def save_cursor(self) -> None:
        super().save_cursor()
        del self.savepoints[:-1]  # xterm has one DECSC slot; pyte's list would grow per ESC 7

    def restore_cursor(self) -> None:
        hidden = self.cursor.hidden  # cursor visibility is a mode, not part of the saved state
        saved = self.savepoints[-1] if self.savepoints else None
        super().restore_cursor()
        if saved is not None:
            # pyte pops the slot and hands us its cursor object; keep an independent copy saved.
            self.savepoints = [saved._replace(cursor=copy.copy(self.cursor))]
        self.cursor.hidden = hidden

    # ------------------------------------------------------------------ modes

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            modes = self._screen_wide_modes(modes, on=True)
            for mode in modes:
                if mode in ALT_SCREEN_MODES:
                    self._enter_alternate(mode)
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            modes = self._screen_wide_modes(modes, on=False)
            for mode in modes:
                if mode in ALT_SCREEN_MODES:
                    self._leave_alternate(mode)
        super().reset_mode(*modes, **kwargs)

    def _screen_wide_modes(self, modes: tuple[int, ...], *, on: bool) -> tuple[int, ...]:
        """Take out the private modes pyte must not see: DECCOLM (ignored, as xterm does by
        default) and DECSCNM (kept as a flag for drawing; pyte rewrote every cell's reverse)."""
        if 5 in modes and self.reverse_video != on:
            self.reverse_video = on
            self.dirty.update(range(self.lines))
        return tuple(m for m in modes if m not in (DECCOLM_PRIVATE, 5))

    def _enter_alternate(self, mode: int) -> None:
        if self._alt_main is not None:
            return
        if mode == 1049:
            self._alt_cursor = (self.cursor.x, self.cursor.y, self.cursor.attrs)
        self._alt_main = self.buffer
        self.buffer = self._new_buffer()
        self.dirty.update(range(self.lines))

    def _leave_alternate(self, mode: int) -> None:
        if self._alt_main is None:
            return
        self.buffer = self._alt_main
        self._alt_main = None
        if mode == 1049 and self._alt_cursor is not None:
            self.cursor.x, self.cursor.y, self.cursor.attrs = self._alt_cursor
            self._alt_cursor = None
            self.ensure_hbounds()
            self.ensure_vbounds()
        self.dirty.update(range(self.lines))

    # ------------------------------------------------------------------ SGR

    def apply_sgr(self, params: str) -> None:
        """SGR from the raw parameter string (`CSI params m`)."""
        attrs = self.cursor.attrs
        key = (attrs, params)
        result = self._sgr_cache.get(key)
        if result is None:
            result = self._compute_sgr(attrs, params)
            if len(self._sgr_cache) > 4096:
                self._sgr_cache.clear()
            self._sgr_cache[key] = result
        self.cursor.attrs = result

    def _compute_sgr(self, attrs: Char, params: str) -> Char:
        default = self.default_char
        if not params:
            return default
        # Work on a plain list of Char's fields: _asdict()/Char(**kw) cost more than the parsing.
        fields = list(attrs)
        parts = params.split(";")
        count = len(parts)
        i = 0
        while i < count:
            part = parts[i]
            i += 1
            if ":" in part:  # ITU T.416 sub-parameters
                sub = part.split(":")
                code = _to_int(sub[0])
                if code in (38, 48):
                    colour = None
                    if sub[1:2] == ["5"] and len(sub) > 2:
                        colour = _indexed(sub[2])
                    elif sub[1:2] == ["2"]:
                        colour = _rgb(sub[2:])  # 38:2::r:g:b and 38:2:r:g:b both end in r:g:b
                    if colour:
                        fields[_FG if code == 38 else _BG] = colour
                elif code == 4:
                    fields[_UNDERSCORE] = _to_int(sub[1]) != 0 if len(sub) > 1 else True
                continue  # 58:… (underline colour) and unknown sub-parameter forms are ignored
            code = int(part) if part.isdigit() else 0
            if code == 0:
                fields = list(default)
            elif code == 1:
                fields[_BOLD] = _bits(fields[_BOLD]) | _BOLD_BIT
            elif code == 2:
                fields[_BOLD] = _bits(fields[_BOLD]) | _DIM_BIT
            elif code in _FLAG_ON:
                fields[_FLAG_ON[code]] = True
            elif code in _FLAG_OFF:
                fields[_FLAG_OFF[code]] = False
            elif code in _FG_CODES:
                fields[_FG] = _FG_CODES[code]
            elif code in _BG_CODES:
                fields[_BG] = _BG_CODES[code]
            elif code == 39:
                fields[_FG] = "default"
            elif code == 49:
                fields[_BG] = "default"
            elif code in (38, 48, 58):
                kind = parts[i] if i < count else ""
                colour = None
                if kind == "5" and i + 1 < count:
                    colour = _indexed(parts[i + 1])
                    i += 2
                elif kind == "2" and i + 3 < count:
                    colour = _rgb(parts[i + 1 : i + 4])
                    i += 4
                else:
                    i = count  # malformed extended colour: xterm drops the rest
                if colour and code != 58:
                    fields[_FG if code == 38 else _BG] = colour
        return tuple.__new__(Char, fields)

    # ------------------------------------------------------------------ resize

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        lines = max(1, lines or self.lines)
        columns = max(1, columns or self.columns)
        if lines == self.lines and columns == self.columns:
            return
        if lines < self.lines:
            # Keep the cursor's row on screen, like xterm: the rows above it scroll off (into
            # the scrollback on the main screen), the rows below it are dropped.
            excess = self.cursor.y - (lines - 1)
            for _ in range(max(0, excess)):
                self._scroll_up(0, self.lines - 1)
            self.cursor.y -= max(0, excess)
        for buffer in (self.buffer, self._alt_main):
            if buffer is None:
                continue
            for y in [y for y in buffer if y >= lines]:
                del buffer[y]
            if columns < self.columns:
                for line in buffer.values():
                    for x in [x for x in line if x >= columns]:
                        del line[x]
        self.lines, self.columns = lines, columns
        self.margins = None
        self.tabstops = set(range(8, columns, 8))
        self.cursor.x = min(self.cursor.x, columns - 1)
        self.cursor.y = min(self.cursor.y, lines - 1)
        self.dirty.clear()
        self.dirty.update(range(lines))
