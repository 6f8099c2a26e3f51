"""The job-wide tail (`L`): the logs of every running allocation of a job (or one task group) in one
pane, each line labelled with a short allocation ID and task in a colour of its own.

Who is tailed follows the dashboard's live allocation store: the dashboard hands every applied diff
to this screen (no second watcher), an allocation that starts running joins (its log from the start),
one that stops leaves with a marker.  At most MAX_STREAMS log streams run at once; allocations over
the cap are named in the state line and join when a stream frees up.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError
from nomad_tui.api.log_follow import follow_task_log
from nomad_tui.api.models import AllocStub
from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.store import AllocStore, Diff
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.screens.log_pane import LogPaneScreen
from nomad_tui.ui.screens.logs import STREAM_KINDS
from nomad_tui.ui.widgets.alloc_table import fit

MAX_STREAMS = 32
INITIAL_BACK = 2048  # allocations running when the tail opens: their last 2 KiB; later ones from the start
LEAVE_GRACE = 1.5  # seconds a leaving allocation's streams keep reading its last lines
TASK_WIDTH = 10
PALETTE = (
    "cyan",
    "magenta",
    "green",
    "yellow",
    "bright_blue",
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "dark_orange",
    "orchid",
    "turquoise2",
    "gold1",
)

StoreListener = Callable[[Diff | None], None]  # None: the store was emptied (namespace switch)


@dataclass(frozen=True)
class TailScope:
    namespace: str
    job: str
    group: str | None = None

    def matches(self, stub: AllocStub) -> bool:
        return (
            stub.client_status == "running"
            and stub.job_id == self.job
            and (stub.namespace or "default") == self.namespace
            and (self.group is None or stub.task_group == self.group)
        )

    def describe(self) -> str:
        what = f"job {self.job}" + (f" group {self.group}" if self.group else "")
        return f"{sanitize_line(what)} · ns {sanitize_line(self.namespace)}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def colour_of(alloc_id: str) -> str:
    """The same allocation gets the same colour every time (not Python's salted hash)."""
    return PALETTE[zlib.crc32(alloc_id.encode()) % len(PALETTE)]


@dataclass
class Member:
    alloc_id: str
    short: str
    sources: list[int] = field(default_factory=list)
    leaving: bool = False


class JobTailScreen(LogPaneScreen):
    BINDINGS = bindings("job-tail")  # ui/keymap.py
    HELP_CONTEXT = "Job tail"

    def __init__(
        self,
        client: NomadClient,
        store: AllocStore,
        scope: TailScope,
        listeners: list[StoreListener],
        *,
        max_streams: int = MAX_STREAMS,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        super().__init__(max_bytes=max_bytes, labeler=self._label)
        self.client = client
        self.store = store
        self.scope = scope
        self.listeners = listeners
        self.max_streams = max_streams
        self.kind = "stdout"
        self.members: dict[str, Member] = {}
        self.waiting: dict[str, str] = {}  # over the cap: alloc ID -> short ID, in arrival order
        self.sources: dict[int, tuple[str, str, str]] = {}  # source -> (alloc ID, task, kind)
        self.stream_states: dict[int, str] = {}
        self._labels: dict[int, Text] = {}
        self._next_source = 0
        self._starting = 0  # streams being set up (counted against the cap)

    # ------------------------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        super().on_mount()
        self.listeners.append(self.store_changed)
        self._start_all()

    def on_unmount(self) -> None:
        if self.store_changed in self.listeners:
            self.listeners.remove(self.store_changed)

    def _start_all(self) -> None:
        self.workers.cancel_node(self)
        self.buffer.clear()
        self.view.reset()
        self.view.follow = True
        self.members.clear()
        self.waiting.clear()
        self.sources.clear()
        self.stream_states.clear()
        self._labels.clear()
        self._starting = 0
        running = sorted(
            (stub for stub in self.store if self.scope.matches(stub)), key=lambda s: (s.create_index, s.id)
        )
        for stub in running:
            self._join(stub, initial=True)
        self._update_header()

    # ------------------------------------------------------------------------------ membership
    def store_changed(self, diff: Diff | None) -> None:
        """The dashboard applied a list: allocations may have started or stopped running."""
        if diff is None:
            for alloc_id in list(self.members):
                self._leave(alloc_id, "no longer listed")
            self.waiting.clear()
            return
        for alloc_id in diff.removed:
            self._gone(alloc_id, "garbage-collected")
        for alloc_id in (*diff.added, *diff.changed):
            stub = self.store.stubs.get(alloc_id)
            if stub is None:
                continue
            if self.scope.matches(stub):
                if alloc_id not in self.members and alloc_id not in self.waiting:
                    self._join(stub, initial=False)
            else:
                self._gone(alloc_id, sanitize_line(stub.client_status or "stopped"))
        self._update_header()

    def _gone(self, alloc_id: str, reason: str) -> None:
        if alloc_id in self.members:
            self._leave(alloc_id, reason)
        self.waiting.pop(alloc_id, None)

    def _streams_in_use(self) -> int:
        return sum(len(m.sources) for m in self.members.values() if not m.leaving) + self._starting

    def _join(self, stub: AllocStub, *, initial: bool) -> None:
        short = sanitize_line(stub.id[:8])
        if self._streams_in_use() >= self.max_streams:
            self.waiting[stub.id] = short
            return
        member = self.members[stub.id] = Member(stub.id, short)
        kinds = len(STREAM_KINDS) if self.kind == "both" else 1
        self._starting += kinds
        self.run_worker(self._start_member(member, stub, initial, kinds), group=f"tail-{stub.id}", exit_on_error=False)

    async def _start_member(self, member: Member, stub: AllocStub, initial: bool, reserved: int) -> None:
        """Find the allocation's running tasks (from the list, else one read) and start their streams."""
        try:
            tasks = await self._running_tasks(stub)
        finally:
            self._starting -= reserved
        if member.leaving or self.members.get(member.alloc_id) is not member:
            return
        kinds = STREAM_KINDS if self.kind == "both" else (self.kind,)
        wanted = [(task, kind) for task in tasks for kind in kinds]
        if not wanted:
            self.stream_states[-1] = f"{member.short} has no running task yet"
            return
        if self._streams_in_use() + len(wanted) > self.max_streams:
            del self.members[member.alloc_id]
            self.waiting[member.alloc_id] = member.short
            self._update_header()
            return
        start = ("end", INITIAL_BACK) if initial else ("start", 0)
        for task, kind in wanted:
            source = self._next_source
            self._next_source += 1
            self.sources[source] = (member.alloc_id, task, kind)
            member.sources.append(source)
            self.run_worker(
                self._pump(member.alloc_id, task, kind, source, start),
                group=f"tail-{member.alloc_id}",
                exit_on_error=False,
            )
        if not initial:
            self.buffer.add_marker(f"+++ {member.short} joined (running) +++", source=member.sources[0])
            self._dirty = True
        self._update_header()

    async def _running_tasks(self, stub: AllocStub) -> list[str]:
        states = stub.task_states
        if not states:
            try:
                alloc = (await self.client.read_allocation(stub.id)).value
            except NomadError as error:
                self.stream_states[-1] = f"{stub.id[:8]}: {error.kind}: {error.message}"
                return []
            states = alloc.task_states or {}  # type: ignore[assignment]
        return sorted(name for name, state in (states or {}).items() if state.state == "running")

    def _leave(self, alloc_id: str, reason: str) -> None:
        member = self.members.get(alloc_id)
        if member is None or member.leaving:
            return
        member.leaving = True
        # Its last lines (a shutdown message) may still be on the way: read a little longer, then stop.
        self.set_timer(LEAVE_GRACE, lambda: self._stop_member(member, reason))
        self._promote()

    def _stop_member(self, member: Member, reason: str) -> None:
        self.workers.cancel_group(self, f"tail-{member.alloc_id}")
        for source in member.sources:
            self.buffer.flush(source)
            self.stream_states.pop(source, None)
        if member.sources:
            self.buffer.add_marker(f"--- {member.short} left ({reason}) ---", source=member.sources[0])
        if self.members.get(member.alloc_id) is member:
            del self.members[member.alloc_id]
        self._dirty = True
        self._promote()
        self._update_header()

    def _promote(self) -> None:
        """Streams freed up: allocations waiting over the cap join, oldest first."""
        for alloc_id in list(self.waiting):
            if self._streams_in_use() >= self.max_streams:
                return
            del self.waiting[alloc_id]
            stub = self.store.stubs.get(alloc_id)
            if stub is not None and self.scope.matches(stub):
                self._join(stub, initial=False)

    # ------------------------------------------------------------------------------ streams
    async def _pump(self, alloc_id: str, task: str, kind: str, source: int, start: tuple[str, int]) -> None:
        def on_state(text: str) -> None:
            self.stream_states[source] = text

        stub = self.store.stubs.get(alloc_id)
        await follow_task_log(
            self.client,
            alloc_id,
            task,
            kind,
            start=start,
            on_frame=functools.partial(self.take_frame, source=source),
            on_state=on_state,
            namespace=stub.namespace if stub is not None and stub.namespace else None,
        )

    def _label(self, source: int) -> Text:
        label = self._labels.get(source)
        if label is None:
            alloc_id, task, kind = self.sources.get(source, ("", "?", "stdout"))
            name = fit(sanitize_line(task), TASK_WIDTH)  # in cells: labels line up with CJK and emoji names
            label = Text(f"{sanitize_line(alloc_id[:8])} {name}", style=colour_of(alloc_id), no_wrap=True)
            if self.kind == "both":
                label.append(" err" if kind == "stderr" else " out", style="bold red" if kind == "stderr" else "dim")
            self._labels[source] = label
        return label

    # ------------------------------------------------------------------------------ text
    def header_text(self) -> Text:
        header = Text()
        header.append("Tail ", style="bold")
        header.append(self.scope.describe())
        active = [m for m in self.members.values() if not m.leaving]
        streams = sum(len(m.sources) for m in active)
        header.append(f" · {plural(len(active), 'allocation')}, {plural(streams, 'stream')} · ")
        header.append("stdout + stderr" if self.kind == "both" else self.kind, style="bold")
        return header

    def state_suffix(self, state: Text) -> None:
        problems = [text for text in self.stream_states.values() if text != "streaming"]
        if problems:
            state.append(f" · {len(problems)} not streaming: {sanitize_line(problems[-1])}", style="yellow")
        if self.waiting:
            names = ", ".join(list(self.waiting.values())[:6]) + ("…" if len(self.waiting) > 6 else "")
            state.append(
                f" · {len(self.waiting)} more over the {self.max_streams}-stream cap, not tailed: {names}",
                style="bold yellow",
            )

    def _update_header(self) -> None:
        streaming = sum(1 for text in self.stream_states.values() if text == "streaming")
        self.state_text = f"{plural(streaming, 'stream')} open"
        super()._update_header()

    def save_name_parts(self) -> tuple[str, ...]:
        return ("tail", self.scope.job, self.scope.group or "", self.kind)

    # ------------------------------------------------------------------------------ actions
    def action_stream(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self._start_all()
