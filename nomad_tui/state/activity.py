"""The activity feed: a bounded, time-ordered record of allocation changes, fed by the same diffs the
allocation list applies (so it needs no connection of its own and works with any list engine).

It remembers two small facts per allocation (client status, restarts per task) to say what changed:
created, status from -> to, task restarted.  A failure's reason (the last task
event's message) is not in the list stubs; the screen asks for it while the activity is on show and
fills it in (`explain`): on a busy cluster, reading every failed allocation in the background cost
more than following the cluster did.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

from nomad_tui.api.models import AllocStub
from nomad_tui.state.rows import AllocRow
from nomad_tui.state.store import AllocStore, Diff

ACTIVITY_LIMIT = 2000  # entries kept; the oldest fall off
_seq = count(1)


@dataclass(slots=True)
class ActivityEntry:
    time_ns: int
    alloc_id: str
    short_id: str
    namespace: str
    job: str
    group: str
    kind: str  # created, status, restarted
    text: str
    failed: bool = False
    detail: str = ""  # filled in later: the failure's last event message
    asked: bool = False  # its reason was asked for (once: a garbage-collected one has none to give)
    seq: int = field(default_factory=lambda: next(_seq))


def _restarted_tasks(stub: AllocStub, before: dict[str, int]) -> list[str]:
    return sorted(name for name, s in (stub.task_states or {}).items() if s.restarts > before.get(name, s.restarts))


class ActivityFeed:
    def __init__(self, limit: int = ACTIVITY_LIMIT) -> None:
        self.entries: deque[ActivityEntry] = deque(maxlen=limit)
        self._status: dict[str, str] = {}
        self._restarts: dict[str, dict[str, int]] = {}
        self._primed = False
        self.version = 0

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ActivityEntry]:
        return iter(self.entries)

    def reset(self) -> None:
        """Another namespace or cluster: what we knew no longer applies (entries stay, marked by time)."""
        self._status.clear()
        self._restarts.clear()
        self._primed = False

    def observe(self, store: AllocStore, diff: Diff) -> list[ActivityEntry]:
        """Record what `diff` (already applied to `store`) changed; the first list only primes."""
        made: list[ActivityEntry] = []
        quiet = not self._primed
        self._primed = True
        for alloc_id in (*diff.added, *diff.changed):
            stub = store.stubs.get(alloc_id)
            if stub is None:
                continue
            row = store.row(alloc_id)
            old = self._status.get(alloc_id)
            new = row.status
            if not quiet:
                if old is None:
                    made.append(self._entry(stub, row, "created", f"created ({new})", new == "failed"))
                elif old != new:
                    made.append(self._entry(stub, row, "status", f"{old} → {new}", new == "failed"))
                tasks = _restarted_tasks(stub, self._restarts.get(alloc_id, {}))
                if tasks:
                    made.append(self._entry(stub, row, "restarted", f"task {', '.join(tasks)} restarted", False))
            self._status[alloc_id] = new
            if stub.task_states:
                self._restarts[alloc_id] = {n: s.restarts for n, s in stub.task_states.items()}
        for alloc_id in diff.removed:
            self._status.pop(alloc_id, None)
            self._restarts.pop(alloc_id, None)
        if made:
            made.sort(key=lambda e: e.time_ns)
            self.entries.extend(made)
            self.version += 1
        return made

    def _entry(self, stub: AllocStub, row: AllocRow, kind: str, text: str, failed: bool) -> ActivityEntry:
        return ActivityEntry(
            stub.modify_time, stub.id, row.short_id, row.namespace, row.job, row.group, kind, text, failed
        )

    def explain(self, entry: ActivityEntry, message: str) -> None:
        entry.detail = message
        self.version += 1

    def newest_first(self, namespace: str | None = None, job: str | None = None) -> list[ActivityEntry]:
        chosen = [e for e in self.entries if (job is None or (e.job == job and e.namespace == namespace))]
        return sorted(chosen, key=lambda e: (e.time_ns, e.seq), reverse=True)
