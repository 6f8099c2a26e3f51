"""AllocTable: the allocation list as a Line-API ScrollView that renders only the rows on screen.

DataTable needs ~51 s to first paint 100k rows here (it measures every cell); this widget draws the
~50 visible rows from the AllocView, caches each row's Strip under (allocation, row version, cursor,
mark, layout, age texts), and on an update only repaints lines.  The cursor is an allocation ID, not
a row number: when rows above it appear or vanish the cursor stays on its allocation, and on its line
of the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nomad_tui.state.alloc_columns import ALLOC_COLUMNS, STATUS_STYLES, Column, RowContext
from nomad_tui.state.rows import AllocRow
from nomad_tui.state.usage import UsageBook
from nomad_tui.state.view import AllocView, SortSpec
from nomad_tui.timefmt import age_ns
from nomad_tui.ui.widgets.cursor_table import CursorTable

COLUMNS = ALLOC_COLUMNS  # declared in state/alloc_columns.py
SECONDARY = 5  # columns of this priority and above go before a name is cut
FLEX_CAP = 40  # a flex column never asks for more than this, however long one name is
SAMPLE_ROWS = 500  # rows (from the top of the view, plus those on screen) that size the columns


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
        self._layout_key: tuple[object, ...] = ()
        self._layout: list[tuple[Column, int]] = []
        self._stats = ContentStats()
        self._shown: tuple[object, ...] = ()  # what data_changed last saw on screen (see _on_screen)
        self._painted_times: dict[int, tuple[str, str]] = {}
        self.usage: UsageBook | None = None  # set by the screen when it samples resource usage

    # ------------------------------------------------------------------------------ data in
    def on_mount(self) -> None:
        self._update_virtual_size()
        self.set_interval(1.0, self._refresh_times)

    def data_changed(self) -> None:
        """The view changed (rows added, removed, changed or re-ordered): keep the cursor, and repaint
        if what the screen shows changed.  On a busy cluster most changes land off screen (a new
        allocation above the cursor's line scrolls the view by one, showing the same rows): those
        cost no repaint."""
        screen_line = self.cursor_position - int(self.scroll_y)
        self._update_virtual_size()
        self._place_cursor(keep_screen_line=screen_line)
        stats = self._measure()
        shown = self._on_screen()
        if stats == self._stats and shown == self._shown:
            return
        self._stats, self._shown = stats, shown
        self.refresh()

    def _on_screen(self) -> tuple[object, ...]:
        """What the rows on screen are drawn from: IDs, row versions, the cursor, the empty message."""
        view = self.view
        top = int(self.scroll_y)
        end = min(len(view), top + self._rows_visible())
        row = view.row_at
        rows = tuple((r.id, r.version) for r in map(row, range(top, end)))
        return (rows, self.cursor_id, len(view) == 0 and self.empty_message)

    def rows_changed(self, alloc_ids: list[str]) -> None:
        """These allocations changed but kept their places: repaint only their lines on screen."""
        changed = set(alloc_ids)
        view = self.view
        top = int(self.scroll_y)
        for line in range(1, self.size.height):
            position = top + line - 1
            if position >= len(view):
                break
            if view.id_at(position) in changed:
                self.repaint_screen_line(line)

    def _measure(self) -> ContentStats:
        """Size the columns from the rows at the top of the view and those on screen (a sample: at
        100k rows measuring all would cost more than the update itself)."""
        view = self.view
        count = len(view)
        if not count:
            return ContentStats()
        top = int(self.scroll_y)
        positions = set(range(min(count, SAMPLE_ROWS)))
        positions.update(range(top, min(count, top + self._rows_visible())))
        measured = [c for c in COLUMNS if c.measured]
        watched = [c for c in COLUMNS if c.idle_when_uniform]
        widths = dict.fromkeys((c.key for c in measured), 0)
        texts: dict[str, set[str]] = {c.key: set() for c in watched}
        namespaces: set[str] = set()
        group_is_job = True
        context = RowContext()
        for position in positions:
            row = view.row_at(position)
            for column in measured:
                size = cell_len(column.cell(row, context)[0])
                if size > widths[column.key]:
                    widths[column.key] = size
            for column in watched:
                texts[column.key].add(column.cell(row, context)[0])
            namespaces.add(row.namespace)
            group_is_job = group_is_job and row.group == row.job
        uniform = {key for key, values in texts.items() if len(values) == 1}
        if group_is_job:  # the group's name says nothing new either
            uniform.add("group")
        return ContentStats(tuple(sorted(widths.items())), frozenset(uniform), len(namespaces))

    def sort_changed(self) -> None:
        self._cache.clear()
        self.data_changed()

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
            self._scroll_update(size)
            return
        self.virtual_size = size

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
                self.scroll_to(y=max(0, position - keep_screen_line), animate=False, immediate=True)
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
        return self._layout

    def _times(self, row: AllocRow, now_ns: int) -> tuple[str, str]:
        return age_ns(now_ns, row.create_time), age_ns(now_ns, row.modify_time)

    def _refresh_times(self) -> None:
        """Once a second: repaint only the lines whose Age/Modified text actually changed."""
        if not self.is_mounted or not len(self.view):
            return
        now = self.clock_ns()
        top = int(self.scroll_y)
        for line in range(1, self.size.height):
            position = top + line - 1
            if position >= len(self.view):
                break
            times = self._times(self.view.row_at(position), now)
            if self._painted_times.get(line) != times:
                self.repaint_screen_line(line)

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
        key = (row.id, row.version, is_cursor, is_cursor and self.has_focus, marked, width, times, usage_version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._cache[key] = self._render_row(row, times, is_cursor, marked, width)
        return strip

    def _render_row(self, row: AllocRow, times: tuple[str, str], is_cursor: bool, marked: bool, width: int) -> Strip:
        base = self.rich_style
        dim = self.get_component_rich_style("alloc-table--dim")
        usage = self.usage.latest.get(row.id) if self.usage is not None else None
        context = RowContext(marked, times[0], times[1], usage)
        segments: list[Segment] = []
        for i, (column, col_width) in enumerate(self._columns()):
            text, style = column.cell(row, context)
            if i:
                segments.append(Segment(" ", base))
            cell_style = base + self.get_component_rich_style(f"alloc-table--{style}") if style is not None else base
            if row.is_terminal and column.dim_terminal:
                cell_style = cell_style + dim
            segments.append(Segment(fit(text, col_width, right=column.right), cell_style))
        used = sum(cell_len(s.text) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        if is_cursor:
            cursor_style = self.get_component_rich_style(
                "alloc-table--cursor" if self.has_focus else "alloc-table--cursor-blurred"
            )
            segments = [Segment(s.text, (s.style or base) + cursor_style) for s in segments]
        return Strip(segments, width).crop(0, width)

    def repaint_screen_line(self, line: int) -> None:
        """Repaint one line of the widget as it stands on screen (0 is the header).  Not ScrollView's
        refresh_line, which takes a line of the scrolled content and is off screen once scrolled."""
        self.refresh(Region(0, line, self.size.width, 1))

    def refresh_row(self, alloc_id: str) -> None:
        """Repaint the one line that shows `alloc_id`, if it is on screen."""
        position = self.view.position_of(alloc_id)
        if position is None:
            return
        line = position - int(self.scroll_y) + 1
        if 1 <= line < self.size.height:
            self.repaint_screen_line(line)
