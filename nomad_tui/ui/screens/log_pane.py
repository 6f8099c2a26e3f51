"""What every log-like screen shares: a bounded LogBuffer shown by a LogView, a header and a state
line, search, follow, receive timestamps, wrap, colours, save to a file and copy.

Subclasses (one task's logs, a job-wide tail, a followed file) stream into `self.buffer` from workers
and set `_dirty`; the view repaints at most ~20 times a second however fast lines arrive.
"""

from __future__ import annotations

import asyncio
import gc
import time

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from nomad_tui.api.logs import LogFrame
from nomad_tui.sanitize import describe_exception, sanitize_line
from nomad_tui.state.logbuffer import LogBuffer
from nomad_tui.ui.keymap import LOGS, bindings
from nomad_tui.ui.screens.save_dialogs import ask_path, file_name, save_dir, write_text
from nomad_tui.ui.widgets.footer import AppFooter
from nomad_tui.ui.widgets.log_view import Labeler, LogView
from nomad_tui.ui.widgets.prompt import PromptLine

REPAINT_INTERVAL = 0.05
# Under a flood every paint redraws a whole screen of new lines: paint less often then, since no one
# reads 50 screens a second, and the event loop keeps time for everything else.
FLOOD_LINES = 400
FLOOD_INTERVAL = 0.2
# Each painted line leaves Textual strips that cache themselves (reference cycles): under a flood the
# young generation, collected only every 20,000 allocations (ui/app.py tune_gc), held ~11k of them and
# one collection stalled the loop 45-60 ms.  After a paint with this many young objects pending, the
# pane collects them itself, in a turn of its own: many small pauses instead of one long one.
YOUNG_OBJECTS_COLLECTED = 4_000
COPY_MAX_LINES = 500  # terminals cap what an OSC 52 sequence may carry; a screenful is what `c` copies


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


