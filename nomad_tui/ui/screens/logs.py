"""The logs pane (`l`): follow a task's stdout, stderr or both from the tail, search, bounded buffer.

A worker per stream reads /v1/client/fs/logs frames into the LogBuffer (stdout is source 0, stderr
source 1, so both interleave line by line without mixing).  When a stream breaks it says so and
resumes by itself.
"""

from __future__ import annotations

import functools

from rich.text import Text
from textual import work

from nomad_tui.api.client import NomadClient
from nomad_tui.api.log_follow import follow_task_log
from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.screens.log_pane import LogPaneScreen, human_bytes
from nomad_tui.ui.screens.save_dialogs import ChoiceScreen

TAIL_BYTES = 50_000  # start this far back from the end, as the Nomad UI does
STREAM_KINDS = ("stdout", "stderr")
# How far back a stream starts (`b`): bytes before the end, or None for the start of the log.
START_CHOICES: tuple[tuple[int | None, str], ...] = (
    (16 * 1024, "the last 16 KiB"),
    (TAIL_BYTES, "the last 49 KiB (default, as Nomad's web UI)"),
    (256 * 1024, "the last 256 KiB"),
    (1024 * 1024, "the last 1 MiB"),
    (None, "the start of the log (the buffer keeps the newest 4 MiB)"),
)

_STREAM_LABELS = {0: Text("out", style="dim"), 1: Text("err", style="bold red")}


def stream_label(source: int) -> Text:
    return _STREAM_LABELS.get(source, Text("?"))


def describe_start(back: int | None) -> str:
    return "from the start" if back is None else f"from {human_bytes(back)} before the end"


class LogsScreen(LogPaneScreen):
    BINDINGS = bindings("task-logs")  # ui/keymap.py

    def __init__(
        self,
        client: NomadClient,
        alloc_id: str,
        title: str,
        tasks: tuple[str, ...],
        *,
        task: str | None = None,
        max_bytes: int = 4 * 1024 * 1024,
        namespace: str | None = None,
    ) -> None:
        super().__init__(max_bytes=max_bytes)
        self.client = client
        self.alloc_id = alloc_id
        self.alloc_namespace = namespace  # the allocation's own, sent with its log requests
        self.title_text = sanitize_line(title)
        self.tasks = tasks or ("",)
        self.task_name = task if task in self.tasks else self.tasks[0]
        self.kind = "stdout"
        self.start_back: int | None = TAIL_BYTES

    def on_mount(self) -> None:
        super().on_mount()
        self.restart_stream()

    # ------------------------------------------------------------------------------ streaming
    def restart_stream(self) -> None:
        self.workers.cancel_group(self, "logs")
        self.buffer.clear()
        view = self.view
        view.labeler = stream_label if self.kind == "both" else None
        view.reset()
        view.follow = True
        self._update_header()
        kinds = STREAM_KINDS if self.kind == "both" else (self.kind,)
        for kind in kinds:
            self.run_worker(self._pump(kind, STREAM_KINDS.index(kind)), group="logs", exit_on_error=False)

    async def _pump(self, kind: str, source: int) -> None:
        label = f"{kind}: " if self.kind == "both" else ""
        start = ("start", 0) if self.start_back is None else ("end", self.start_back)

        await follow_task_log(
            self.client,
            self.alloc_id,
            self.task_name,
            kind,
            start=start,
            on_frame=functools.partial(self.take_frame, source=source),
            on_state=lambda text: self._set_state(label + text),
            namespace=self.alloc_namespace,
        )

    # ------------------------------------------------------------------------------ text
    def header_text(self) -> Text:
        header = Text()
        header.append("Logs ", style="bold")
        header.append(f"{self.title_text} · task {sanitize_line(self.task_name) or '?'} · ")
        header.append("stdout + stderr" if self.kind == "both" else self.kind, style="bold")
        header.append(f" · {describe_start(self.start_back)}")
        return header

    def save_name_parts(self) -> tuple[str, ...]:
        return (self.title_text.split(" · ")[-1], self.alloc_id[:8], self.task_name, self.kind)

    # ------------------------------------------------------------------------------ actions
    def action_stream(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self.restart_stream()

    def action_next_task(self) -> None:
        if len(self.tasks) > 1:
            self.task_name = self.tasks[(self.tasks.index(self.task_name) + 1) % len(self.tasks)]
            self.restart_stream()
        else:
            self.app.notify("This allocation has one task.", timeout=2, markup=False)

    @work(group="start-from", exclusive=True, exit_on_error=False)
    async def action_start_from(self) -> None:
        """`b`: how far back the stream starts; the stream starts again from there."""
        keys = {str(back): back for back, _ in START_CHOICES}
        choice = await self.app.push_screen_wait(
            ChoiceScreen(
                "Start the log from…",
                ((str(back), label) for back, label in START_CHOICES),
                current=str(self.start_back),
            )
        )
        if choice is None:
            return
        self.start_back = keys[choice]
        self.restart_stream()
