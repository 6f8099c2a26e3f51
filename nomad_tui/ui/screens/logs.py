"""The logs pane (`l`): follow a task's stdout or stderr from the tail, search, bounded buffer.

A worker streams /v1/client/fs/logs frames into a LogBuffer; the view repaints at most ~20 times a
second however fast lines arrive.  When the stream breaks it says so and resumes by itself.
"""

from __future__ import annotations

import asyncio
import random

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import BadRequest, NomadError, NotFound, PermissionDenied
from nomad_tui.api.logs import stream_logs
from nomad_tui.sanitize import describe_exception, sanitize_line
from nomad_tui.state.logbuffer import LogBuffer
from nomad_tui.ui.widgets.log_view import LogView

TAIL_BYTES = 50_000  # start this far back from the end, as the Nomad UI does
REPAINT_INTERVAL = 0.05


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


class LogsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("o", "stream('stdout')", "stdout"),
        Binding("e", "stream('stderr')", "stderr"),
        Binding("t", "next_task", "Next task"),
        Binding("s", "toggle_follow", "Follow"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "find(False)", "Next match"),
        Binding("N", "find(True)", "Prev match", key_display="N"),
        Binding("c", "toggle_colours", "Colours", show=False),
    ]

    DEFAULT_CSS = """
    LogsScreen #logs-header { height: 1; padding: 0 1; background: $panel; }
    LogsScreen #logs-state { height: 1; padding: 0 1; color: $text-muted; }
    LogsScreen #logs-search { dock: bottom; display: none; height: 1; border: none; padding: 0 1; }
    LogsScreen #logs-search.-visible { display: block; }
    """

    def __init__(
        self,
        client: NomadClient,
        alloc_id: str,
        title: str,
        tasks: tuple[str, ...],
        *,
        task: str | None = None,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        super().__init__()
        self.client = client
        self.alloc_id = alloc_id
        self.title_text = sanitize_line(title)
        self.tasks = tasks or ("",)
        self.task_name = task if task in self.tasks else self.tasks[0]
        self.kind = "stdout"
        self.buffer = LogBuffer(max_bytes)
        self.state_text = "connecting…"
        self._dirty = False
        self._last_offset: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="logs-header")
        yield LogView(self.buffer, id="log-view")
        yield Static(id="logs-state")
        yield Input(placeholder="search (enter: find, n/N: next/previous)", id="logs-search")
        yield Footer()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.view.focus()
        self.set_interval(REPAINT_INTERVAL, self._repaint)
        self.set_interval(1.0, self._update_header)
        self.restart_stream()

    # ------------------------------------------------------------------------------ streaming
    def restart_stream(self) -> None:
        self.buffer.clear()
        self._last_offset = None
        self.view.reset()
        self.view.follow = True
        self._update_header()
        self.run_worker(self._pump(), group="logs", exclusive=True, exit_on_error=False)

    async def _pump(self) -> None:
        attempt = 0
        while True:
            resuming = self._last_offset is not None
            try:
                self._set_state("connecting…" if not resuming else "reconnecting…")
                stream = stream_logs(
                    self.client,
                    self.alloc_id,
                    self.task_name,
                    kind=self.kind,
                    origin="start" if resuming else "end",
                    offset=self._last_offset if resuming else TAIL_BYTES,  # type: ignore[arg-type]
                )
                self._set_state("following")
                async for frame in stream:
                    attempt = 0
                    if frame.file_event:
                        self.buffer.append(f"--- {frame.file_event}: {frame.file} ---\n".encode())
                    if frame.data:
                        self.buffer.append(frame.data)
                        self._last_offset = frame.offset
                    self._dirty = True
                self._set_state("stream ended by the agent; reconnecting…")
            except (NotFound, BadRequest, PermissionDenied) as error:
                # Task not started yet, unknown task, log collection off, or no read-logs: say it, retry slowly.
                self._set_state(f"{error.kind}: {error.message}")
                await asyncio.sleep(5.0)
                continue
            except NomadError as error:
                attempt += 1
                delay = random.random() * min(30.0, 0.5 * 2**attempt)
                self._set_state(f"{error.kind}: {error.message} · retrying in {delay:.0f}s")
                await asyncio.sleep(delay)
                continue
            await asyncio.sleep(0.5)

    def _set_state(self, text: str) -> None:
        self.state_text = text
        self._update_header()

    def _repaint(self) -> None:
        if self._dirty:
            self._dirty = False
            self.view.data_added()
            self._update_header()

    def _update_header(self) -> None:
        if not self.is_mounted:
            return
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("Logs ", style="bold")
        header.append(f"{self.title_text} · task {sanitize_line(self.task_name) or '?'} · ")
        header.append(self.kind, style="bold")
        header.append(" · " + ("following" if self.view.follow else "paused (s or G to follow)"))
        self.query_one("#logs-header", Static).update(header)
        buffer = self.buffer
        state = Text(no_wrap=True, overflow="ellipsis")
        state.append(sanitize_line(self.state_text))
        state.append(f" · {len(buffer)} lines · {human_bytes(buffer.received_bytes)} received")
        if buffer.dropped_bytes:
            state.append(f" · {human_bytes(buffer.dropped_bytes)} dropped (buffer full)", style="bold yellow")
        if self.view.search:
            state.append(f" · search {sanitize_line(self.view.search)!r}")
        self.query_one("#logs-state", Static).update(state)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = describe_exception(event.worker.error)
            self._set_state(f"internal error: {error}")

    # ------------------------------------------------------------------------------ actions
    def action_back(self) -> None:
        search = self.query_one("#logs-search", Input)
        if search.has_class("-visible"):
            search.remove_class("-visible")
            self.view.focus()
            return
        self.workers.cancel_group(self, "logs")
        self.app.pop_screen()

    def action_stream(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self.restart_stream()

    def action_next_task(self) -> None:
        if len(self.tasks) > 1:
            self.task_name = self.tasks[(self.tasks.index(self.task_name) + 1) % len(self.tasks)]
            self.restart_stream()

    def action_toggle_follow(self) -> None:
        view = self.view
        view.follow = not view.follow
        if view.follow:
            view.scroll_end(animate=False, immediate=True, x_axis=False)
        self._update_header()

    def action_toggle_colours(self) -> None:
        self.view.set_colours(not self.view.colours)

    def action_search(self) -> None:
        search = self.query_one("#logs-search", Input)
        search.add_class("-visible")
        search.focus()

    @on(Input.Submitted, "#logs-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("-visible")
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
