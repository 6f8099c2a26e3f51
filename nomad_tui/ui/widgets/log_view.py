"""LogView: a Line-API view over a LogBuffer that renders only visible lines, follows the tail,
and highlights search matches."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nomad_tui.state.logbuffer import LogBuffer
from nomad_tui.ui.log_text import log_line_text

MATCH_STYLE = Style(reverse=True, bold=True)
CURRENT_STYLE = Style(bgcolor="yellow", color="black", bold=True)


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

    def __init__(self, buffer: LogBuffer, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer = buffer
        self.follow = True
        self.colours = True
        self.search = ""
        self.current_match: int | None = None  # absolute line number
        self._width = 0
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(2048)

    # ------------------------------------------------------------------------------ data
    def data_added(self) -> None:
        """New lines arrived (and old ones may have been dropped)."""
        buffer = self.buffer
        for number in range(max(buffer.first_number, buffer.end_number - 200), buffer.end_number):
            line = buffer.line(number)
            if line is not None and len(line) > self._width:
                self._width = len(line)
        self.virtual_size = Size(self._width, len(buffer))
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def reset(self) -> None:
        self._cache.clear()
        self._width = 0
        self.current_match = None
        self.virtual_size = Size(0, 0)
        self.refresh()

    def set_search(self, needle: str) -> None:
        self.search = needle
        self._cache.clear()
        self.refresh()

    def set_colours(self, colours: bool) -> None:
        self.colours = colours
        self._cache.clear()
        self.refresh()

    def jump_to(self, number: int) -> None:
        self.current_match = number
        self.follow = False
        row = number - self.buffer.first_number
        self.scroll_to(y=max(0, row - self.size.height // 2), animate=False, immediate=True)
        self._cache.clear()
        self.refresh()

    def top_line(self) -> int:
        return self.buffer.first_number + int(self.scroll_y)

    # ------------------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        number = self.buffer.first_number + int(self.scroll_y) + y
        raw = self.buffer.line(number)
        width = self.size.width
        if raw is None:
            return Strip.blank(width, self.rich_style)
        is_current = number == self.current_match
        key = (number, raw, self.search, self.colours, is_current)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._cache[key] = self._render(raw, is_current)
        scroll_x = int(self.scroll_x)
        return strip.crop(scroll_x, scroll_x + width)

    def _render(self, raw: str, is_current: bool) -> Strip:
        text: Text = log_line_text(raw, colours=self.colours)
        if self.search:
            text.highlight_words([self.search], CURRENT_STYLE if is_current else MATCH_STYLE, case_sensitive=False)
        segments = list(text.render(self.app.console, end=""))
        return Strip(segments, text.cell_len).apply_style(self.rich_style)

    # ------------------------------------------------------------------------------ scrolling
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Scrolling up leaves the tail; coming back to the bottom follows again.
        self.follow = new >= self.max_scroll_y

    def action_scroll_end(self) -> None:
        self.follow = True
        super().action_scroll_end()
