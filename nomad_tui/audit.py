"""The audit log: one JSON line per action sent to a cluster (stop, signal, restart, exec open/close).

The file is `$XDG_STATE_HOME/nomad-tui/audit.jsonl` (default `~/.local/state/nomad-tui/audit.jsonl`).  Each
record says when, where (context, address, namespace), on what (allocation, job, task, signal) and how it
ended (`result`, or `error`).  It never holds a token: records are built from named fields only, and the
address is the display form without userinfo.

Writing must never block or break an action: records go onto a queue that one daemon thread appends to
the file; a failure to write is remembered (and shown once by the UI), never raised to the caller.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AUDIT_FILE_NAME = "audit.jsonl"
# What `:audit` reads back: the file's tail, so a years-old log does not load whole.
READ_TAIL_BYTES = 512 * 1024
QUEUE_LIMIT = 10_000  # records waiting for the writer; beyond it records are counted as dropped


def default_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".local" / "state")
    return Path(base) / "nomad-tui" / AUDIT_FILE_NAME


@dataclass(frozen=True, slots=True)
class AuditRecord:
    action: str  # stop | signal | restart | exec-open | exec-close
    context: str
    address: str
    namespace: str
    allocation: str
    job: str = ""
    task: str = ""
    signal: str = ""
    result: str = ""  # what happened, in the words shown to the user
    error: str = ""  # set instead of result when the action failed
    time: str = ""  # ISO 8601 UTC; filled in when empty

    def to_json(self) -> str:
        fields: dict[str, Any] = {
            "time": self.time or datetime.now(UTC).isoformat(timespec="milliseconds"),
            "action": self.action,
            "context": self.context,
            "address": self.address,
            "namespace": self.namespace,
            "allocation": self.allocation,
        }
        for name in ("job", "task", "signal", "result", "error"):
            value = getattr(self, name)
            if value:
                fields[name] = value
        return json.dumps(fields, ensure_ascii=True, sort_keys=False)


class AuditLog:
    """Appends records on a background thread; `write` returns at once and never raises."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failure: str = ""  # the first reason a record could not be written, for the UI to show
        self.dropped = 0
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def write(self, record: AuditRecord) -> None:
        try:
            line = record.to_json()
        except (TypeError, ValueError) as exc:  # a field that is not text: a bug, but never the action's
            self._fail(f"cannot encode an audit record: {exc}")
            return
        self._ensure_thread()
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is on disk (tests and shutdown); False on timeout."""
        if self._thread is None:
            return True
        done = threading.Event()

        def wait_for_writer() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait_for_writer, daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="nomad-tui-audit", daemon=True)
                self._thread.start()

    def _fail(self, reason: str) -> None:
        if not self.failure:
            self.failure = reason

    def _run(self) -> None:
        while True:
            line = self._queue.get()
            try:
                if line is None:
                    return
                self._append(line)
            finally:
                self._queue.task_done()

    def _append(self, line: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # 0600: the log names clusters, jobs and allocations; it is the user's, not the world's.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            self._fail(f"cannot write the audit log {self.path}: {exc.strerror or exc}")


def read_tail(path: Path, limit: int = READ_TAIL_BYTES) -> list[dict[str, Any]]:
    """The newest records (oldest first) from the file's last `limit` bytes; bad lines are skipped."""
    try:
        with path.open("rb") as source:
            size = source.seek(0, os.SEEK_END)
            source.seek(max(0, size - limit))
            data = source.read(limit)
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    if len(data) == limit and lines:
        lines = lines[1:]  # the first line was cut by the tail
    records: list[dict[str, Any]] = []
    for raw in lines:
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records
