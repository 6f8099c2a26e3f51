"""The running agent: the model plus time (clock, churn loop, multi-step lifecycles) and the driver.

The model is pure; here its multi-step flows are played out with small real delays, the way a
Nomad server and client would move an allocation along: a stop becomes desired-stop plus a
replacement ~50 ms later, the client kills the tasks ~100 ms after that, and so on.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path

from nomad_tui.devagent.acl import AclPolicy
from nomad_tui.devagent.config import AgentConfig
from nomad_tui.devagent.driver import allocfs, synthetic_logs
from nomad_tui.devagent.driver.logfiles import LogLimits, RotatingLog, log_indexes
from nomad_tui.devagent.driver.tasks import TaskDriver
from nomad_tui.devagent.events import EventBroker
from nomad_tui.devagent.faults import Faults
from nomad_tui.devagent.model import task_events as te
from nomad_tui.devagent.model.churn import Churn
from nomad_tui.devagent.model.cluster import Cluster, ModelError, not_running_error
from nomad_tui.devagent.model.ids import IdSource
from nomad_tui.devagent.model.population import populate
from nomad_tui.devagent.model.records import Allocation
from nomad_tui.devagent.model.specs import GroupSpec, JobSpec, NodeSpec, TaskSpec, job_wire
from nomad_tui.devagent.reqlog import RequestLog
from nomad_tui.devagent.watch import WatchHub

log = logging.getLogger("nomad_tui.devagent")

STEP_DELAY = 0.05  # between the server's and the client's halves of a lifecycle
NS = 1_000_000_000


class SimClock:
    """Wall time, or with --start-time a fixed origin that moves only when churn advances it."""

    def __init__(self, start_time: float | None) -> None:
        self.fixed = start_time is not None
        self.origin_ns = int(start_time * NS) if start_time is not None else time.time_ns()
        self._offset = 0

    def now(self) -> int:
        return self.origin_ns + self._offset if self.fixed else time.time_ns()

    def advance(self, ns: int) -> None:
        self._offset += ns


class Agent:
    def __init__(self, config: AgentConfig, root: Path | None = None) -> None:
        self.config = config
        self.clock = SimClock(config.start_time)
        self.ids = IdSource(config.seed)
        self.cluster = Cluster(self.clock.now, self.ids, config.region, config.datacenter)
        self.watch = WatchHub()
        self.events = EventBroker(config.event_buffer)
        self.cluster.listeners += [self.watch.on_commit, self.events.on_commit]
        self.acl = AclPolicy(
            config.acl,
            config.acl_token,
            config.acl_read_token,
            config.acl_namespace_tokens,
            write_token=config.acl_write_token,
            exec_token=config.acl_exec_token,
        )
        self.faults = Faults()
        self.requests = RequestLog()
        self.root = root or Path(tempfile.mkdtemp(prefix="nomad-tui-devagent-"))
        self.driver = TaskDriver(self.root, self._on_task_exit, LogLimits(config.log_max_bytes, config.log_max_files))
        self.churn = Churn(self.cluster, config.seed, config.allocs)
        self._tasks: set[asyncio.Task[None]] = set()
        self._followed: dict[Path, int] = {}
        self._materialized: set[str] = set()  # allocations whose directory has been laid out
        self.started_at = time.monotonic()
        self.http_addr = "127.0.0.1:4646"  # set once the listener is bound
        self.inflight: dict[asyncio.BaseTransport, str] = {}  # connection → path of its request in flight

    # ----- start / stop -----------------------------------------------------------------------------

    async def start(self) -> None:
        real = populate(
            self.cluster, self.config.allocs, self.config.seed, self.clock.now(), self.config.real_processes
        )
        # Real processes start in a fixed order before we serve, so a seed and start time still give
        # the same data (their Started events land at known indexes).
        for alloc_id in real:
            await self._start_real(alloc_id)
        if self.config.churn > 0:
            self.spawn(self._churn_loop())
        self.spawn(self._grow_followed_logs())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self.events.close_all()
        await self.driver.shutdown()
        self.driver.remove_root()

    def spawn(self, coro: object) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background step failed", exc_info=task.exception())

    # ----- churn ------------------------------------------------------------------------------------

    async def _churn_loop(self) -> None:
        interval = 1.0 / self.config.churn
        while True:
            await asyncio.sleep(interval)
            self.churn_steps(1, int(interval * NS))

    def churn_steps(self, steps: int, clock_step_ns: int = NS) -> list[str]:
        done = []
        for _ in range(steps):
            if self.clock.fixed:
                self.clock.advance(clock_step_ns)
            done.append(self.churn.step())
        return done

    # ----- real processes ---------------------------------------------------------------------------

    def is_real(self, alloc: Allocation) -> bool:
        return self.cluster.job_of(alloc).is_real

    async def _start_real(self, alloc_id: str) -> None:
        alloc = self.cluster.get(alloc_id)
        if alloc is None:
            return
        group = self.cluster.group_of(alloc)
        started = []
        for task in group.tasks:
            if task.command is not None:
                env = self.driver.task_vars(alloc.ID, task.name, alloc.Namespace, alloc.JobID)
                if await self.driver.start(alloc.ID, task.name, task.command, env):
                    started.append(task.name)
                else:
                    self.cluster.task_failed(alloc.ID, task.name, exit_code=127, reason="Error was unrecoverable")
        if started:
            self.cluster.start_tasks(alloc.ID, started)

    def _on_task_exit(self, alloc_id: str, task: str, exit_code: int, signal: int) -> None:
        """A real process died on its own: the task fails and a service allocation is rescheduled."""
        alloc = self.cluster.get(alloc_id)
        if alloc is None or alloc.DesiredStatus != "run":
            return
        self.cluster.task_failed(alloc_id, task, exit_code, signal)
        new = self.cluster.reschedule(alloc_id)
        if new is not None:
            self.spawn(self._bring_up(new.ID))

    async def _bring_up(self, alloc_id: str) -> None:
        """A new allocation on the client: received, then its tasks start."""
        await asyncio.sleep(STEP_DELAY)
        if self.cluster.get(alloc_id) is None:
            return
        self.cluster.receive(alloc_id)
        await asyncio.sleep(STEP_DELAY)
        alloc = self.cluster.get(alloc_id)
        if alloc is None:
            return
        if self.is_real(alloc):
            await self._start_real(alloc_id)
        else:
            self.cluster.start_tasks(alloc_id)

    # ----- lifecycle operations (the API's write paths) --------------------------------------------

    def stop(self, alloc_id: str, no_shutdown_delay: bool, reschedule: bool) -> tuple[str, int]:
        eval_id, index = self.cluster.request_stop(alloc_id, no_shutdown_delay, reschedule)
        self.spawn(self._stop_flow(alloc_id))
        return eval_id, index

    async def _stop_flow(self, alloc_id: str) -> None:
        await asyncio.sleep(STEP_DELAY)
        replacement = self.cluster.migrate(alloc_id)
        if replacement is not None:
            self.spawn(self._bring_up(replacement.ID))
        await asyncio.sleep(STEP_DELAY)
        await self._kill(alloc_id)

    async def _kill(self, alloc_id: str) -> None:
        alloc = self.cluster.get(alloc_id)
        if alloc is None:
            return
        exits: dict[str, tuple[int, int]] = {}
        for task in list(alloc.TaskStates or {}):
            if self.driver.has_process(alloc_id, task):
                exits[task] = await self.driver.stop(alloc_id, task)
        if self.cluster.get(alloc_id) is not None:
            self.cluster.kill(alloc_id, exits)

    def signal(self, alloc_id: str, task: str | None, signal_name: str) -> None:
        tasks, not_running = self.cluster.signal(alloc_id, task, signal_name)
        for name in tasks:
            self.driver.signal(alloc_id, name, signal_name)
        if not_running:
            raise not_running_error(not_running)

    def restart(self, alloc_id: str, task: str, all_tasks: bool) -> None:
        tasks, reason = self.cluster.restart_tasks_to_restart(alloc_id, task, all_tasks)
        self.cluster.restart_signaled(alloc_id, tasks, reason)
        self.spawn(self._restart_flow(alloc_id, tasks))

    async def _restart_flow(self, alloc_id: str, tasks: list[str]) -> None:
        await asyncio.sleep(STEP_DELAY)
        exits: dict[str, tuple[int, int]] = {}
        restart_real = []
        for task in tasks:
            if self.driver.has_process(alloc_id, task):
                exits[task] = await self.driver.stop(alloc_id, task)
                restart_real.append(task)
        alloc = self.cluster.get(alloc_id)
        if alloc is None:
            return
        spec = self.cluster.group_of(alloc)
        for task in restart_real:
            command = _command(spec, task)
            if command is not None:
                env = self.driver.task_vars(alloc_id, task, alloc.Namespace, alloc.JobID)
                await self.driver.start(alloc_id, task, command, env)
        self.cluster.restarted(alloc_id, tasks, exits)

    # ----- the control endpoint's writes ------------------------------------------------------------

    def create_allocs(
        self,
        namespace: str,
        job_id: str,
        group_name: str,
        tasks: list[str],
        count: int,
        client_status: str,
        node_name: str | None,
        event_message: str | None,
    ) -> list[str]:
        """Allocations with arbitrary (possibly hostile) names, stored and served verbatim."""
        job = self.cluster.jobs.get((namespace, job_id))
        if job is None or job.group(group_name) is None:
            job = JobSpec(
                id=job_id,
                namespace=namespace,
                type="service",
                groups=(GroupSpec(group_name, tuple(TaskSpec(t) for t in tasks or ["main"])),),
                create_index=self.cluster.index + 1,
                submit_time=self.clock.now(),
            )
            job.wire = job_wire(job, self.cluster.region, self.cluster.datacenter, job.create_index)
            self.cluster.add_job(job)
        group = job.group(group_name)
        assert group is not None
        node = self.cluster.nodes[0] if self.cluster.nodes else NodeSpec(id=self.ids.uuid(), name="client-1")
        if not self.cluster.nodes:
            self.cluster.add_node(node)
        ids = []
        for i in range(count):
            with self.cluster.write() as txn:
                alloc = self.cluster.new_alloc(txn, job, group, node, i, node_name=node_name)
            ids.append(alloc.ID)
            if client_status != "pending" or event_message:
                self.cluster.receive(alloc.ID)
                event = te.custom(self.clock.now(), "Driver", event_message) if event_message else None
                self.cluster.set_status(alloc.ID, client_status, event)
        return ids

    def update_alloc(self, alloc_id: str, client_status: str | None, event_type: str, message: str) -> None:
        alloc = self.cluster.require(alloc_id)
        event = te.custom(self.clock.now(), event_type, message) if event_type else None
        self.cluster.set_status(alloc_id, client_status or alloc.ClientStatus, event)

    def restore(self, index: int) -> None:
        self.cluster.restore(index)

    # ----- logs -------------------------------------------------------------------------------------

    def log_writer(self, alloc: Allocation, task: str, kind: str) -> RotatingLog:
        """A task's log of one type; a simulated task's gets its synthetic lines on first use."""
        writer = self.driver.log(alloc.ID, task, kind)
        if not self.is_real(alloc) and not log_indexes(writer.directory, task, kind):
            writer.append(synthetic_logs.initial_lines(alloc.ID, task, kind))
        return writer

    def log_file(self, alloc: Allocation, task: str, kind: str) -> Path:
        """The file being written now (`<task>.<type>.<N>`, N the highest retained index)."""
        return self.log_writer(alloc, task, kind).current

    def alloc_dir(self, alloc: Allocation) -> Path:
        """The allocation's directory, laid out as a Nomad client's (with sample files) on first use."""
        path = self.driver.alloc_dir(alloc.ID)
        if alloc.ID not in self._materialized:
            tasks = [t.name for t in self.cluster.group_of(alloc).tasks]
            allocfs.materialize(path, alloc.ID, tasks)
            for task, state in (alloc.TaskStates or {}).items():
                if state.StartedAt is not None and task in tasks:
                    for kind in ("stdout", "stderr"):
                        self.log_file(alloc, task, kind)
            if self.clock.fixed:
                allocfs.set_times(path, self.clock.now())  # reproducible listings for snapshots
            self._materialized.add(alloc.ID)
        return path

    def write_file(self, alloc_id: str, path: str, data: bytes, append: bool) -> int:
        """Write (or append) bytes to a file in an allocation's directory (the control endpoint's file
        injection: hostile, binary or growing files for tests); returns the file's size after."""
        alloc = self.cluster.require(alloc_id, "alloc not found")
        try:
            target = allocfs.resolve(self.alloc_dir(alloc), path)
        except allocfs.PathEscapes as exc:
            raise ModelError(400, str(exc)) from exc
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "ab" if append else "wb") as fh:
            fh.write(data)
            return fh.tell()

    def append_log(self, alloc_id: str, task: str, kind: str, data: bytes) -> int:
        """Append raw bytes to a task's log (the control endpoint's log injection), rotating as the task's
        own output would; returns the current file's size after. A simulated log gets its synthetic
        lines first, so the injected bytes land after them."""
        alloc = self.cluster.require(alloc_id, "alloc not found")
        if task not in {t.name for t in self.cluster.group_of(alloc).tasks}:
            raise ModelError(400, f'unknown task name "{task}"')
        return self.log_writer(alloc, task, kind).append(data)

    def follow(self, path: Path, delta: int) -> None:
        """Count followers of a simulated log, which then grows by a line every couple of seconds."""
        self._followed[path] = self._followed.get(path, 0) + delta
        if self._followed[path] <= 0:
            del self._followed[path]

    async def _grow_followed_logs(self) -> None:
        while True:
            await asyncio.sleep(2.0)
            for path in list(self._followed):
                alloc_id, task_kind = path.parts[-4], path.name
                task, kind = task_kind.rsplit(".", 2)[0], task_kind.rsplit(".", 2)[1]
                alloc = self.cluster.get(alloc_id)
                states = (alloc.TaskStates or {}) if alloc else {}
                if alloc is not None and task in states and states[task].State == "running" and kind == "stdout":
                    writer = self.log_writer(alloc, task, kind)
                    writer.append(synthetic_logs.next_line(alloc_id, task, kind, writer.current))


def _command(group: GroupSpec, task: str) -> tuple[str, ...] | None:
    spec = group.task(task)
    return spec.command if spec else None


__all__ = ["Agent", "ModelError", "SimClock"]
