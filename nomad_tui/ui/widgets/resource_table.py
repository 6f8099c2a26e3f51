"""ResourceTable: any `ResourceView` as a Line-API table that draws only the rows on screen, with a
cursor that stays on its item (by key) while the list changes underneath."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from nomad_tui.state.resources import ResourceColumn, ResourceView
from nomad_tui.ui.widgets.alloc_table import fit
from nomad_tui.ui.widgets.cursor_table import CursorTable

STATUS_CLASSES = {
    "running": "running",
    "ready": "running",
    "pending": "pending",
    "initializing": "pending",
    "dead": "complete",
    "down": "failed",
    "disconnected": "lost",
}


def layout(columns: Sequence[ResourceColumn[Any]], width: int) -> list[tuple[ResourceColumn[Any], int]]:
    """The columns that fit `width` (dropping the highest priority first), spare width to cut titles, then
    to flex ones."""
    chosen = list(columns)
    while len(chosen) > 2 and sum(c.width + 1 for c in chosen) > width:
        # Among equals the rightmost goes first: Running and Failed outlive Lost and Queued.
        drop = max((c for c in reversed(chosen) if c.priority > 0), key=lambda c: c.priority, default=None)
        if drop is None:
            break
        chosen.remove(drop)
    spare = max(0, width - sum(c.width + 1 for c in chosen))
    # Titles wider than their column ("Complete" over 7 cells) get their cells first, while there is room.
    widths = []
    for column in chosen:
        grow = min(spare, max(0, cell_len(column.title) - column.width))
        widths.append(column.width + grow)
        spare -= grow
    flex_total = sum(c.flex for c in chosen)
    out = []
    given = 0
    flexible = [c for c in chosen if c.flex]
    for column, base in zip(chosen, widths, strict=True):
        extra = 0
        if column.flex and flex_total:
            extra = spare - given if column is flexible[-1] else spare * column.flex // flex_total
            given += extra
        out.append((column, base + extra))
    return out


class ResourceTable(CursorTable):
    COMPONENT_CLASSES = {
        "alloc-table--header",
        "alloc-table--cursor",
        "alloc-table--cursor-blurred",
        "alloc-table--dim",
        *(f"alloc-table--status-{name}" for name in ("running", "pending", "failed", "complete", "lost")),
    }
    DEFAULT_CSS = """
    ResourceTable { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    class Highlighted(Message):
        def __init__(self, table: ResourceTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> ResourceTable:
            return self.table

    def __init__(self, view: ResourceView[Any], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self.empty_message = "Loading…"

    def on_mount(self) -> None:
        self._update_virtual_size()

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.view) + 1)

    def data_changed(self) -> None:
        previous = self.cursor_id
        view = self.view
        if not len(view):
            self.cursor_id, self.cursor_position = None, 0
        else:
            position = view.position_of(self.cursor_id) if self.cursor_id is not None else None
            if position is None:
                position = min(self.cursor_position, len(view) - 1)
            self.cursor_position = position
            self.cursor_id = view.id_at(position)
        self._update_virtual_size()
        self._scroll_cursor_into_view()
        self.refresh()
        if self.cursor_id != previous:
            self.post_message(self.Highlighted(self, self.cursor_id))

    def select_id(self, key: str) -> bool:
        position = self.view.position_of(key)
        if position is None:
            return False
        self._move_to(position)
        return True

    def _rows(self) -> ResourceView[Any]:
        return self.view

    def _cursor_moved(self) -> None:
        self.post_message(self.Highlighted(self, self.cursor_id))

    def on_resize(self) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = layout(self.view.store.kind.columns, self.scrollable_content_region.width)
        if y == 0:
            style = self.get_component_rich_style("alloc-table--header")
            parts = []
            for column, col_width in columns:
                title = column.title
                if column.key == self.view.sort_column:
                    title += "▼" if self.view.descending else "▲"
                parts.append(fit(title, col_width, right=column.right))
            return Strip([Segment(" ".join(parts).ljust(width), style)], width)
        position = int(self.scroll_y) + y - 1
        if position >= len(self.view):
            if position == 0:
                dim = self.get_component_rich_style("alloc-table--dim")
                return Strip([Segment(fit(f" {self.empty_message}", width), dim)], width)
            return Strip.blank(width, self.rich_style)
        row = self.view.row_at(position)
        base = self.rich_style
        segments: list[Segment] = []
        for i, (column, col_width) in enumerate(columns):
            if i:
                segments.append(Segment(" ", base))
            text = row.cells[column.key]
            style = base
            if column.key == "status" and text in STATUS_CLASSES:
                style = base + self.get_component_rich_style(f"alloc-table--status-{STATUS_CLASSES[text]}")
            elif column.key == "queued" and text != "0":
                style = base + self.get_component_rich_style("alloc-table--status-pending")
            segments.append(Segment(fit(text, col_width, right=column.right), style))
        used = sum(cell_len(s.text) for s in segments)  # cells: a CJK name must not push the columns
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        if row.key == self.cursor_id:
            cursor = self.get_component_rich_style(
                "alloc-table--cursor" if self.has_focus else "alloc-table--cursor-blurred"
            )
            segments = [Segment(s.text, (s.style or base) + cursor) for s in segments]
        return Strip(segments, width).crop(0, width)
