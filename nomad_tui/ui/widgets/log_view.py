"""LogView: a Line-API view over a LogBuffer that renders only visible lines, follows the tail,
highlights search matches, and optionally shows receive timestamps, a per-source label, and wraps.

Wrapping folds each line at the view's width (by cells, as `less` does), so the number of screen rows
of a line follows from its width alone; `WrapIndex` keeps the first row of every buffered line, grows
with the buffer and forgets dropped lines, so a scroll position is found by bisection, not by
measuring everything again.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.logbuffer import LogBuffer
from nomad_tui.ui.log_text import log_line_text
from nomad_tui.ui.widgets.selection import paint_selection

MATCH_STYLE = Style(reverse=True, bold=True)
CURRENT_STYLE = Style(bgcolor="yellow", color="black", bold=True)
TIME_STYLE = Style(dim=True)
MARKER_STYLE = Style(italic=True, color="yellow")
TIMESTAMP_WIDTH = 13  # "HH:MM:SS.mmm "

Labeler = Callable[[int], Text]  # source → its label (e.g. "3f2a9c1d web"), already sanitised and styled


def fold_offsets(plain: str, width: int) -> list[int]:
    """Character offsets where a line of `plain` text is cut to fit `width` cells per row."""
    if width <= 0:
        return []
    if plain.isascii():
        return list(range(width, len(plain), width))
    offsets: list[int] = []
    used = 0
    for index, char in enumerate(plain):
        size = get_character_cell_size(char)
        if used + size > width and used:
            offsets.append(index)
            used = 0
        used += size
    return offsets


class WrapIndex:
    """First screen row of every buffered line when wrapped at `width`, as absolute row numbers."""

    def __init__(self, rows_of: Callable[[int], int]) -> None:
        self.rows_of = rows_of
        self.width = 0
        self.base = 0  # absolute line number of starts[0]
        self.skip = 0  # starts[:skip] belong to lines the buffer has dropped
        self.starts: list[int] = []
        self.end_row = 0  # the row after the last indexed line

    def reset(self, width: int, first_number: int) -> None:
        self.width = width
        self.base = first_number
        self.skip = 0
        self.starts = []
        self.end_row = 0

    @property
    def first(self) -> int:
        return self.base + self.skip

    @property
    def indexed_end(self) -> int:
        return self.base + len(self.starts)

    @property
    def top_row(self) -> int:
        return self.starts[self.skip] if self.skip < len(self.starts) else self.end_row

    def sync(self, buffer: LogBuffer) -> None:
        """Forget dropped lines and index the complete lines added since the last call."""
        if buffer.first_number < self.first:
            self.reset(self.width, buffer.first_number)  # the buffer was cleared
        if buffer.first_number >= self.indexed_end:
            self.base, self.skip, self.starts = buffer.first_number, 0, []
        else:
            self.skip = buffer.first_number - self.base
            if self.skip > 4096 and self.skip * 2 > len(self.starts):
                del self.starts[: self.skip]
                self.base += self.skip
                self.skip = 0
        for number in range(self.indexed_end, buffer.complete_end):
            self.starts.append(self.end_row)
            self.end_row += self.rows_of(number)

    def row_of(self, number: int) -> int:
        """Row of line `number` counted from the top of the buffer."""
        index = number - self.base
        if index >= len(self.starts):
            return self.end_row - self.top_row
        return self.starts[max(self.skip, index)] - self.top_row

    def locate(self, row: int) -> tuple[int, int]:
        """(line number, row inside that line) of the `row`-th row from the top (past the end: the partial line)."""
        absolute = row + self.top_row
        if absolute >= self.end_row:
            return self.indexed_end, absolute - self.end_row
        index = bisect_right(self.starts, absolute, lo=self.skip) - 1
        return self.base + index, absolute - self.starts[index]


class LogView(ScrollView, can_focus=True):
    DEFAULT_CSS = "LogView { height: 1fr; }"

    BINDINGS = [
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
        Binding("left,h", "scroll_left", "Left", show=False),
        Binding("right,l", "scroll_right", "Right", show=False),
    ]

    def __init__(self, buffer: LogBuffer, *, labeler: Labeler | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer = buffer
        self.labeler = labeler
        self._follow = True
        self.colours = True
        self.timestamps = False
        self.wrap = False
        self.search = ""
        self.current_match: int | None = None  # absolute line number
        self._width = 0
        self._cache: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(2048)
        self._index = WrapIndex(self._rows_of)
        self._frame_style: Style | None = None
        self._label_segments: dict[int, list[Segment]] = {}
        self._label_widths: dict[int, int] = {}

    # ------------------------------------------------------------------------------ data
    def data_added(self) -> None:
        """New lines arrived (and old ones may have been dropped)."""
        buffer = self.buffer
        if self.wrap:
            self._index.sync(buffer)
        else:
            for number in range(max(buffer.first_number, buffer.end_number - 200), buffer.end_number):
                width = self._display_width(number)
                if width > self._width:
                    self._width = width
        self._update_virtual_size()
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def _update_virtual_size(self) -> None:
        if self.wrap:
            index = self._index
            partial = self.buffer.end_number > self.buffer.complete_end
            rows = index.end_row - index.top_row + (self._rows_of(self.buffer.complete_end) if partial else 0)
            self._grow_to(Size(self._content_width(), rows))
        else:
            self._grow_to(Size(self._width, len(self.buffer)))

    def _grow_to(self, size: Size) -> None:
        """Set the virtual size.  Textual's `virtual_size` is a layout reactive: every change lays out
        and repaints the whole screen, which a busy log (new lines each repaint) paid 20-60 ms for
        every time.  While the scroll bars stay as they are, only the scroll bars hear of it."""
        old = self.virtual_size
        if size == old:
            return
        width, height = self.container_size
        same_bars = (old.height > height) == (size.height > height) and (old.width > width) == (size.width > width)
        if not same_bars or not self.is_mounted:
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    def reset(self) -> None:
        self._cache.clear()
        self._label_segments.clear()
        self._label_widths.clear()
        self._width = 0
        self.current_match = None
        self._index.reset(self._content_width(), self.buffer.first_number)
        self.virtual_size = Size(0, 0)
        self.refresh()

    def _relayout(self) -> None:
        """Timestamps, labels or wrapping changed what a line looks like: measure again."""
        anchor = self.top_line()
        self._cache.clear()
        self._width = 0
        self._index.reset(self._content_width(), self.buffer.first_number)
        self.data_added_all()
        if not self.follow:
            self.scroll_to(y=self._row_of(anchor), animate=False, immediate=True)

    def data_added_all(self) -> None:
        buffer = self.buffer
        if not self.wrap:
            numbers = range(buffer.first_number, buffer.end_number)
            self._width = max((self._display_width(n) for n in numbers), default=0)
        self.data_added()

    def set_search(self, needle: str) -> None:
        self.search = needle
        self._cache.clear()
        self.refresh()

    def set_colours(self, colours: bool) -> None:
        self.colours = colours
        self._relayout()

    def set_timestamps(self, timestamps: bool) -> None:
        self.timestamps = timestamps
        self._relayout()

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        if wrap:
            self.scroll_to(x=0, animate=False, immediate=True)
        self._relayout()

    def jump_to(self, number: int) -> None:
        self.current_match = number
        self.follow = False
        self.scroll_to(y=max(0, self._row_of(number) - self.size.height // 2), animate=False, immediate=True)
        self._cache.clear()
        self.refresh()

    def top_line(self) -> int:
        if self.wrap:
            return self._index.locate(int(self.scroll_y))[0]
        return self.buffer.first_number + int(self.scroll_y)

    def _row_of(self, number: int) -> int:
        return self._index.row_of(number) if self.wrap else number - self.buffer.first_number

    # ------------------------------------------------------------------------------ line text
    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _prefix(self, number: int) -> Text:
        at, source, _ = self.buffer.meta(number)
        prefix = Text(no_wrap=True)
        if self.timestamps:
            stamp = datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:12] if at else " " * 12
            prefix.append(stamp + " ", TIME_STYLE)
        if self.labeler is not None:
            prefix.append_text(self.labeler(source))
            prefix.append(" ")
        return prefix

    def line_text(self, number: int) -> Text | None:
        """Line `number` as shown (prefixes included, no search highlight), or None past the end."""
        raw = self.buffer.line(number)
        if raw is None:
            return None
        _, _, marker = self.buffer.meta(number)
        text = self._prefix(number)
        if marker:
            text.append(log_line_text(raw, colours=False).plain, MARKER_STYLE)
        else:
            text.append_text(log_line_text(raw, colours=self.colours))
        return text

    def plain_line(self, number: int) -> str:
        """Line `number` as plain, safe text (what save and copy write)."""
        text = self.line_text(number)
        return text.plain if text is not None else ""

    def _display_width(self, number: int) -> int:
        raw = self.buffer.line(number)
        if raw is None:
            return 0
        prefix = TIMESTAMP_WIDTH if self.timestamps else 0
        if self.labeler is not None:
            source = self.buffer.meta(number)[1]
            width = self._label_widths.get(source)
            if width is None:
                width = self._label_widths[source] = self.labeler(source).cell_len + 1
            prefix += width
        if raw.isascii() and "\x1b" not in raw:
            return prefix + len(raw)
        text = self.line_text(number)
        return text.cell_len if text is not None else 0

    def _rows_of(self, number: int) -> int:
        raw = self.buffer.line(number)
        if raw is None:
            return 1
        width = self._content_width()
        if raw.isascii() and "\x1b" not in raw and self.labeler is None:
            cells = (TIMESTAMP_WIDTH if self.timestamps else 0) + len(raw)
            return max(1, -(-cells // width))
        text = self.line_text(number)
        return len(fold_offsets(text.plain, width)) + 1 if text is not None else 1

    # ------------------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = int(self.scroll_y) + y
        if self.wrap:
            number, sub_row = self._index.locate(row)
        else:
            number, sub_row = self.buffer.first_number + row, 0
        raw = self.buffer.line(number)
        if raw is None:
            return Strip.blank(width, self.rich_style)
        is_current = number == self.current_match
        key = (number, raw, self.search, self.colours, self.timestamps, is_current, self.wrap and width)
        strips = self._cache.get(key)
        if strips is None:
            strips = self._cache[key] = self._render_strips(number, is_current)
        # Offsets let a mouse drag select text (Textual reads them from the segments' meta).
        if self.wrap:
            if sub_row >= len(strips):
                return Strip.blank(width, self.rich_style)
            return paint_selection(self, strips[sub_row], row).apply_offsets(0, row)
        scroll_x = int(self.scroll_x)
        return paint_selection(self, strips[0], row).crop(scroll_x, scroll_x + width).apply_offsets(scroll_x, row)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style is looked up once per paint, not once per line (it walks the DOM).
        self._frame_style = self.rich_style
        return super().render_lines(crop)

    def _fast_segments(self, number: int, raw: str) -> list[Segment] | None:
        """Segments of a plain ASCII line without escapes (most log lines), without building Text."""
        at, source, marker = self.buffer.meta(number)
        if marker or not raw.isascii() or "\x1b" in raw:
            return None
        segments: list[Segment] = []
        if self.timestamps:
            stamp = datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:12] if at else " " * 12
            segments.append(Segment(stamp + " ", TIME_STYLE))
        if self.labeler is not None:
            label = self._label_segments.get(source)
            if label is None:
                label = self._label_segments[source] = [
                    *self.labeler(source).render(self.app.console, end=""),
                    Segment(" "),
                ]
            segments.extend(label)
        segments.append(Segment(sanitize_line(raw)))
        return segments

    def _render_strips(self, number: int, is_current: bool) -> list[Strip]:
        style = self._frame_style or self.rich_style
        raw = self.buffer.line(number) or ""
        if not self.wrap and not (self.search and self.search.lower() in raw.lower()):
            segments = self._fast_segments(number, raw)
            if segments is not None:
                return [Strip(segments).apply_style(style)]
        text = self.line_text(number) or Text()
        if self.search:
            text.highlight_words([self.search], CURRENT_STYLE if is_current else MATCH_STYLE, case_sensitive=False)
        pieces = text.divide(fold_offsets(text.plain, self._content_width())) if self.wrap else [text]
        console = self.app.console
        return [Strip(list(piece.render(console, end="")), piece.cell_len).apply_style(style) for piece in pieces]

    # ------------------------------------------------------------------------------ text selection
    def _row_plain(self, row: int) -> str:
        """The plain text of virtual row `row` (a whole line, or one folded piece of it when wrapping)."""
        if not self.wrap:
            return self.plain_line(self.buffer.first_number + row)
        number, sub_row = self._index.locate(row)
        plain = self.plain_line(number)
        cuts = [0, *fold_offsets(plain, self._content_width()), len(plain)]
        return plain[cuts[sub_row] : cuts[sub_row + 1]] if sub_row + 1 < len(cuts) else ""

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text as shown (sanitised, no colour codes), for the screen's copy (ctrl+c)."""
        rows = self.virtual_size.height
        first = 0 if selection.start is None else selection.start.y
        last = rows - 1 if selection.end is None else min(selection.end.y, rows - 1)
        lines = ["" if row < first else self._row_plain(row) for row in range(last + 1)]
        return selection.extract("\n".join(lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # ------------------------------------------------------------------------------ scrolling
    def on_resize(self, event: Resize) -> None:
        if self.wrap and self._index.width != self._content_width():
            self._relayout()

    class FollowChanged(Message):
        """Following the tail started or stopped (the screen's header says which)."""

    @property
    def follow(self) -> bool:
        return self._follow

    @follow.setter
    def follow(self, value: bool) -> None:
        if value != self._follow:
            self._follow = value
            self.post_message(self.FollowChanged())

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Scrolling up leaves the tail; coming back to the bottom follows again.
        self.follow = new >= self.max_scroll_y

    def action_scroll_end(self) -> None:
        """`G` / `end`: jump to the last line and follow from there (no animation: every frame of one
        would pass through "not at the bottom" and stop following)."""
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.follow = True