class LogPaneScreen(Screen[None]):
    BINDINGS = bindings("log-pane")  # ui/keymap.py

    DEFAULT_CSS = """
    LogPaneScreen #logs-header { height: 1; padding: 0 1; background: $panel; }
    LogPaneScreen #logs-state { height: 1; padding: 0 1; color: $text-muted; }
    """

    # The `?` help section of this screen, and what a saved file is called.
    HELP_CONTEXT = "Logs"

    def __init__(self, *, max_bytes: int = 4 * 1024 * 1024, labeler: Labeler | None = None) -> None:
        super().__init__()
        self.buffer = LogBuffer(max_bytes)
        self.labeler = labeler
        self.state_text = "connecting…"
        self._dirty = False
        self._painted_at = 0.0
        self._painted_lines = 0

    def compose(self) -> ComposeResult:
        yield Static(id="logs-header")
        yield LogView(self.buffer, labeler=self.labeler, id="log-view")
        yield Static(id="logs-state")
        yield PromptLine(
            "/", input_id="logs-search", placeholder="search (enter: find, n/N: next/previous)", id="logs-search-line"
        )
        yield AppFooter()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.view.focus()
        self.set_interval(REPAINT_INTERVAL, self._repaint)
        self.set_interval(1.0, self._update_header)

    # ------------------------------------------------------------------------------ for subclasses
    def header_text(self) -> Text:
        """The first line: what is shown."""
        return Text("Logs", style="bold")

    def tail_text(self) -> str:
        """Whether the view keeps to the newest line."""
        return " · " + ("following" if self.view.follow else "paused (s or G to follow)")

    def counts_text(self) -> str:
        """The state line's counts: lines held, bytes received."""
        buffer = self.buffer
        return f" · {len(buffer)} lines · {human_bytes(buffer.received_bytes)} received"

    def state_suffix(self, state: Text) -> None:
        """Add to the state line (after the counts)."""

    def save_name_parts(self) -> tuple[str, ...]:
        """Cluster strings the saved file's name is made of."""
        return ("logs",)

    def take_frame(self, frame: LogFrame, *, source: int = 0) -> None:
        """A log frame of stream `source` into the buffer; a file event becomes a marker line of ours."""
        if frame.file_event:
            self.buffer.add_marker(f"--- {frame.file_event}: {frame.file} ---", source=source)
        if frame.data:
            self.buffer.append(frame.data, source=source)
        self._dirty = True

    # ------------------------------------------------------------------------------ repaint
    def _set_state(self, text: str) -> None:
        self.state_text = text
        self._update_header()

    def _repaint(self) -> None:
        if not self._dirty:
            return
        now = time.monotonic()
        flood = self.buffer.end_number - self._painted_lines > FLOOD_LINES
        if flood and self.view.follow and now - self._painted_at < FLOOD_INTERVAL:
            return
        self._dirty = False
        self._painted_at = now
        self._painted_lines = self.buffer.end_number
        self.view.data_added()
        self._update_header()
        if gc.get_count()[0] > YOUNG_OBJECTS_COLLECTED:
            asyncio.get_running_loop().call_soon(gc.collect, 0)

    def _update_header(self) -> None:
        if not self.is_mounted:
            return
        header = self.header_text()
        header.no_wrap = True
        header.overflow = "ellipsis"
        header.append(self.tail_text())
        # Both lines are one row high whatever they say: no layout pass (it re-renders the whole screen).
        self.query_one("#logs-header", Static).update(header, layout=False)
        buffer = self.buffer
        state = Text(no_wrap=True, overflow="ellipsis")
        state.append(sanitize_line(self.state_text))
        state.append(self.counts_text())
        if buffer.dropped_bytes:
            state.append(f" · {human_bytes(buffer.dropped_bytes)} dropped (buffer full)", style="bold yellow")
        self.state_suffix(state)
        if self.view.search:
            state.append(f" · search {sanitize_line(self.view.search)!r}")
        modes = [name for name, on_ in (("timestamps", self.view.timestamps), ("wrap", self.view.wrap)) if on_]
        if modes:
            state.append(" · " + ", ".join(modes))
        self.query_one("#logs-state", Static).update(state, layout=False)

    @on(LogView.FollowChanged)
    def follow_changed(self) -> None:
        self._update_header()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self._set_state(f"internal error: {describe_exception(event.worker.error)}")

    # ------------------------------------------------------------------------------ actions
    def action_back(self) -> None:
        search = self.query_one("#logs-search-line", PromptLine)
        if search.is_open:
            search.close()
            self.view.focus()
            return
        self.workers.cancel_node(self)
        self.app.pop_screen()

    def action_toggle_follow(self) -> None:
        view = self.view
        view.follow = not view.follow
        if view.follow:
            view.scroll_end(animate=False, immediate=True, x_axis=False)
        self._update_header()

    def action_toggle_colours(self) -> None:
        self.view.set_colours(not self.view.colours)
        self.app.notify(f"Log colours {'on' if self.view.colours else 'off'}", timeout=2, markup=False)

    def action_toggle_timestamps(self) -> None:
        self.view.set_timestamps(not self.view.timestamps)
        self._update_header()

    def action_toggle_wrap(self) -> None:
        self.view.set_wrap(not self.view.wrap)
        self._update_header()

    def action_search(self) -> None:
        if isinstance(self.focused, Input):
            raise SkipAction()  # a `/` typed into the search (or a dialog's field) is text
        self.query_one("#logs-search-line", PromptLine).open()

    @on(Input.Submitted, "#logs-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#logs-search-line", PromptLine).close()
        self.view.focus()
        self.view.set_search(event.value.strip())
        self.action_find(False)

    def action_find(self, backwards: bool) -> None:
        view = self.view
        if not view.search:
            return
        start = view.current_match if view.current_match is not None else view.top_line() - (0 if backwards else 1)
        found = self.buffer.find(view.search, start, backwards=backwards)
        if found is None:
            self.app.notify(f"No more matches for {sanitize_line(view.search)!r}", timeout=2, markup=False)
            return
        view.jump_to(found)
        self._update_header()

    def action_keys_help(self) -> None:
        from nomad_tui.ui.screens.help import HelpScreen

        # A log-like screen's own keys, then those every log pane has.
        context = self.HELP_CONTEXT
        self.app.push_screen(HelpScreen(only=context if context == LOGS else (context, LOGS)))

    def buffered_text(self, first: int | None = None, end: int | None = None) -> str:
        """Lines `first`..`end` (default: everything buffered) as shown, one per line, plain and safe."""
        view, buffer = self.view, self.buffer
        numbers = range(buffer.first_number if first is None else first, buffer.end_number if end is None else end)
        return "".join(view.plain_line(n) + "\n" for n in numbers)

    @work(group="save", exclusive=True, exit_on_error=False)
    async def action_save(self) -> None:
        """`ctrl+s`: what is buffered, as shown (timestamps and labels included), to a file."""
        count = len(self.buffer)
        if not count:
            self.app.notify("Nothing buffered yet to save.", markup=False)
            return
        suggested = save_dir(self.app) / file_name(*self.save_name_parts(), suffix=".log")
        path = await ask_path(self.app, f"Save {count} buffered lines to", suggested)
        if path is not None:
            await write_text(self.app, path, self.buffered_text(), f"{count} lines")

    def action_copy(self) -> None:
        """`c`: the lines on screen to the clipboard (the terminal's clipboard sequence; plain text)."""
        view = self.view
        first = view.top_line()
        shown = min(view.size.height, COPY_MAX_LINES)
        end = min(self.buffer.end_number, first + shown)
        text = self.buffered_text(first, end).rstrip("\n")
        if not text:
            self.app.notify("Nothing on screen to copy.", markup=False)
            return
        self.app.copy_to_clipboard(text)
        self.app.notify(f"Copied {end - first} lines on screen to the clipboard.", timeout=3, markup=False)
