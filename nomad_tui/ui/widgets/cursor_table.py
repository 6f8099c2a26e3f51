"""CursorTable: what the allocation table and the resource tables share — a header line over rows
drawn from a view, and a cursor that is a row position plus the ID of the item on it."""

from __future__ import annotations

from typing import Protocol

from textual.binding import Binding
from textual.scroll_view import ScrollView


class RowSource(Protocol):
    def __len__(self) -> int: ...

    def id_at(self, position: int) -> str: ...


class CursorTable(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]

    cursor_id: str | None = None
    cursor_position: int = 0

    def _rows(self) -> RowSource:
        raise NotImplementedError

    def _cursor_moved(self) -> None:
        """The cursor is on another item (subclasses tell their screen)."""
        raise NotImplementedError

    def _rows_visible(self) -> int:
        return max(1, self.size.height - 1)

    def visible_ids(self, margin: int = 0) -> list[str]:
        """IDs of the rows on screen, plus `margin` rows above and below (about to scroll into view)."""
        rows = self._rows()
        top = int(self.scroll_y)
        start = max(0, top - margin)
        end = min(len(rows), top + self._rows_visible() + margin)
        return [rows.id_at(position) for position in range(start, end)]

    def _move_to(self, position: int) -> None:
        rows = self._rows()
        if not len(rows):
            return
        position = max(0, min(position, len(rows) - 1))
        old = self.cursor_id
        self.cursor_position = position
        self.cursor_id = rows.id_at(position)
        self._scroll_cursor_into_view()
        self.refresh()
        if self.cursor_id != old:
            self._cursor_moved()

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_y)
        visible = self._rows_visible()
        if self.cursor_position < top:
            self.scroll_to(y=self.cursor_position, animate=False, immediate=True)
        elif self.cursor_position >= top + visible:
            self.scroll_to(y=self.cursor_position - visible + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor_position + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor_position - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor_position + self._rows_visible())

    def action_page_up(self) -> None:
        self._move_to(self.cursor_position - self._rows_visible())

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self._rows()) - 1)

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int) and y >= 1:
            self._move_to(int(self.scroll_y) + y - 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
