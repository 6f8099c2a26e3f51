"""Insertion-ordered ID collections with O(1) random pick and removal, deterministic across runs.

Python's `set` iterates in an order that depends on per-process hash salting, which would make churn
differ between two runs with the same --seed; these keep a list as the source of order.
"""

from __future__ import annotations

import random
from collections import deque


class PickableIds:
    """IDs with O(1) add, remove (swap with the last) and uniform random pick."""

    def __init__(self) -> None:
        self._items: list[str] = []
        self._pos: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: str) -> bool:
        return item in self._pos

    def add(self, item: str) -> None:
        if item not in self._pos:
            self._pos[item] = len(self._items)
            self._items.append(item)

    def discard(self, item: str) -> None:
        pos = self._pos.pop(item, None)
        if pos is None:
            return
        last = self._items.pop()
        if pos < len(self._items):
            self._items[pos] = last
            self._pos[last] = pos

    def pick(self, rng: random.Random) -> str:
        return self._items[rng.randrange(len(self._items))]


class AgeOrderedIds:
    """IDs oldest first with O(1) add, discard and pop of the oldest still present."""

    def __init__(self) -> None:
        self._queue: deque[str] = deque()
        self._live: dict[str, None] = {}

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, item: str) -> bool:
        return item in self._live

    def add(self, item: str) -> None:
        if item not in self._live:
            self._live[item] = None
            self._queue.append(item)

    def discard(self, item: str) -> None:
        self._live.pop(item, None)

    def oldest(self) -> str | None:
        while self._queue and self._queue[0] not in self._live:
            self._queue.popleft()
        return self._queue[0] if self._queue else None
