"""AllocView: the sorted, filtered order the table shows, kept up to date incrementally.

The order is held ascending by sort key (each key ends with the allocation ID, so keys are unique)
in two aligned lists, and a descending sort is read back to front.  A Diff of k allocations costs
k bisections and list insertions/removals, not a re-sort of 100,000 rows; a full rebuild happens
only when the sort or the filter changes, or when most of the list changed at once.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter, gt, lt

from nomad_tui.api.models import AllocStub
from nomad_tui.state.alloc_columns import SORT_KEYS
from nomad_tui.state.filtering import AllocFilter
from nomad_tui.state.rows import AllocRow
from nomad_tui.state.store import AllocStore, Diff

_ID = attrgetter("id")
_CREATE_INDEX = attrgetter("create_index")

# Above this share of the view changing at once, one full sort is cheaper than many insertions.
REBUILD_FRACTION = 0.2
# Above this many additions alone, they are merged in one sort rather than inserted one by one.
MERGE_ABOVE = 256


@dataclass(frozen=True, slots=True)
class SortSpec:
    column: str = "age"
    descending: bool = True


class AllocView:
    def __init__(self, store: AllocStore, sort: SortSpec | None = None, filter_text: str = "") -> None:
        self.store = store
        self.sort = sort or SortSpec()
        self.filter = AllocFilter(filter_text)
        self._keys: list[tuple[object, ...]] = []
        self._ids: list[str] = []
        self._key_of: dict[str, tuple[object, ...]] = {}
        # Stubs whose keys are not computed yet (see rebuild); they are immutable, so keys computed
        # later are the keys they had when the order was made.
        self._unkeyed: list[AllocStub] | None = None
        self.rebuild()

    # ------------------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self._ids)

    def id_at(self, position: int) -> str:
        ids = self._ids
        return ids[len(ids) - 1 - position] if self.sort.descending else ids[position]

    def row_at(self, position: int) -> AllocRow:
        return self.store.row(self.id_at(position))

    def _ensure_keys(self) -> None:
        unkeyed = self._unkeyed
        if unkeyed is not None:
            self._unkeyed = None
            self._keys = list(map(SORT_KEYS[self.sort.column], unkeyed))
            self._key_of = dict(zip(self._ids, self._keys, strict=True))

    def position_of(self, alloc_id: str) -> int | None:
        self._ensure_keys()
        key = self._key_of.get(alloc_id)
        if key is None:
            return None
        i = bisect_left(self._keys, key)
        return len(self._ids) - 1 - i if self.sort.descending else i

    def __contains__(self, alloc_id: object) -> bool:
        self._ensure_keys()
        return alloc_id in self._key_of

    def ids(self) -> list[str]:
        return self._ids[::-1] if self.sort.descending else list(self._ids)

    # ------------------------------------------------------------------------------ changing
    def set_sort(self, sort: SortSpec) -> None:
        self.sort = sort
        self.rebuild()

    def set_filter(self, text: str) -> None:
        self.filter = AllocFilter(text)
        self.rebuild()

    def rebuild(self) -> None:
        key = SORT_KEYS[self.sort.column]
        wanted = self.filter
        stubs = self.store.stubs
        self._unkeyed = None
        if not wanted and self.sort.column == "age":
            ordered = list(stubs.values())
            create = list(map(_CREATE_INDEX, ordered))
            if all(map(gt, create, islice(create, 1, None))):
                # Loaded newest first (paged with reverse=true): the same order, read backwards.
                ordered.reverse()
                create.reverse()
            if all(map(lt, create, islice(create, 1, None))):
                # Nomad lists oldest first (docs/nomad-wire.md §2): already in age order.  The first paint of
                # 100k allocations needs only the IDs; keys wait until a bisection needs them.
                self._ids = list(map(_ID, ordered))
                self._unkeyed = ordered
                return
        if wanted:
            row = self.store.row
            keys = sorted(key(stub) for alloc_id, stub in stubs.items() if wanted(row(alloc_id)))
        else:
            keys = sorted(map(key, stubs.values()))
        self._keys = keys
        self._ids = [k[-1] for k in keys]  # type: ignore[misc]  # the ID ends every key
        self._key_of = dict(zip(self._ids, self._keys, strict=True))

    def apply(self, diff: Diff) -> bool:
        """Bring the order up to date with a store Diff; True if the visible order or set changed."""
        if not diff:
            return False
        self._ensure_keys()
        if len(diff) > max(64, REBUILD_FRACTION * len(self._ids)):
            self.rebuild()
            return True
        if len(diff.added) > MERGE_ABOVE and not diff.changed and not diff.removed:
            return self._merge_added(diff.added)
        moved = False
        key_fn = SORT_KEYS[self.sort.column]
        stubs = self.store.stubs
        row = self.store.row
        wanted = self.filter
        for alloc_id in diff.removed:
            moved |= self._remove(alloc_id)
        for alloc_id in (*diff.changed, *diff.added):
            new_key = key_fn(stubs[alloc_id]) if not wanted or wanted(row(alloc_id)) else None
            old_key = self._key_of.get(alloc_id)
            if old_key == new_key:
                continue
            if old_key is not None:
                self._remove(alloc_id)
            if new_key is not None:
                i = bisect_left(self._keys, new_key)
                self._keys.insert(i, new_key)
                self._ids.insert(i, alloc_id)
                self._key_of[alloc_id] = new_key
            moved = True
        return moved

    def _merge_added(self, added: list[str]) -> bool:
        """Many new allocations at once (a page of the first load): one sort of the old keys followed
        by the new ones, which Timsort merges as two runs in linear time, instead of thousands of
        insertions that each shift a million-entry list."""
        key_fn = SORT_KEYS[self.sort.column]
        stubs = self.store.stubs
        row = self.store.row
        wanted = self.filter
        key_of = self._key_of
        fresh = [
            key_fn(stubs[alloc_id])
            for alloc_id in added
            if alloc_id not in key_of and (not wanted or wanted(row(alloc_id)))
        ]
        if not fresh:
            return False
        fresh.sort()
        self._keys.extend(fresh)
        self._keys.sort()
        self._ids = [k[-1] for k in self._keys]  # type: ignore[misc]  # the ID ends every key
        key_of.update(zip((k[-1] for k in fresh), fresh, strict=True))  # type: ignore[misc]
        return True

    def _remove(self, alloc_id: str) -> bool:
        key = self._key_of.pop(alloc_id, None)
        if key is None:
            return False
        i = bisect_left(self._keys, key)
        del self._keys[i]
        del self._ids[i]
        return True
