"""Wake-ups for blocking queries: list waiters wake on any commit, alloc waiters only on their alloc."""

from __future__ import annotations

import asyncio

from nomad_tui.devagent.model.cluster import Commit


class WatchHub:
    def __init__(self) -> None:
        self._table: list[asyncio.Future[None]] = []
        self._allocs: dict[str, list[asyncio.Future[None]]] = {}

    def on_commit(self, commit: Commit) -> None:
        if commit.restored:
            # A snapshot restore wakes every waiter.
            for waiters in self._allocs.values():
                _wake(waiters)
            self._allocs.clear()
        else:
            for _, alloc in commit.changes:
                _wake(self._allocs.pop(alloc.ID, []))
            for alloc_id in commit.deleted:
                _wake(self._allocs.pop(alloc_id, []))
        _wake(self._table)
        self._table = []

    async def wait_table(self, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._table.append(fut)
        try:
            await _wait(fut, timeout)
        finally:
            # Timed-out waiters leave at once: a quiet cluster must not collect them until its next write.
            if fut in self._table:
                self._table.remove(fut)

    async def wait_alloc(self, alloc_id: str, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._allocs.setdefault(alloc_id, []).append(fut)
        try:
            await _wait(fut, timeout)
        finally:
            waiters = self._allocs.get(alloc_id)
            if waiters is not None and fut in waiters:
                waiters.remove(fut)
                if not waiters:
                    del self._allocs[alloc_id]


def _wake(waiters: list[asyncio.Future[None]]) -> None:
    for fut in waiters:
        if not fut.done():
            fut.set_result(None)


async def _wait(fut: asyncio.Future[None], timeout: float) -> None:
    try:
        await asyncio.wait_for(fut, timeout if timeout > 0 else 0)
    except TimeoutError:
        pass
