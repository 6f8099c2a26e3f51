"""AllocStore: the allocations we know, keyed by ID, and what each new list changed.

Nomad's list endpoint always answers with the whole list, so every answer is compared with what we
hold, by ModifyIndex (Nomad bumps it on every write to an allocation, docs/nomad-wire.md §12).  The comparison is
the only per-allocation work: display rows are built lazily, for the rows somebody renders or
filters, and cached until the allocation changes.  So a change to 10 of 100,000 allocations builds
at most 10 rows, and the first paint of 100,000 builds only the ~50 on screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

import msgspec

from nomad_tui.api.models import AllocStub
from nomad_tui.state.rows import AllocRow, build_row

_ID = attrgetter("id")
_MODIFY_INDEX = attrgetter("modify_index")


@dataclass(slots=True)
class Diff:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __len__(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


class AllocStore:
    def __init__(self) -> None:
        self.stubs: dict[str, AllocStub] = {}
        self._rows: dict[str, AllocRow] = {}
        self.index = 0
        self._with_task_states: bool | None = None
        self._task_states_known = 0  # -1: count again when asked (after a whole-list apply)

    def __len__(self) -> int:
        return len(self.stubs)

    def __contains__(self, alloc_id: object) -> bool:
        return alloc_id in self.stubs

    def __iter__(self) -> Iterator[AllocStub]:
        return iter(self.stubs.values())

    def row(self, alloc_id: str) -> AllocRow:
        """The display row (built on first use); KeyError if the allocation is unknown."""
        row = self._rows.get(alloc_id)
        if row is None:
            row = self._rows[alloc_id] = build_row(self.stubs[alloc_id])
        return row

    def get(self, alloc_id: str) -> AllocRow | None:
        return self.row(alloc_id) if alloc_id in self.stubs else None

    def apply_list(self, stubs: Iterable[AllocStub], *, index: int = 0) -> Diff:
        """Make the store equal `stubs` (a complete list) and say what that changed."""
        if not isinstance(stubs, Sequence):
            stubs = list(stubs)
        since, self.index = self.index, index
        self._task_states_known = -1
        with_task_states = bool(stubs) and stubs[0].task_states is not None
        if not self.stubs:
            self.stubs = {stub.id: stub for stub in stubs if stub.id}
            self._with_task_states = with_task_states
            return Diff(added=list(self.stubs))
        if with_task_states != self._with_task_states and stubs:
            # The list switched between task_states=true and false: every row's Tasks column changes.
            self._with_task_states = with_task_states
            old = self.stubs
            self.stubs = {stub.id: stub for stub in stubs if stub.id}
            self._rows.clear()
            return Diff(
                added=[a for a in self.stubs if a not in old],
                changed=[a for a in self.stubs if a in old],
                removed=[a for a in old if a not in self.stubs],
            )
        if 0 < since < index:  # an equal or lower index: a resync or a restored agent, compare all
            return self._merge_since(stubs, since)
        return self._merge(stubs)

    def _merge_since(self, stubs: Sequence[AllocStub], since: int) -> Diff:
        """The common case, in C-level loops: Nomad bumps an allocation's ModifyIndex on every write,
        in the same index space as the list's X-Nomad-Index (docs/nomad-wire.md §12), so what changed since the
        last list we applied (index `since`) is exactly what has a ModifyIndex above it.  When nothing
        disappeared, the changes are written in place; the whole list is re-keyed only when something
        did (bench/dashboard.py P2: ~75 ms comparing every stub of 100k, a few ms this way)."""
        known = self.stubs
        rows = self._rows
        diff = Diff()
        written = list(compress(stubs, map(since.__lt__, map(_MODIFY_INDEX, stubs))))
        classified: set[str] = set()
        for stub in written:
            alloc_id = stub.id
            if alloc_id and alloc_id not in classified:  # a hostile server may repeat an ID
                classified.add(alloc_id)
                (diff.changed if alloc_id in known else diff.added).append(alloc_id)
                rows.pop(alloc_id, None)
        # The count says "nothing vanished" only if no ID is repeated: A B B has as many entries
        # as A B C, and would keep C forever.
        if len(stubs) == len(known) + len(diff.added) and len(set(map(_ID, stubs))) == len(stubs):
            for stub in written:  # the same allocations as before, some of them rewritten
                if stub.id:
                    known[stub.id] = stub
            return diff
        fresh = dict(zip(map(_ID, reversed(stubs)), reversed(stubs), strict=True))  # the first of a repeated ID
        fresh.pop("", None)
        diff.removed = list(known.keys() - fresh.keys())
        for alloc_id in diff.removed:
            rows.pop(alloc_id, None)
        self.stubs = fresh
        return diff

    def _merge(self, stubs: Iterable[AllocStub]) -> Diff:
        diff = Diff()
        known = self.stubs
        rows = self._rows
        get = known.get
        fresh: dict[str, AllocStub] = {}
        for stub in stubs:
            alloc_id = stub.id
            if alloc_id in fresh:
                continue  # a repeated ID (a hostile server): the first one counts
            fresh[alloc_id] = stub
            old = get(alloc_id)
            if old is None:
                if alloc_id:
                    diff.added.append(alloc_id)
            elif old.modify_index != stub.modify_index:
                diff.changed.append(alloc_id)
                rows.pop(alloc_id, None)
        fresh.pop("", None)
        if len(fresh) - len(diff.added) != len(known):
            diff.removed = [a for a in known if a not in fresh]
            for alloc_id in diff.removed:
                rows.pop(alloc_id, None)
        self.stubs = fresh
        return diff

    def upsert(self, stubs: Iterable[AllocStub], deletes: Iterable[str] = ()) -> Diff:
        """Apply individual changes (the event stream, a page of the first load) without a complete list.

        A stub replaces the one held only when its ModifyIndex is newer (events can be replayed and
        arrive twice), or, at the same ModifyIndex, when it brings task states the held one lacks. Event
        payloads carry no Job, so JobType/JobVersion (which an allocation keeps) come from the held stub.
        """
        diff = Diff()
        known = self.stubs
        for stub in stubs:
            alloc_id = stub.id
            if not alloc_id:
                continue
            old = known.get(alloc_id)
            if old is not None:
                if old.modify_index > stub.modify_index:
                    continue  # stale
                if old.modify_index == stub.modify_index and (stub.task_states is None or old.task_states is not None):
                    continue  # a duplicate, or the same write without the task states we hold
                if not stub.job_type and old.job_type:
                    stub = msgspec.structs.replace(stub, job_type=old.job_type, job_version=old.job_version)
            known[alloc_id] = stub
            self._rows.pop(alloc_id, None)
            self._count_task_states(old, stub)
            (diff.added if old is None else diff.changed).append(alloc_id)
        for alloc_id in deletes:
            old = known.pop(alloc_id, None)
            if old is not None:
                self._rows.pop(alloc_id, None)
                self._count_task_states(old, None)
                diff.removed.append(alloc_id)
        return diff

    def reconcile(
        self,
        stubs: Iterable[AllocStub],
        *,
        index: int,
        since: int,
        ids: set[str] | None = None,
        reset: bool = False,
    ) -> Diff:
        """Compare a complete list with what events have brought, and say what that changed.

        `stubs` is the list, or with `ids` (every ID the list held) only its stubs that may differ from
        ours. The list may be older than some events already applied (it was read while they streamed
        in), so a held stub is replaced only by a newer ModifyIndex, and a held allocation missing from
        the list is removed (Nomad sends no event when it garbage-collects one) only if nothing newer
        than `since` (the index the list was read from) wrote it. With `reset` (the index went
        backwards: a restored agent, every index rewritten) `stubs` is the whole list and it wins.
        """
        self.index = index
        if reset:
            self._task_states_known = -1
            return self._merge(stubs)
        if not isinstance(stubs, Sequence):
            stubs = list(stubs)
        seen = ids if ids is not None else set(map(_ID, stubs))
        diff = self.upsert(stubs)
        gone = [
            alloc_id for alloc_id, stub in self.stubs.items() if alloc_id not in seen and stub.modify_index <= since
        ]
        if gone:
            diff.removed.extend(self.upsert((), gone).removed)
        return diff

    def modify_index(self, alloc_id: str) -> int:
        """The held ModifyIndex, -1 for an unknown allocation."""
        stub = self.stubs.get(alloc_id)
        return -1 if stub is None else stub.modify_index

    def newest_in(self, namespace: str) -> int:
        """The highest ModifyIndex held in `namespace` (0 if none): one pass, asked once per stream."""
        return max((s.modify_index for s in self.stubs.values() if s.namespace == namespace), default=0)

    @property
    def task_states_known(self) -> int:
        """How many allocations we hold with their task states (lists above the threshold lack them)."""
        if self._task_states_known < 0:
            self._task_states_known = sum(1 for stub in self.stubs.values() if stub.task_states is not None)
        return self._task_states_known

    def _count_task_states(self, old: AllocStub | None, new: AllocStub | None) -> None:
        if self._task_states_known < 0:
            return
        self._task_states_known += (new is not None and new.task_states is not None) - (
            old is not None and old.task_states is not None
        )

    def clear(self) -> Diff:
        diff = Diff(removed=list(self.stubs))
        self.stubs = {}
        self._rows.clear()
        self._task_states_known = 0
        return diff
