"""`GhosttyEmulator`: the `Emulator` interface on libghostty-vt, Ghostty's terminal core, through
`pyghostty` (an optional dependency: `pip install 'nomad-tui[ghostty]'`).

The parser runs in native code (50-100x the pyte backend's speed, see bench/exec.py); reading the
screen goes through libghostty's render state, which tracks dirty rows, so a frame reads only the
rows that changed.  Each cell costs a few cffi calls, so rows are read once per change and cached.

Contract notes (see `emulator.py`): `feed()` never raises; runs are drawable and cover exactly
`cols` cells as Rich measures them (a grapheme Rich measures otherwise is drawn as blanks of the
right width); replies go through the same rate-limited `ReplyQueue` as the pyte backend; the title
is sanitised and truncated.  No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyghostty import Terminal, ffi, lib  # type: ignore[import-untyped]
from pyghostty._ffi import union_fn  # type: ignore[import-untyped]
from pyte import graphics as pyte_graphics
from rich.cells import cell_len

from nomad_tui.sanitize import sanitize_line, truncate
from nomad_tui.term.emulator import CellStyle, CursorState, Emulator, Run, TerminalModes, drawable
from nomad_tui.term.replies import ReplyQueue

TITLE_LIMIT = 120
_ANSI_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
# Palette indexes as CellStyle spells them: 0-15 by name (the widget draws them as xterm does),
# 16-255 as the standard xterm RGB values.
_PALETTE = [
    *_ANSI_NAMES,
    *("bright_" + name for name in _ANSI_NAMES),
    *("#" + value for value in pyte_graphics.FG_BG_256[16:]),
]
_MOUSE_MODES = (1003, 1002, 1000, 9)
_ALT_SCREEN = lib.GHOSTTY_TERMINAL_SCREEN_ALTERNATE
_COLOUR_PALETTE = lib.GHOSTTY_STYLE_COLOR_PALETTE
_COLOUR_RGB = lib.GHOSTTY_STYLE_COLOR_RGB
_WIDE = lib.GHOSTTY_CELL_WIDE_WIDE
_SPACER_TAIL = lib.GHOSTTY_CELL_WIDE_SPACER_TAIL
_GRAPHEMES_MAX = 16
_CODEPOINT = lib.GHOSTTY_CELL_CONTENT_CODEPOINT
_GRAPHEME = lib.GHOSTTY_CELL_CONTENT_CODEPOINT_GRAPHEME
_BG_ONLY_PALETTE = lib.GHOSTTY_CELL_CONTENT_BG_COLOR_PALETTE
_BG_ONLY_RGB = lib.GHOSTTY_CELL_CONTENT_BG_COLOR_RGB
_DECSTR = b"\x1b[!p"
# Functions taking a GhosttyPoint by value, cast (as pyghostty does) to a layout-identical struct.
_GRID_REF = union_fn("ghostty_terminal_grid_ref", "GhosttyResult(*)(GhosttyTerminal, GhosttyPointS, GhosttyGridRef*)")
_TRACK = union_fn(
    "ghostty_terminal_grid_ref_track", "GhosttyResult(*)(GhosttyTerminal, GhosttyPointS, GhosttyTrackedGridRef*)"
)
_TRACK_SET = union_fn(
    "ghostty_tracked_grid_ref_set", "GhosttyResult(*)(GhosttyTrackedGridRef, GhosttyTerminal, GhosttyPointS)"
)
_HISTORY_CACHE_ROWS = 1024
_ANCHOR_NEWLINES = 1000  # well under the 2000 lines the scrollback keeps at least
_CLEAR_SCROLLBACK = b"\x1b[3J"
_FULL_RESET = b"\x1bc"
# Bytes per scrollback cell, with room for libghostty's per-row data and its whole-page steps.
_SCROLLBACK_BYTES_PER_CELL = 12
_SCROLLBACK_SLACK = 1024 * 1024
# Insert and origin mode off, autowrap and cursor on, cursor keys normal, numeric keypad, no
# margins, plain attributes, ASCII in G0/G1 and G0 selected.
_SOFT_RESET = b"\x1b[4l\x1b[?6l\x1b[?7h\x1b[?25h\x1b[?1l\x1b>\x1b[r\x1b[m\x1b(B\x1b)B\x0f"


def _colour(tag: int, value: Any) -> str | None:
    if tag == _COLOUR_PALETTE:
        return _PALETTE[value.palette]
    if tag == _COLOUR_RGB:
        rgb = value.rgb
        return f"#{rgb.r:02x}{rgb.g:02x}{rgb.b:02x}"
    return None


class GhosttyEmulator(Emulator):
    def __init__(
        self,
        cols: int = 80,
        rows: int = 24,
        *,
        scrollback: int = 2000,
        replies: ReplyQueue | None = None,
    ) -> None:
        self._cols, self._rows = max(1, cols), max(1, rows)
        # The scrollback is capped in bytes, sized from the width so that at least `scrollback`
        # lines are kept.  libghostty's own default cap holds only some 500 lines at 80 columns
        # and 200 at 200; a cap in lines instead made every line pushed once full cost a page
        # compaction (feeding fell from ~150-400 to ~25 MB/s).  The line cap is left far above.
        self._scrollback = scrollback
        self._term = Terminal(self._cols, self._rows, scrollback=10 * scrollback)
        self._handle = self._term._t[0]
        self._cap_scrollback()
        self._replies = replies if replies is not None else ReplyQueue()
        self._term.on_reply(self._reply)
        self._state = ffi.new("GhosttyRenderState*")
        self._rows_iter = ffi.new("GhosttyRenderStateRowIterator*")
        self._cells = ffi.new("GhosttyRenderStateRowCells*")
        self._check(lib.ghostty_render_state_new(ffi.NULL, self._state))
        self._check(lib.ghostty_render_state_row_iterator_new(ffi.NULL, self._rows_iter))
        self._check(lib.ghostty_render_state_row_cells_new(ffi.NULL, self._cells))
        self._style_buf = ffi.new("GhosttyStyle*")
        self._style_buf.size = ffi.sizeof("GhosttyStyle")
        self._raw_cell = ffi.new("GhosttyCell*")
        self._wide = ffi.new("GhosttyCellWide*")
        self._palette_index = ffi.new("GhosttyColorPaletteIndex*")
        self._rgb = ffi.new("GhosttyColorRgb*")
        self._row_dirty = ffi.new("bool*")
        self._false = ffi.new("bool*", False)
        self._clean = ffi.new("GhosttyRenderStateDirty*", lib.GHOSTTY_RENDER_STATE_DIRTY_FALSE)
        self._dirty_kind = ffi.new("GhosttyRenderStateDirty*")
        self._glen = ffi.new("uint32_t*")
        # One call reads a cell's content tag, codepoint, width and style id.
        self._tag = ffi.new("GhosttyCellContentTag*")
        self._codepoint = ffi.new("uint32_t*")
        self._style_id = ffi.new("GhosttyStyleId*")
        self._cell_keys = ffi.new(
            "GhosttyCellData[4]",
            [
                lib.GHOSTTY_CELL_DATA_CONTENT_TAG,
                lib.GHOSTTY_CELL_DATA_CODEPOINT,
                lib.GHOSTTY_CELL_DATA_WIDE,
                lib.GHOSTTY_CELL_DATA_STYLE_ID,
            ],
        )
        self._cell_values = ffi.new(
            "void*[4]", [ffi.cast("void*", out) for out in (self._tag, self._codepoint, self._wide, self._style_id)]
        )
        self._written = ffi.new("size_t*")
        self._raw_view = ffi.new("GhosttyCellsView*")
        self._gbuf = ffi.new(f"uint32_t[{_GRAPHEMES_MAX}]")
        self._styles: dict[tuple[object, ...], CellStyle] = {}
        self._screen_rows: list[list[Run]] = [self._blank_row()] * self._rows
        self._dirty: set[int] = set(range(self._rows))
        self._stale = True
        self._reverse_screen = False
        # Lines pushed into the scrollback, counted exactly: libghostty frees whole pages of old
        # lines at once, so the scrollback's length alone cannot tell how many new ones arrived.
        # A tracked reference to the screen's top line follows it as lines are pushed and pages
        # freed: pushed = growth of the scrollback + how far that line moved up (lines freed above
        # it).  Not the bottom line: libghostty keeps blank rows holding a tracked reference when
        # a resize would trim them.
        self._pushed = 0
        self._point = ffi.new("GhosttyPointS*")
        self._coordinate = ffi.new("GhosttyPointCoordinate*")
        self._anchor = ffi.new("GhosttyTrackedGridRef*")
        self._point.tag = lib.GHOSTTY_POINT_TAG_ACTIVE
        self._point.value.x = self._point.value.y = 0
        self._check(_TRACK(self._handle, self._point[0], self._anchor))
        self._anchor_length = 0
        self._anchor_y = 0
        self._newlines = 0  # fed since the anchor was set
        # Scrollback rows as runs, by line number (lines ever pushed before it): a line in the
        # scrollback never changes, so scrolling back reads each line from libghostty once.
        self._history: dict[int, list[Run]] = {}
        self._history_ref = ffi.new("GhosttyGridRef*")
        self._history_ref.size = ffi.sizeof("GhosttyGridRef")
        self._history_length = ffi.new("size_t*")
        self.history_reads = 0  # rows read from libghostty's scrollback (tests count them)
        self.internal_errors = 0

    def _cap_scrollback(self) -> None:
        limit = self._scrollback * self._cols * _SCROLLBACK_BYTES_PER_CELL + _SCROLLBACK_SLACK
        max_bytes = ffi.new("size_t*", limit)
        self._check(lib.ghostty_terminal_set(self._handle, lib.GHOSTTY_TERMINAL_OPT_SCROLLBACK_MAX_BYTES, max_bytes))

    def _reply(self, data: bytes) -> None:
        self._replies.push(data)  # rate-limited; the callback itself must return nothing

    @staticmethod
    def _check(result: int) -> None:
        if result:
            raise RuntimeError(f"libghostty-vt call failed: {result}")

    def close(self) -> None:
        lib.ghostty_tracked_grid_ref_free(self._anchor[0])
        lib.ghostty_render_state_row_cells_free(self._cells[0])
        lib.ghostty_render_state_row_iterator_free(self._rows_iter[0])
        lib.ghostty_render_state_free(self._state[0])
        self._term.close()

    # ------------------------------------------------------------------ input

    def feed(self, data: bytes) -> None:
        if not data:
            return
        try:
            decstr = data.find(_DECSTR)
            if decstr != -1:
                # libghostty 0.1 leaves insert mode and the attributes as they were; DECSTR
                # resets them (DEC, xterm), so the rest of the soft reset is done here, the
                # cursor kept where it is.
                end = decstr + len(_DECSTR)
                self._term.feed(data[:end])
                x, y = self._term.cursor
                self._term.feed(_SOFT_RESET + f"\x1b[{y + 1};{x + 1}H".encode())
                data = data[end:]
            self._term.feed(data)
        except Exception:  # a reply callback failing; the parser itself does not raise
            self.internal_errors += 1
        self._stale = True
        # Count pushed lines well before the anchor could scroll out of the scrollback (a few
        # thousand lines) even when nobody asks between feeds.
        self._newlines += data.count(b"\n")
        if self._newlines > _ANCHOR_NEWLINES:
            self._advance_pushed()
        if _CLEAR_SCROLLBACK in data or _FULL_RESET in data:
            self._history.clear()  # lines pushed afterwards may be counted short: numbers are reused

    def note_gap(self) -> None:
        # CAN ends any escape sequence in progress, as on a VT100; the screen and modes stay.
        self._term.feed(b"\x18")
        self._stale = True

    def resize(self, cols: int, rows: int) -> None:
        cols, rows = max(1, cols), max(1, rows)
        if (cols, rows) == (self._cols, self._rows):
            return
        self._advance_pushed()
        self._term.resize(cols, rows)
        self._cols, self._rows = cols, rows
        self._cap_scrollback()
        self._screen_rows = [self._blank_row()] * rows
        self._dirty = set(range(rows))
        self._stale = True
        # Reflow rewraps the scrollback: its lines are new ones now (not counted as pushed).
        self._history.clear()
        self._set_anchor()

    # ------------------------------------------------------------------ state

    @property
    def cols(self) -> int:
        return self._cols

    @property
    def rows(self) -> int:
        return self._rows

    def dirty_rows(self) -> set[int]:
        self._sync()
        return set(self._dirty)

    def clear_dirty_rows(self) -> None:
        self._dirty.clear()

    @property
    def cursor(self) -> CursorState:
        x, y = self._term.cursor
        visible = bool(self._term.get("cursor_visible", "bool"))
        return CursorState(min(x, self._cols - 1), min(y, self._rows - 1), visible)

    @property
    def modes(self) -> TerminalModes:
        mode = self._term.mode
        return TerminalModes(
            application_cursor=mode(1),
            application_keypad=mode(66),
            bracketed_paste=mode(2004),
            mouse_tracking=next((m for m in _MOUSE_MODES if mode(m)), 0),
            mouse_sgr=mode(1006),
            alternate_screen=self._term.get("active_screen", "GhosttyTerminalScreen") == _ALT_SCREEN,
            focus_events=mode(1004),
        )

    @property
    def title(self) -> str:
        text = ffi.new("GhosttyString*")
        if lib.ghostty_terminal_get(self._handle, lib.GHOSTTY_TERMINAL_DATA_TITLE, text) or not text.len:
            return ""
        raw = ffi.buffer(text.ptr, min(text.len, 4 * TITLE_LIMIT))[:]
        return truncate(sanitize_line(raw.decode("utf-8", "replace")), TITLE_LIMIT).strip()

    def replies(self) -> bytes:
        return self._replies.take()

    @property
    def scrollback_len(self) -> int:
        return int(self._term.get("scrollback_rows", "size_t"))

    @property
    def scrollback_pushed(self) -> int:
        self._advance_pushed()
        return self._pushed

    def _alternate(self) -> bool:
        return bool(self._term.get("active_screen", "GhosttyTerminalScreen") == _ALT_SCREEN)

    def _advance_pushed(self) -> None:
        """Count the lines pushed since the last call (see `_anchor`), then re-anchor on the
        screen's top line.  The alternate screen has no scrollback: nothing is pushed meanwhile, and
        the anchor stays on the main screen."""
        if self._alternate():
            return
        length = self.scrollback_len
        if lib.ghostty_tracked_grid_ref_has_value(self._anchor[0]):
            lib.ghostty_tracked_grid_ref_point(self._anchor[0], lib.GHOSTTY_POINT_TAG_SCREEN, self._coordinate)
            freed = self._anchor_y - self._coordinate.y
        else:
            # The anchor's line was freed too (more lines than the scrollback holds arrived at
            # once): at least everything above it went, so the count is a floor, and line numbers
            # may repeat.
            freed = self._anchor_y + 1
            self._history.clear()
        self._pushed += max(0, length - self._anchor_length + freed)
        self._set_anchor(length)

    def _set_anchor(self, length: int | None = None) -> None:
        if self._alternate():
            return
        self._point.value.y = 0
        self._check(_TRACK_SET(self._anchor[0], self._handle, self._point[0]))
        self._anchor_length = self.scrollback_len if length is None else length
        self._anchor_y = self._anchor_length
        self._newlines = 0

    # ------------------------------------------------------------------ rendering

    def row_runs(self, y: int) -> list[Run]:
        self._sync()
        if not 0 <= y < self._rows:
            return self._blank_row()
        return self._screen_rows[y]

    def scrollback_runs(self, index: int) -> list[Run]:
        self._sync()  # DECSCNM (reverse screen) is read there
        length = self.scrollback_len
        if not 0 <= index < length:
            return self._blank_row()
        line = self.scrollback_pushed - length + index
        runs = self._history.get(line)
        if runs is None:
            if len(self._history) >= _HISTORY_CACHE_ROWS:
                self._history.clear()
            runs = self._history[line] = self._read_history_row(index)
        return runs

    def _read_history_row(self, index: int) -> list[Run]:
        """One scrollback row: one lookup of the row (libghostty walks its pages to find it),
        then its cells by column within that row."""
        self.history_reads += 1
        self._point.tag = lib.GHOSTTY_POINT_TAG_HISTORY
        self._point.value.y = index
        try:
            self._check(_GRID_REF(self._handle, self._point[0], self._history_ref))
        finally:
            self._point.tag = lib.GHOSTTY_POINT_TAG_ACTIVE
        ref, raw, style, gbuf, length = (
            self._history_ref,
            self._raw_cell,
            self._style_buf,
            self._gbuf,
            self._history_length,
        )
        raws = []
        for x in range(self._cols):
            ref.x = x
            lib.ghostty_grid_ref_cell(ref, raw)
            raws.append(raw[0])

        def style_at(x: int) -> Any:
            ref.x = x
            lib.ghostty_grid_ref_style(ref, style)
            return style

        def graphemes_at(x: int) -> str:
            ref.x = x
            lib.ghostty_grid_ref_graphemes(ref, gbuf, _GRAPHEMES_MAX, length)
            return "".join(map(chr, gbuf[0 : min(length[0], _GRAPHEMES_MAX)]))

        return self._decode_row(raws, style_at, graphemes_at)

    def _blank_row(self) -> list[Run]:
        return [(" " * self._cols, self._style_for((None, None, False, False, False, False, False, False, False)))]

    def _sync(self) -> None:
        """Bring the cached rows up to date with what was fed (only the rows libghostty marks dirty)."""
        if not self._stale:
            return
        self._stale = False
        state = self._state[0]
        self._check(lib.ghostty_render_state_update(state, self._handle))
        self._check(lib.ghostty_render_state_get(state, lib.GHOSTTY_RENDER_STATE_DATA_DIRTY, self._dirty_kind))
        reverse_screen = self._term.mode(5)
        full = self._dirty_kind[0] == lib.GHOSTTY_RENDER_STATE_DIRTY_FULL or reverse_screen != self._reverse_screen
        if reverse_screen != self._reverse_screen:
            self._history.clear()  # the scrollback is drawn reversed too
        self._reverse_screen = reverse_screen
        if self._dirty_kind[0] == lib.GHOSTTY_RENDER_STATE_DIRTY_FALSE and not full:
            return
        iterator = self._rows_iter[0]
        self._check(lib.ghostty_render_state_get(state, lib.GHOSTTY_RENDER_STATE_DATA_ROW_ITERATOR, self._rows_iter))
        y = 0
        while y < self._rows and lib.ghostty_render_state_row_iterator_next(iterator):
            lib.ghostty_render_state_row_get(iterator, lib.GHOSTTY_RENDER_STATE_ROW_DATA_DIRTY, self._row_dirty)
            if full or self._row_dirty[0]:
                self._screen_rows[y] = self._read_row(iterator)
                self._dirty.add(y)
                lib.ghostty_render_state_row_set(iterator, lib.GHOSTTY_RENDER_STATE_ROW_OPTION_DIRTY, self._false)
            y += 1
        lib.ghostty_render_state_set(state, lib.GHOSTTY_RENDER_STATE_OPTION_DIRTY, self._clean)

    def _read_row(self, iterator: Any) -> list[Run]:
        """One screen row from the render state: all its raw cells in one call; a cell's style or
        grapheme is asked for only when the raw cell says it has one."""
        view = self._raw_view
        self._check(lib.ghostty_render_state_row_get(iterator, lib.GHOSTTY_RENDER_STATE_ROW_DATA_CELLS_RAW, view))
        raws = ffi.unpack(view.ptr, min(view.len, self._cols))
        cells_handle = self._cells
        self._check(lib.ghostty_render_state_row_get(iterator, lib.GHOSTTY_RENDER_STATE_ROW_DATA_CELLS, cells_handle))
        cells = cells_handle[0]
        get = lib.ghostty_render_state_row_cells_get
        select = lib.ghostty_render_state_row_cells_select
        glen, gbuf, style = self._glen, self._gbuf, self._style_buf

        def style_at(x: int) -> Any:
            select(cells, x)
            get(cells, lib.GHOSTTY_RENDER_STATE_ROW_CELLS_DATA_STYLE, style)
            return style

        def graphemes_at(x: int) -> str:
            select(cells, x)
            get(cells, lib.GHOSTTY_RENDER_STATE_ROW_CELLS_DATA_GRAPHEMES_LEN, glen)
            if not glen[0]:
                return ""
            get(cells, lib.GHOSTTY_RENDER_STATE_ROW_CELLS_DATA_GRAPHEMES_BUF, gbuf)
            return "".join(map(chr, gbuf[0 : min(glen[0], _GRAPHEMES_MAX)]))

        return self._decode_row(raws, style_at, graphemes_at)

    def _decode_row(
        self, raws: list[int], style_at: Callable[[int], Any], graphemes_at: Callable[[int], str]
    ) -> list[Run]:
        """Raw cells to runs.  A zero cell is an empty default one; styles are looked up once per
        style id (ids are per page, and a row lies within one page)."""
        plain = self._style_for((None, None, False, False, False, False, False, self._reverse_screen, False))
        styles: dict[int, CellStyle] = {0: plain}
        read_cell = lib.ghostty_cell_get_multi
        keys, values, written = self._cell_keys, self._cell_values, self._written
        tag_out, codepoint_out, wide_out, style_id_out = self._tag, self._codepoint, self._wide, self._style_id
        out: list[tuple[str, int, CellStyle]] = []
        for x, raw in enumerate(raws):
            if not raw:
                out.append(("", 0, plain))
                continue
            read_cell(raw, 4, keys, values, written)
            style_id = style_id_out[0]
            cell_style = styles.get(style_id)
            if cell_style is None:
                cell_style = styles[style_id] = self._style(style_at(x))
            tag = tag_out[0]
            if tag == _CODEPOINT:
                codepoint = codepoint_out[0]
                text = chr(codepoint) if codepoint else ""
            elif tag == _GRAPHEME:
                text = graphemes_at(x)
            else:
                text, cell_style = "", self._background_only(raw, tag, cell_style)
            out.append((text, wide_out[0], cell_style))
        return self._assemble(out)

    def _assemble(self, cells: list[tuple[str, int, CellStyle]]) -> list[Run]:
        """Cells to runs of one style covering exactly `cols` cells as Rich measures them."""
        runs: list[Run] = []
        chars: list[str] = []
        run_style: CellStyle | None = None
        columns = 0
        for text, wide, style in cells[: self._cols]:
            if wide == _SPACER_TAIL:
                continue  # covered by the wide character before it
            span = 2 if wide == _WIDE else 1
            if not text or not drawable(text) or cell_len(text) != span:
                text = " " * span  # empty, or a grapheme Rich would measure otherwise
            if columns + span > self._cols:
                text, span = " ", 1
            if style is not run_style:
                if chars:
                    runs.append(("".join(chars), run_style))  # type: ignore[arg-type]
                chars = []
                run_style = style
            chars.append(text)
            columns += span
        if chars:
            runs.append(("".join(chars), run_style))  # type: ignore[arg-type]
        if columns < self._cols:
            runs.append((" " * (self._cols - columns), self._blank_row()[0][1]))
        return runs

    def _background_only(self, cell: int, tag: int, style: CellStyle) -> CellStyle:
        """A blank cell erased in a colour (back-colour erase) holds only that colour, in the cell
        itself rather than in a style."""
        if tag == _BG_ONLY_PALETTE:
            lib.ghostty_cell_get(cell, lib.GHOSTTY_CELL_DATA_COLOR_PALETTE, self._palette_index)
            background: str | None = _PALETTE[self._palette_index[0]]
        elif tag == _BG_ONLY_RGB:
            lib.ghostty_cell_get(cell, lib.GHOSTTY_CELL_DATA_COLOR_RGB, self._rgb)
            rgb = self._rgb
            background = f"#{rgb.r:02x}{rgb.g:02x}{rgb.b:02x}"
        else:
            return style
        return self._style_for((style.fg, background, *self._key_flags(style)))

    @staticmethod
    def _key_flags(style: CellStyle) -> tuple[bool, ...]:
        return (style.bold, style.dim, style.italic, style.underline, style.strike, style.reverse, style.blink)

    def _style(self, style: Any) -> CellStyle:
        fg, bg = style.fg_color, style.bg_color
        key = (
            _colour(fg.tag, fg.value),
            _colour(bg.tag, bg.value),
            bool(style.bold),
            bool(style.faint),
            bool(style.italic),
            bool(style.underline),
            bool(style.strikethrough),
            bool(style.inverse) != self._reverse_screen,
            bool(style.blink),
        )
        return self._style_for(key)

    def _style_for(self, key: tuple[Any, ...]) -> CellStyle:
        cached = self._styles.get(key)
        if cached is None:
            fg, bg, bold, dim, italic, underline, strike, reverse, blink = key
            cached = CellStyle(fg, bg, bold, dim, italic, underline, strike, reverse, blink)
            if len(self._styles) > 4096:
                self._styles.clear()
            self._styles[key] = cached
        return cached
