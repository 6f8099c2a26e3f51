"""Real task processes: one per (allocation, task), stdout/stderr written to Nomad-style log files.

Layout under the agent's temporary root (removed on exit), as on a Nomad client:
    <root>/<alloc id>/alloc/logs/<task>.stdout.<N>   the task's log files, rotated by size
    <root>/<alloc id>/<task>/                      the task's working directory (local/, tmp/)
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nomad_tui.devagent.driver.logfiles import LogLimits, RotatingLog
from nomad_tui.devagent.driver.spawn import die_with_parent, kill_group, task_env

log = logging.getLogger("nomad_tui.devagent.driver")

ExitCallback = Callable[[str, str, int, int], None]  # alloc id, task, exit code, signal

_SIGNAL_NAMES = [
    "SIGABRT",
    "SIGALRM",
    "SIGBUS",
    "SIGCONT",
    "SIGFPE",
    "SIGHUP",
    "SIGILL",
    "SIGINT",
    "SIGIO",
    "SIGIOT",
    "SIGKILL",
    "SIGPIPE",
    "SIGPROF",
    "SIGQUIT",
    "SIGSEGV",
    "SIGSTOP",
    "SIGSYS",
    "SIGTERM",
    "SIGTRAP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGUSR1",
    "SIGUSR2",
    "SIGWINCH",
    "SIGXCPU",
    "SIGXFSZ",
]
# consul-template's signal table, which Nomad's drivers use to turn names into signals.
SIGNALS = {name: getattr(signal, name) for name in _SIGNAL_NAMES if hasattr(signal, name)}


def signal_number(name: str) -> int:
    """Like Nomad's exec/raw_exec drivers: an unknown name becomes SIGINT (docker would refuse it)."""
    return SIGNALS.get(name.upper(), signal.SIGINT)


def exit_pair(returncode: int) -> tuple[int, int]:
    """(exit code, signal) as Nomad reports them from a wait status."""
    return (0, -returncode) if returncode < 0 else (returncode, 0)


@dataclass
class RunningTask:
    alloc_id: str
    task: str
    process: asyncio.subprocess.Process
    expected_exit: bool = False
    waiter: asyncio.Task[None] | None = None
    exited: asyncio.Event = field(default_factory=asyncio.Event)
    returncode: int | None = None
    pumps: list[asyncio.Task[None]] = field(default_factory=list)


