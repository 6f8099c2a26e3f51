"""The list watcher on its own (no app): payload choice and the `*`-denied namespace fallback."""

from __future__ import annotations

import asyncio
import json

from scripted_server import Reply, ScriptedServer, Seen

from nomad_tui.api.client import NomadClient
from nomad_tui.settings import resolve
from nomad_tui.ui.messages import AllocListFetched, ListConnectionChanged
from nomad_tui.ui.watchers import AllocListWatcher


def stub(alloc_id: str, namespace: str) -> dict[str, object]:
    return {"ID": alloc_id, "Namespace": namespace, "JobID": "j", "ClientStatus": "running", "ModifyIndex": 5}


async def test_star_denied_falls_back_to_the_readable_namespaces() -> None:
    lists = {"web": [stub("aa" * 4 + "-1", "web")], "batch": [stub("bb" * 4 + "-2", "batch")]}

    def answer(seen: Seen) -> Reply:
        if seen.path == "/v1/namespaces":
            return Reply.json([{"Name": "web"}, {"Name": "batch"}], index=3)
        namespace = seen.query.get("namespace", [""])[0]
        if namespace == "*":
            return Reply.error(403, "Permission denied")
        if "index" in seen.query:
            return Reply(hang=True)  # nothing changes after the first answer
        return Reply.json(lists[namespace], index=9)

    messages: list[object] = []
    delivered = asyncio.Event()

    def post(message: object) -> None:
        messages.append(message)
        if isinstance(message, AllocListFetched):
            delivered.set()

    async with ScriptedServer(answer) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        watcher = AllocListWatcher(client, "*", post)
        task = asyncio.create_task(watcher.run())
        await asyncio.wait_for(delivered.wait(), 10)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    fetched = [m for m in messages if isinstance(m, AllocListFetched)]
    assert {s.id for s in fetched[0].stubs} == {"aaaaaaaa-1", "bbbbbbbb-2"}  # both namespaces, merged
    assert watcher.fallback_namespaces == ["batch", "web"]
    asked = [(s.path, s.query.get("namespace", [None])[0]) for s in server.seen]
    assert ("/v1/allocations", "*") in asked and ("/v1/allocations", "web") in asked
    assert not any(isinstance(m, ListConnectionChanged) and m.state.error_kind for m in messages[-1:])


async def test_small_clusters_get_task_states_big_ones_do_not() -> None:
    def answer(seen: Seen) -> Reply:
        count = 3
        if "index" in seen.query and seen.query.get("task_states") != ["false"]:
            return Reply(hang=True)
        return Reply(
            body=json.dumps([stub(f"{i:08x}-x", "default") for i in range(count)]).encode(),
            headers={"X-Nomad-Index": "4"},
        )

    posted: list[object] = []
    async with ScriptedServer(answer) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        watcher = AllocListWatcher(client, "*", posted.append, task_states_limit=2000)
        task = asyncio.create_task(watcher.run())
        await server.wait_for_requests(4)  # /v1/agent/self (the version decides what `*` means), 3 lists
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    first, second = [seen for seen in server.seen if seen.path == "/v1/allocations"][:2]
    assert first.query["task_states"] == ["false"]  # first paint: the lightest payload
    assert "task_states" not in second.query and "index" not in second.query  # small: switch at once
    assert watcher.task_states


def test_list_queries_are_paced_by_answer_size() -> None:
    watcher = AllocListWatcher(NomadClient(resolve({}, {}, {})), "*", lambda m: None)
    query = watcher._query("*")
    watcher._pace(10_000)
    assert query.min_interval < 0.001
    watcher._pace(9_000_000)
    assert query.min_interval == 0.0  # 10k allocations: not paced
    watcher._pace(88_000_000)
    assert 0.8 < query.min_interval < 0.95
    watcher._pace(900_000_000)
    assert query.min_interval == 3.0


async def test_namespace_fallback_never_holds_more_queries_than_its_slots(monkeypatch: object) -> None:
    import nomad_tui.ui.watchers as watchers

    monkeypatch.setattr(watchers, "FALLBACK_TURN_WAIT", 0.1)  # type: ignore[attr-defined]
    names = [f"ns{i:02d}" for i in range(80)]
    in_flight = 0
    most = 0
    answered: set[str] = set()

    def answer(seen: Seen) -> Reply:
        nonlocal in_flight, most
        if seen.path == "/v1/namespaces":
            return Reply.json([{"Name": n} for n in names], index=3)
        if seen.path != "/v1/allocations":
            return Reply.error(404, "")
        namespace = seen.query.get("namespace", [""])[0]
        if namespace == "*":
            return Reply.error(403, "Permission denied")
        answered.add(namespace)
        return Reply.json([stub(f"{names.index(namespace):08x}-x", namespace)], index=9, delay=0.1)

    async with ScriptedServer(answer) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        original = client.list_allocations

        async def counting(**kw: object) -> object:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await original(**kw)  # type: ignore[arg-type]
            finally:
                in_flight -= 1

        client.list_allocations = counting  # type: ignore[method-assign]
        fetched = asyncio.Event()

        def post(message: object) -> None:
            if isinstance(message, AllocListFetched):
                fetched.set()

        watcher = AllocListWatcher(client, "*", post)
        task = asyncio.create_task(watcher.run())
        await asyncio.wait_for(fetched.wait(), 30)  # every namespace answered once: the merged list
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    assert answered == set(names)
    assert most <= watchers.MAX_HELD_QUERIES < len(names)


async def test_a_slow_agent_self_does_not_hold_the_first_list(monkeypatch: object) -> None:
    import nomad_tui.ui.watchers as watchers

    monkeypatch.setattr(watchers, "AGENT_INFO_WAIT", 0.2)  # type: ignore[attr-defined]

    def answer(seen: Seen) -> Reply:
        if seen.path == "/v1/agent/self":
            return Reply(hang=True)
        if "index" in seen.query:
            return Reply(hang=True)
        return Reply.json([stub("cc" * 4 + "-3", "default")], index=4)

    fetched = asyncio.Event()

    def post(message: object) -> None:
        if isinstance(message, AllocListFetched):
            fetched.set()

    async with ScriptedServer(answer) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        task = asyncio.create_task(AllocListWatcher(client, "*", post).run())
        try:
            await asyncio.wait_for(fetched.wait(), 10)  # agent/self would hold it for its 30 s read timeout
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await client.aclose()
