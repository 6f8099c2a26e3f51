"""AllocTable: the allocation list as a Line-API ScrollView that renders only the rows on screen.

DataTable needs ~51 s to first paint 100k rows here (it measures every cell); this widget draws the
~50 visible rows from the AllocView, caches each row's Strip under (allocation, row version, cursor,
mark, layout, age texts), and on an update only repaints lines.  The cursor is an allocation ID, not
a row number: when rows above it appear or vanish the cursor stays on its allocation, and on its line
of the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from nomad_tui.state.alloc_columns import ALLOC_COLUMNS, STATUS_STYLES, Column, RowContext
from nomad_tui.state.rows import AllocRow
from nomad_tui.state.usage import AllocUsage, UsageBook
from nomad_tui.state.view import AllocView, SortSpec
from nomad_tui.timefmt import age_ns
from nomad_tui.ui.widgets.cursor_table import CursorTable

COLUMNS = ALLOC_COLUMNS  # declared in state/alloc_columns.py
SECONDARY = 5  # columns of this priority and above go before a name is cut
FLEX_CAP = 40  # a flex column never asks for more than this, however long one name is
SAMPLE_ROWS = 200  # rows (from the top of the view, plus those on screen) that size the columns
# Columns grow at once when a row needs it (data_changed); narrowing waits for a sizing at most this
# many ticks late, since it looks at hundreds of rows and a column a cell too wide for a few seconds
# costs the reader nothing.
MEASURE_EVERY = 5


@dataclass(frozen=True, slots=True)
class ContentStats:
    """What the rows in view hold, for sizing: the widest value per column (in cells), the columns
    whose values all say the same thing (Desired all `run`, Restarts all 0, Group = Job everywhere),
    and how many namespaces are in view."""

    widths: tuple[tuple[str, int], ...] = ()
    uniform: frozenset[str] = frozenset()
    namespaces: int = 1


def layout_columns(width: int, stats: ContentStats | None = None, sort_key: str = "") -> list[tuple[Column, int]]:
    """Pick the columns that fit `width` and size them from their content.

    Columns that say nothing in this view are dropped first, before any name is cut; then the least
    important columns go (by priority).  The sorted column always has room for its arrow.  Spare
    width goes to the columns whose content is cut, up to their widest value (so a short job name
    does not get 50 columns at 180 wide).
    """
    stats = stats or ContentStats()
    content = dict(stats.widths)
    chosen = [c for c in COLUMNS if c.key != "namespace" or stats.namespaces > 1]

    def minimum(c: Column) -> int:
        return max(c.width, cell_len(c.title) + 1) if c.key == sort_key else c.width

    def wanted(c: Column) -> int:
        return max(minimum(c), cell_len(c.title), min(content.get(c.key, 0), FLEX_CAP if c.flex else 1_000))

    def total(measure: Callable[[Column], int]) -> int:
        return sum(measure(c) + 1 for c in chosen) - 1

    while total(wanted) > width:
        # First what says nothing here, then the secondary columns (Namespace, Group, Desired,
        # Restarts, Modified): better gone than Job and Node cut to `client…`.
        idle = [c for c in chosen if c.key in stats.uniform and c.priority > 0 and c.key != sort_key]
        idle = idle or [c for c in chosen if c.priority >= SECONDARY and c.key != sort_key]
        if not idle:
            break
        chosen.remove(max(idle, key=lambda c: c.priority))
    while len(chosen) > 3 and total(minimum) > width:
        # The sorted column stays: the list's order must be explained on screen.
        drop = max((c for c in chosen if c.priority > 0 and c.key != sort_key), key=lambda c: c.priority, default=None)
        if drop is None:
            break
        chosen.remove(drop)
    sizes = {c.key: minimum(c) for c in chosen}
    spare = width - total(minimum)
    # Grow toward what the content wants, a cell at a time round the cut columns (most important
    # first), so one long job name does not leave every node name cut.
    short = sorted((c for c in chosen if wanted(c) > sizes[c.key]), key=lambda c: c.priority)
    while spare > 0 and short:
        for column in list(short):
            if spare == 0:
                break
            sizes[column.key] += 1
            spare -= 1
            if sizes[column.key] >= wanted(column):
                short.remove(column)
    return [(c, sizes[c.key]) for c in chosen]


def _percent(coverage: tuple[int, int] | None) -> int | None:
    return None if coverage is None else coverage[0] * 100 // max(1, coverage[1])


TIME_COLUMNS = {"age": 0, "modified": 1}  # columns whose text is the row's times (index into `times`)
# (segments, (segment index, which time, width, right-aligned) per time cell, cells used)
RowFrame = tuple[list[Segment], tuple[tuple[int, int, int, bool], ...], int]
MEASURED = tuple(c for c in COLUMNS if c.measured)
WATCHED = tuple(c for c in COLUMNS if c.idle_when_uniform)
_NO_CONTEXT = RowContext()


# (row version, width of each measured cell, text of each cell that may say the same on every row,
# namespace, whether the group is named as the job)
RowFacts = tuple[int, tuple[int, ...], tuple[str, ...], str, bool]


def _row_facts(row: AllocRow) -> RowFacts:
    """What sizing needs from one row."""
    return (
        row.version,
        tuple(cell_len(c.cell(row, _NO_CONTEXT)[0]) for c in MEASURED),
        tuple(c.cell(row, _NO_CONTEXT)[0] for c in WATCHED),
        row.namespace,
        row.group == row.job,
    )


def _merged(segments: list[Segment], slots: list[tuple[int, int, int, bool]], used: int) -> RowFrame:
    """Neighbouring segments of one style joined (most cells and the spaces between them share the
    row's style): every segment costs Textual work on every paint of the line.  The time cells stay
    segments of their own, so a tick can swap their text."""
    timed = {slot[0] for slot in slots}
    joined: list[Segment] = []
    moved: dict[int, int] = {}
    for index, segment in enumerate(segments):
        last = joined[-1] if joined else None
        if last is not None and index not in timed and index - 1 not in timed and last.style == segment.style:
            joined[-1] = Segment(last.text + segment.text, last.style)
            continue
        moved[index] = len(joined)
        joined.append(segment)
    return joined, tuple((moved[i], which, width, right) for i, which, width, right in slots), used


def _with_times(frame: RowFrame, times: tuple[str, str], width: int) -> Strip:
    """A row's strip: its frame with the time cells filled in."""
    segments, slots, used = frame
    if slots:
        segments = segments.copy()
        for index, which, col_width, right in slots:
            segments[index] = Segment(fit(times[which], col_width, right=right), segments[index].style)
    strip = Strip(segments, used)
    return strip.crop(0, width) if used > width else strip


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    """Sorted line numbers as (first, count) runs of consecutive lines."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and runs[-1][0] + runs[-1][1] == line:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((line, 1))
    return runs


def _thumb(size: int, virtual_size: float, window_size: float, position: float) -> tuple[int, int]:
    """Where a vertical scrollbar of `size` cells draws its thumb, in eighths of a cell (the
    arithmetic of Textual's ScrollBarRender.render_bar): equal answers paint the same bar."""
    virtual, window = ceil(virtual_size), ceil(window_size if window_size < virtual_size else 0)
    if not (window and size and virtual) or size == virtual:
        return (-1, -1)
    eighths = len(ScrollBarRender.VERTICAL_BARS)
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (position / (virtual - window)) * eighths)
    return start, start + ceil(thumb * eighths)


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` in exactly `width` terminal cells (wide CJK and emoji count two), cut with "…"."""
    if width <= 0:
        return ""
    size = cell_len(text)
    if size > width:
        return set_cell_size(text, width - 1) + "…"
    pad = " " * (width - size)
    return pad + text if right else text + pad


class AllocTable(CursorTable):
    """The allocation list.  Owns no data: it draws `view` and keeps a cursor on an allocation ID."""

    COMPONENT_CLASSES = {
        "alloc-table--header",
        "alloc-table--cursor",
        "alloc-table--cursor-blurred",
        "alloc-table--mark",
        "alloc-table--dim",
        *(f"alloc-table--status-{name}" for name in STATUS_STYLES),
    }

    DEFAULT_CSS = """
    AllocTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    class Highlighted(Message):
        """The cursor moved to another allocation (None: the list is empty).

        `vanished` is the allocation the cursor was on when it left the cluster (garbage-collected):
        the cursor had to move, but the user did not move it.
        """

        def __init__(self, table: AllocTable, alloc_id: str | None, vanished: str | None = None) -> None:
            super().__init__()
            self.table = table
            self.alloc_id = alloc_id
            self.vanished = vanished

        @property
        def control(self) -> AllocTable:
            return self.table

    def __init__(
        self,
        view: AllocView,
        *,
        clock_ns: Callable[[], int] = time.time_ns,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.view = view
        self.clock_ns = clock_ns
        self.cursor_id: str | None = None
        self.cursor_position = 0
        self.marks: set[str] = set()
        self.empty_message = "No allocations"
        self.task_coverage: tuple[int, int] | None = None  # (known, total) while task states are partial
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        # A row's segments with its Age and Modified cells left blank: the times tick every second
        # on young rows, the rest of the row does not.
        self._frames: LRUCache[tuple[object, ...], RowFrame] = LRUCache(1024)
        self._layout_key: tuple[object, ...] = ()
        self._layout: list[tuple[Column, int]] = []
        self._stats = ContentStats()
        self._shown: tuple[object, ...] = ()  # what data_changed last saw on screen (see _on_screen)
        self._row_facts: dict[str, RowFacts] = {}  # by allocation, for _measure
        self._measure_due = False  # rows changed since the columns were last sized
        self._uniform_values: dict[str, str] = {}  # what every sized row says, where they all say the same
        self._painted_times: dict[int, tuple[str, str]] = {}
        self._ticks = 0  # tick() calls, for MEASURE_EVERY
        self._scrolling_with_rows = False  # data_changed keeps the cursor's line: see watch_scroll_y
        self.usage: UsageBook | None = None  # set by the screen when it samples resource usage

    # ------------------------------------------------------------------------------ data in
    def on_mount(self) -> None:
        self._update_virtual_size()

    def data_changed(self, *, remeasure: bool = False, touched: Sequence[str] = ()) -> None:
        """The view changed (rows added, removed, changed or re-ordered): keep the cursor, and repaint
        if what the screen shows changed.  On a busy cluster most changes land off screen (a new
        allocation above the cursor's line scrolls the view by one, showing the same rows): those
        cost no repaint."""
        screen_line = self.cursor_position - int(self.scroll_y)
        self._update_virtual_size()
        self._place_cursor(keep_screen_line=screen_line)
        # Sizing looks at hundreds of rows: on a busy cluster it is done at the next tick, unless a
        # row on screen needs more room now (or a new order or filter changed every row).
        self._measure_due = True
        if remeasure or self._outgrow_columns([*self._screen_rows(), *self._sampled(touched)]):
            stats = self._measure()
        else:
            stats = self._stats
        shown = self._on_screen()
        if stats == self._stats and shown == self._shown:
            return
        self._stats, self._shown = stats, shown
        self.refresh()

    def _on_screen(self) -> tuple[object, ...]:
        """What the rows on screen are drawn from: IDs, row versions, the cursor, the empty message."""
        rows = tuple((r.id, r.version) for r in self._screen_rows())
        return (rows, self.cursor_id, len(self.view) == 0 and self.empty_message)

    def rows_changed(self, alloc_ids: list[str]) -> None:
        """These allocations changed but kept their places: repaint only their lines on screen."""
        self._measure_due = True
        if self._outgrow_columns(self._sampled(alloc_ids)):
            self._stats = self._measure()
            self.refresh()
            return
        changed = set(alloc_ids)
        self.repaint_screen_lines([line for line, row in enumerate(self._screen_rows(), 1) if row.id in changed])

    def _sampled(self, alloc_ids: Sequence[str]) -> list[AllocRow]:
        """Those of these allocations' rows that size the columns (see _measure)."""
        view = self.view
        top, bottom = int(self.scroll_y), int(self.scroll_y) + self._rows_visible()
        rows = []
        for alloc_id in alloc_ids:
            position = view.position_of(alloc_id)
            if position is not None and (position < SAMPLE_ROWS or top <= position < bottom):
                rows.append(view.row_at(position))
        return rows

    def _screen_rows(self) -> list[AllocRow]:
        """The rows on screen, top first (screen line 1 onwards)."""
        view = self.view
        top = int(self.scroll_y)
        return [view.row_at(p) for p in range(top, min(len(view), top + self._rows_visible()))]

    def _outgrow_columns(self, rows: list[AllocRow]) -> bool:
        """Whether one of `rows` is wider than its column was sized for, says something else in a
        column left out because every row said the same, or is in a namespace not counted."""
        stats = self._stats
        if not stats.widths:
            return True
        if not rows:
            return False
        sized = dict(stats.widths)
        for row in rows:
            _, widths, texts, namespace, group_is_job = self._facts(row)
            if any(w > sized.get(c.key, 0) for c, w in zip(MEASURED, widths, strict=True)):
                return True
            if stats.namespaces == 1 and namespace != self._uniform_values.get("namespace"):
                return True
            if "group" in stats.uniform and not group_is_job:
                return True
            for c, text in zip(WATCHED, texts, strict=True):
                if c.key in stats.uniform and text != self._uniform_values.get(c.key):
                    return True
        return False

    def _facts(self, row: AllocRow) -> RowFacts:
        known = self._row_facts.get(row.id)
        if known is None or known[0] != row.version:
            known = self._row_facts[row.id] = _row_facts(row)
        return known

    def _measure(self) -> ContentStats:
        """Size the columns from the rows at the top of the view and those on screen (a sample: at
        100k rows measuring all would cost more than the update itself).  What each row needs is
        kept by row version, so an update measures only the rows it changed."""
        view = self.view
        count = len(view)
        if not count:
            return ContentStats()
        top = int(self.scroll_y)
        positions = set(range(min(count, SAMPLE_ROWS)))
        positions.update(range(top, min(count, top + self._rows_visible())))
        cache = self._row_facts
        if len(cache) > 4 * SAMPLE_ROWS:
            cache.clear()  # rows long gone from the sample
        self._measure_due = False
        facts = [self._facts(view.row_at(position)) for position in positions]
        _, widths, texts, namespaces, group_is_job = zip(*facts, strict=True)
        self._uniform_values = {
            c.key: next(iter(values))
            for c, values in zip(WATCHED, map(set, zip(*texts, strict=True)), strict=True)
            if len(values) == 1
        }
        if len(set(namespaces)) == 1:
            self._uniform_values["namespace"] = namespaces[0]
        uniform = {c.key for c in WATCHED if c.key in self._uniform_values}
        if all(group_is_job):  # the group's name says nothing new either
            uniform.add("group")
        measured = tuple(sorted(zip((c.key for c in MEASURED), map(max, zip(*widths, strict=True)), strict=True)))
        return ContentStats(measured, frozenset(uniform), len(set(namespaces)))

    def sort_changed(self) -> None:
        self._cache.clear()
        self._frames.clear()
        self.data_changed(remeasure=True)

    def _update_virtual_size(self) -> None:
        size = Size(self.size.width, len(self.view) + 1)
        old = self.virtual_size
        if size == old:
            return
        height = self.size.height
        if self.show_vertical_scrollbar and old.width == size.width and min(old.height, size.height) > height:
            # Only the scrollbar's thumb moves: setting the reactive would lay out the whole screen
            # (tens of ms) for every allocation added or removed on a busy cluster.
            self.set_reactive(ScrollView.virtual_size, size)
            self._move_thumb(virtual_height=size.height)
            if self.scroll_y > self.max_scroll_y:
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
            return
        self.virtual_size = size

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """ScrollView repaints the whole table on every scroll.  When data_changed scrolls by the rows
        that appeared above the cursor's line (a new allocation on a busy cluster), the screen shows
        the same rows as before: data_changed compares them and repaints only what differs."""
        if not self._scrolling_with_rows:
            super().watch_scroll_y(old_value, new_value)  # repaints everything
            self._shown = self._on_screen()
            return
        if self.show_vertical_scrollbar:
            self._move_thumb(position=new_value)

    def _move_thumb(self, *, virtual_height: int | None = None, position: float | None = None) -> None:
        """Tell the scrollbar the list's new length or position, and repaint it only if its thumb
        moves: one allocation more or less in 10,000 seldom moves it by an eighth of a cell, while
        each repaint of the bar costs as much as several table lines."""
        bar = self.vertical_scrollbar
        before = _thumb(bar.size.height, bar.window_virtual_size, bar.window_size, bar.position)
        if virtual_height is not None:
            bar.set_reactive(ScrollBar.window_virtual_size, virtual_height)
        if position is not None:
            bar.set_reactive(ScrollBar.position, position)
        if _thumb(bar.size.height, bar.window_virtual_size, bar.window_size, bar.position) != before:
            bar.refresh()

    def _place_cursor(self, *, keep_screen_line: int | None = None) -> None:
        view = self.view
        previous = self.cursor_id
        if not len(view):
            self.cursor_id, self.cursor_position = None, 0
        else:
            position = view.position_of(self.cursor_id) if self.cursor_id is not None else None
            if position is None:
                # Our allocation vanished (GC'd or filtered out): stay at the same place in the list.
                position = min(self.cursor_position, len(view) - 1)
                self.cursor_id = view.id_at(position)
            self.cursor_position = position
            if keep_screen_line is not None and 0 <= keep_screen_line < self._rows_visible():
                self._scrolling_with_rows = True
                try:
                    self.scroll_to(y=max(0, position - keep_screen_line), animate=False, immediate=True)
                finally:
                    self._scrolling_with_rows = False
            self._scroll_cursor_into_view()
        if self.cursor_id != previous:
            vanished = previous if previous is not None and previous not in view.store else None
            self.post_message(self.Highlighted(self, self.cursor_id, vanished))

    def select_id(self, alloc_id: str) -> bool:
        """Move the cursor to `alloc_id`; False if it is not in the (filtered) view."""
        position = self.view.position_of(alloc_id)
        if position is None:
            return False
        self._move_to(position)
        return True

    @property
    def cursor_row(self) -> AllocRow | None:
        if self.cursor_id is None or self.cursor_id not in self.view:
            return None
        return self.view.store.row(self.cursor_id)

    # ------------------------------------------------------------------------------ marks
    def toggle_mark(self) -> None:
        if self.cursor_id is None:
            return
        self.marks.symmetric_difference_update({self.cursor_id})
        self.refresh()

    def prune_marks(self) -> None:
        """Marks survive updates and filtering, but not the allocation's garbage collection."""
        self.marks.intersection_update(self.view.store.stubs)

    # ------------------------------------------------------------------------------ movement
    def _rows(self) -> AllocView:
        return self.view

    def _cursor_moved(self) -> None:
        self._shown = self._on_screen()  # repainted by the move: the next data change compares with this
        self.post_message(self.Highlighted(self, self.cursor_id))

    class HeaderClicked(Message):
        """A column title was clicked: sort by that column (as the Nomad UI's headers do)."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        x = getattr(event, "x", None)
        if y == 0 and isinstance(x, int):
            start = 0
            for column, width in self._columns():
                if start <= x < start + width + 1 and column.key != "mark":
                    self.post_message(self.HeaderClicked(column.key))
                    return
                start += width + 1
        else:
            super().on_click(event)

    # ------------------------------------------------------------------------------ rendering
    def on_resize(self) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def _columns(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        key = (width, self._stats, self.view.sort.column)
        if key != self._layout_key:
            self._layout_key = key
            self._layout = layout_columns(width, self._stats, self.view.sort.column)
            self._cache.clear()
            self._frames.clear()
        return self._layout

    def _times(self, row: AllocRow, now_ns: int) -> tuple[str, str]:
        return age_ns(now_ns, row.create_time), age_ns(now_ns, row.modify_time)

    def tick(self) -> None:
        """Once a second (the screen's clock): size the columns again if rows changed since, and
        repaint only the lines whose Age/Modified text changed."""
        if not self.is_mounted or not len(self.view):
            return
        self._ticks += 1
        if self._measure_due and self._ticks % MEASURE_EVERY == 0:
            stats = self._measure()
            if stats != self._stats:
                self._stats = stats
                self.refresh()
                return
        now = self.clock_ns()
        painted = self._painted_times
        self.repaint_screen_lines(
            [line for line, row in enumerate(self._screen_rows(), 1) if painted.get(line) != self._times(row, now)]
        )

    def _header(self) -> Strip:
        style = self.get_component_rich_style("alloc-table--header")
        sort: SortSpec = self.view.sort
        parts = []
        coverage = self.task_coverage
        for column, width in self._columns():
            title = column.title
            if column.key == "tasks" and coverage is not None:
                # Honest while task states are partial: the share of allocations they are known for.
                title = f"Tasks {_percent(coverage)}%"
            if column.key == sort.column:
                # The arrow always shows: the title gives way to it, never the other way round.
                arrow = "▼" if sort.descending else "▲"
                title = fit(title, width - 1).rstrip() + arrow
            parts.append(fit(title, width, right=column.right))
        return Strip([Segment(" ".join(parts).ljust(self.size.width), style)], self.size.width)

    def set_task_coverage(self, coverage: tuple[int, int] | None) -> None:
        """(known, total) while only some allocations' task states are known; None when all are."""
        if coverage != self.task_coverage:
            shown = _percent(self.task_coverage)
            self.task_coverage = coverage
            if _percent(coverage) != shown:
                self.repaint_screen_line(0)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header()
        position = int(self.scroll_y) + y - 1
        view = self.view
        if position >= len(view):
            if position == 0 and not len(view):
                dim = self.get_component_rich_style("alloc-table--dim")
                return Strip([Segment(fit(f" {self.empty_message}", width), dim)], width)
            return Strip.blank(width, self.rich_style)
        row = view.row_at(position)
        times = self._times(row, self.clock_ns())
        self._painted_times[y] = times
        is_cursor = row.id == self.cursor_id
        marked = row.id in self.marks
        usage = self.usage.latest.get(row.id) if self.usage is not None else None
        usage_version = usage.version if usage is not None else 0
        # The row's frame is drawn from all of this but the times; its strip from the times as well.
        frame_key = (row.id, row.version, is_cursor, is_cursor and self.has_focus, marked, width, usage_version)
        key = (*frame_key, times)
        strip = self._cache.get(key)
        if strip is None:
            frame = self._frames.get(frame_key)
            if frame is None:
                frame = self._frames[frame_key] = self._row_frame(row, is_cursor, marked, width, usage)
            strip = self._cache[key] = _with_times(frame, times, width)
        return strip

    def _row_frame(
        self, row: AllocRow, is_cursor: bool, marked: bool, width: int, usage: AllocUsage | None
    ) -> RowFrame:
        base = self.rich_style
        dim = self.get_component_rich_style("alloc-table--dim")
        context = RowContext(marked, "", "", usage)
        segments: list[Segment] = []
        slots: list[tuple[int, int, int, bool]] = []
        for i, (column, col_width) in enumerate(self._columns()):
            text, style = column.cell(row, context)
            if i:
                segments.append(Segment(" ", base))
            cell_style = base + self.get_component_rich_style(f"alloc-table--{style}") if style is not None else base
            if row.is_terminal and column.dim_terminal:
                cell_style = cell_style + dim
            which = TIME_COLUMNS.get(column.key)
            if which is not None:
                slots.append((len(segments), which, col_width, column.right))
            segments.append(Segment(fit(text, col_width, right=column.right), cell_style))
        used = sum(cell_len(s.text) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
            used = width
        if is_cursor:
            cursor_style = self.get_component_rich_style(
                "alloc-table--cursor" if self.has_focus else "alloc-table--cursor-blurred"
            )
            segments = [Segment(s.text, (s.style or base) + cursor_style) for s in segments]
        return _merged(segments, slots, used)

    def repaint_screen_line(self, line: int) -> None:
        """Repaint one line of the widget as it stands on screen (0 is the header).  Not ScrollView's
        refresh_line, which takes a line of the scrolled content and is off screen once scrolled."""
        self.repaint_screen_lines([line])

    def repaint_screen_lines(self, lines: list[int]) -> None:
        """Repaint these screen lines (in order), consecutive ones as one region: a refresh costs
        Textual the same for one line as for twenty."""
        if lines:
            width = self.size.width
            self.refresh(*(Region(0, first, width, count) for first, count in _runs(lines)))

    def refresh_row(self, alloc_id: str) -> None:
        """Repaint the one line that shows `alloc_id`, if it is on screen."""
        position = self.view.position_of(alloc_id)
        if position is None:
            return
        line = position - int(self.scroll_y) + 1
        if 1 <= line < self.size.height:
            self.repaint_screen_line(line)