class TaskDriver:
    def __init__(self, root: Path, on_exit: ExitCallback, limits: LogLimits | None = None) -> None:
        self.root = root
        self.on_exit = on_exit
        self.limits = limits or LogLimits()
        self.running: dict[tuple[str, str], RunningTask] = {}
        self._logs: dict[tuple[str, str, str], RotatingLog] = {}

    # ----- directories ------------------------------------------------------------------------------

    def alloc_dir(self, alloc_id: str) -> Path:
        return self.root / alloc_id

    def task_dir(self, alloc_id: str, task: str) -> Path:
        path = self.alloc_dir(alloc_id) / task
        if not path.exists():
            for sub in ("local", "tmp", "secrets"):
                (path / sub).mkdir(parents=True, exist_ok=True)
        return path

    def log_dir(self, alloc_id: str) -> Path:
        return self.alloc_dir(alloc_id) / "alloc" / "logs"

    def log(self, alloc_id: str, task: str, kind: str) -> RotatingLog:
        """The one writer of a task's log of one type (its rotation state is shared by every appender)."""
        key = (alloc_id, task, kind)
        writer = self._logs.get(key)
        if writer is None:
            writer = self._logs[key] = RotatingLog(self.log_dir(alloc_id), task, kind, self.limits)
        return writer

    def task_vars(self, alloc_id: str, task: str, namespace: str, job: str) -> dict[str, str]:
        return {
            "NOMAD_ALLOC_ID": alloc_id,
            "NOMAD_TASK_NAME": task,
            "NOMAD_NAMESPACE": namespace,
            "NOMAD_JOB_NAME": job,
            "NOMAD_ALLOC_DIR": str(self.alloc_dir(alloc_id) / "alloc"),
            "NOMAD_TASK_DIR": str(self.task_dir(alloc_id, task) / "local"),
        }

    # ----- processes --------------------------------------------------------------------------------

    def has_process(self, alloc_id: str, task: str) -> bool:
        return (alloc_id, task) in self.running

    def pid(self, alloc_id: str, task: str) -> int | None:
        running = self.running.get((alloc_id, task))
        return running.process.pid if running else None

    async def start(self, alloc_id: str, task: str, argv: tuple[str, ...], env: dict[str, str]) -> bool:
        cwd = self.task_dir(alloc_id, task)
        for kind in ("stdout", "stderr"):
            self.log(alloc_id, task, kind).create()
        command = [sys.executable if argv[0] == "python3" else argv[0], *argv[1:]]
        try:
            # Output goes through pipes to the rotating log files, as Nomad's logmon collects it.
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=cwd,
                env=task_env({**env, "PYTHONUNBUFFERED": "1"}),
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        except OSError as exc:
            log.warning("could not start %s/%s: %s", alloc_id, task, exc)
            return False
        running = RunningTask(alloc_id, task, process)
        self.running[(alloc_id, task)] = running
        loop = asyncio.get_running_loop()
        for kind, stream in (("stdout", process.stdout), ("stderr", process.stderr)):
            if stream is not None:
                running.pumps.append(loop.create_task(_collect(stream, self.log(alloc_id, task, kind))))
        running.waiter = loop.create_task(self._wait(running))
        log.info("started %s/%s pid %d: %s", alloc_id[:8], task, process.pid, " ".join(command))
        return True

    async def _wait(self, running: RunningTask) -> None:
        code = await running.process.wait()
        running.returncode = code
        running.exited.set()
        if self.running.get((running.alloc_id, running.task)) is running:
            del self.running[(running.alloc_id, running.task)]
        # The whole process group goes, so a shell's children never outlive the task.
        kill_group(running.process.pid)
        if not running.expected_exit:
            exit_code, sig = exit_pair(code)
            log.info(
                "task %s/%s exited by itself: code %d signal %d", running.alloc_id[:8], running.task, exit_code, sig
            )
            self.on_exit(running.alloc_id, running.task, exit_code, sig)

    def signal(self, alloc_id: str, task: str, name: str) -> bool:
        running = self.running.get((alloc_id, task))
        if running is None:
            return False
        try:
            running.process.send_signal(signal_number(name))
        except ProcessLookupError:
            return False
        return True

    async def stop(self, alloc_id: str, task: str, timeout: float = 5.0) -> tuple[int, int]:
        """SIGTERM, then SIGKILL after `timeout`; returns (exit code, signal)."""
        running = self.running.get((alloc_id, task))
        if running is None:
            return (0, 0)
        running.expected_exit = True
        try:
            running.process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            await asyncio.wait_for(running.exited.wait(), timeout)
        except TimeoutError:
            kill_group(running.process.pid)
            await running.exited.wait()
        return exit_pair(running.returncode or 0)

    async def shutdown(self) -> None:
        for running in list(self.running.values()):
            running.expected_exit = True
            kill_group(running.process.pid)
        for running in list(self.running.values()):
            try:
                await asyncio.wait_for(running.exited.wait(), 2.0)
            except TimeoutError:
                pass

    def remove_root(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def kill_all_now(self) -> None:
        """Synchronous last resort (atexit): SIGKILL every process group we started."""
        for running in list(self.running.values()):
            kill_group(running.process.pid)
        self.running.clear()


async def _collect(stream: asyncio.StreamReader, writer: RotatingLog) -> None:
    """Copy a task's output into its log files until the pipe closes (every holder of it exited)."""
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        try:
            writer.append(chunk)
        except OSError as exc:  # the root is being removed at shutdown
            log.debug("log write failed: %s", exc)
            return


def read_proc_stats(pid: int) -> tuple[int, float] | None:
    """(RSS bytes, CPU seconds used) of a live process from /proc, or None."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        page = os.sysconf("SC_PAGE_SIZE")
        return int(fields[21]) * page, (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, IndexError, ValueError):
        return None
