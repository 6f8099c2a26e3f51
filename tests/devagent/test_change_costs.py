"""A change costs work proportional to the change: no full-list walks for events, and blocking reads of
one allocation wake when it is garbage-collected."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from nomad_tui.devagent import wire
from nomad_tui.devagent.events import EventBroker
from nomad_tui.devagent.model.cluster import Cluster
from nomad_tui.devagent.model.ids import IdSource
from nomad_tui.devagent.model.population import populate
from nomad_tui.devagent.watch import WatchHub

from .helpers import until_in_flight

ORIGIN = 1_790_000_000 * 1_000_000_000


class CountingDict(dict):  # type: ignore[type-arg]
    """A dict that counts walks over all of it (iteration, keys/values/items, copies)."""

    walks = 0

    def __iter__(self) -> Any:
        CountingDict.walks += 1
        return super().__iter__()

    def values(self) -> Any:
        CountingDict.walks += 1
        return super().values()

    def items(self) -> Any:
        CountingDict.walks += 1
        return super().items()

    def keys(self) -> Any:
        CountingDict.walks += 1
        return super().keys()


class CountingList(list):  # type: ignore[type-arg]
    walks = 0

    def __iter__(self) -> Any:
        CountingList.walks += 1
        return super().__iter__()


async def test_a_change_with_event_subscribers_walks_no_list(monkeypatch: Any) -> None:
    cluster = Cluster(lambda: ORIGIN, IdSource(2))
    populate(cluster, 500, 2, ORIGIN, real_processes=False)
    broker, hub = EventBroker(), WatchHub()
    cluster.listeners += [hub.on_commit, broker.on_commit]
    subs = [broker.subscribe(cluster.index + 1, None, None) for _ in range(5)]
    subs.append(broker.subscribe(cluster.index + 1, frozenset({"prod"}), frozenset({"no-such-job"})))
    encoded: list[str] = []
    full = wire.full_allocation
    monkeypatch.setattr(wire, "full_allocation", lambda a, **kw: encoded.append(a.ID) or full(a, **kw))
    monkeypatch.setattr(wire, "stub", lambda *a: (_ for _ in ()).throw(AssertionError("a stub was built")))
    cluster.allocs = CountingDict(cluster.allocs)
    cluster.order = CountingList(cluster.order)
    cluster.sorted_ids = CountingList(cluster.sorted_ids)
    target = next(a for a in cluster.allocs.values() if a.ClientStatus == "running" and a.DesiredStatus == "run")
    CountingDict.walks = CountingList.walks = 0

    cluster.signal(target.ID, None, "SIGHUP")
    cluster.request_stop(target.ID, False, False)
    cluster.migrate(target.ID)

    assert CountingDict.walks == 0 and CountingList.walks == 0
    assert encoded[0] == target.ID and len(encoded) == 4  # signal, stop, and stop+replacement
    for sub in subs[:5]:
        assert sub.queue.qsize() == 3
    first = subs[0].queue.get_nowait()
    assert first is not None and [ev.key for ev in subs[0].select(first)] == [target.ID]
    filtered = subs[5].queue.get_nowait()
    assert filtered is not None and subs[5].select(filtered) == []


async def test_alloc_wait_wakes_on_gc_with_404(fresh_agent: Any) -> None:
    agent = fresh_agent(allocs=3)
    alloc_id = agent.create(job="gc-wait")[0]
    modify = agent.client.get(f"/v1/allocation/{alloc_id}").json()["ModifyIndex"]
    # A 5 minute wait and a client that gives up after 60 s: an answer means it was woken.
    async with httpx.AsyncClient(base_url=agent.url, timeout=60) as client:
        params = {"index": str(modify), "wait": "5m"}
        waiting = asyncio.ensure_future(client.get(f"/v1/allocation/{alloc_id}", params=params))
        await until_in_flight(client, f"/v1/allocation/{alloc_id}", f"index={modify}")
        assert not waiting.done()
        gc = (await client.post(f"/v1/devagent/alloc/{alloc_id}/gc")).json()
        response = await waiting
        assert (response.status_code, response.text) == (404, "alloc not found")
        assert int(response.headers["X-Nomad-Index"]) == gc["index"] > modify
        # Asking again with the old index answers at once (not after 5 minutes): the index is already past it.
        again = await client.get(f"/v1/allocation/{alloc_id}", params=params)
        assert again.status_code == 404
