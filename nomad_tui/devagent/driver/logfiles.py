"""Task log files as a Nomad client keeps them: `alloc/logs/<task>.<type>.<N>`, rotated by size.

Nomad's log collector (client/lib/fifo + logmon's FileRotator) writes a task's stdout and stderr into
numbered files: when the current file reaches `max_file_size` it opens the next index, and only the
newest `max_files` files are kept. Readers see a set of files whose lowest index grows over time.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

_LOG_NAME = re.compile(r"^(?P<task>.+)\.(?P<kind>stdout|stderr)\.(?P<index>\d+)$")


@dataclass(frozen=True)
class LogLimits:
    max_bytes: int = 10 * 1024 * 1024  # Nomad's default logs { max_file_size = 10 } (MiB)
    max_files: int = 10


def log_name(task: str, kind: str, index: int) -> str:
    return f"{task}.{kind}.{index}"


def log_indexes(directory: Path, task: str, kind: str) -> list[int]:
    """The retained file indexes of one task's log, lowest first."""
    found = []
    try:
        names = [entry.name for entry in directory.iterdir()]
    except OSError:
        return []
    for name in names:
        match = _LOG_NAME.match(name)
        if match and match.group("task") == task and match.group("kind") == kind:
            found.append(int(match.group("index")))
    return sorted(found)


class RotatingLog:
    """Appends to the newest file, rotating at `max_bytes` and dropping files beyond `max_files`."""

    def __init__(self, directory: Path, task: str, kind: str, limits: LogLimits) -> None:
        self.directory = directory
        self.task = task
        self.kind = kind
        self.limits = limits
        indexes = log_indexes(directory, task, kind)
        self.index = indexes[-1] if indexes else 0

    @property
    def current(self) -> Path:
        return self.directory / log_name(self.task, self.kind, self.index)

    def create(self) -> None:
        """Make sure the current file exists (Nomad's rotator opens it when the task starts)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.current.touch()

    def append(self, data: bytes) -> int:
        """Write `data` (across as many files as it takes); returns the current file's size after."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.current
        size = path.stat().st_size if path.exists() else 0
        while True:
            room = self.limits.max_bytes - size
            if room <= 0:
                self._rotate()
                path, size, room = self.current, 0, self.limits.max_bytes
            piece, data = data[:room], data[room:]
            with open(path, "ab") as fh:
                fh.write(piece)
            size += len(piece)
            if not data:
                return size

    def _rotate(self) -> None:
        self.index += 1
        self.current.touch()
        oldest_kept = self.index - self.limits.max_files + 1
        for index in log_indexes(self.directory, self.task, self.kind):
            if index < oldest_kept:
                with contextlib.suppress(OSError):
                    (self.directory / log_name(self.task, self.kind, index)).unlink()
