"""List bodies joined from cached per-allocation stubs are byte-identical to a whole-list encode, and a
change re-encodes only what changed."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from nomad_tui.devagent import wire
from nomad_tui.devagent.http import compression, list_query, server
from nomad_tui.devagent.http.list_query import ListCache, ListQuery, _ordered
from nomad_tui.devagent.model.churn import Churn
from nomad_tui.devagent.model.cluster import Cluster
from nomad_tui.devagent.model.ids import IdSource
from nomad_tui.devagent.model.population import populate

ORIGIN = 1_790_000_000 * 1_000_000_000


def make(allocs: int = 60, seed: int = 4) -> Cluster:
    cluster = Cluster(lambda: ORIGIN, IdSource(seed))
    populate(cluster, allocs, seed, ORIGIN, real_processes=False)
    return cluster


def query(**overrides: object) -> ListQuery:
    base: dict[str, object] = {
        "namespace": "*",
        "prefix": "",
        "filter": "",
        "task_states": True,
        "resources": False,
        "per_page": 0,
        "next_token": "",
        "reverse": False,
        "pretty": False,
    }
    base.update(overrides)
    return ListQuery(**base)  # type: ignore[arg-type]


def reference(cluster: Cluster, q: ListQuery) -> bytes:
    """What the list encoded as a whole gives (the previous implementation's path)."""
    return wire.encode_stubs(list(_ordered(cluster, q)), q.task_states, q.resources, q.pretty)


VARIANTS = [
    query(task_states=ts, resources=res, pretty=pretty, namespace=ns, reverse=rev)
    for ts, res, pretty, ns, rev in itertools.product(
        (True, False), (True, False), (False, True), ("*", "prod"), (False, True)
    )
]


def check_all(cache: ListCache, cluster: Cluster) -> None:
    for q in VARIANTS:
        assert cache.get(q).joined() == reference(cluster, q), q


@pytest.fixture(params=["joined", "streamed"])
def join_below(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run with small bodies kept joined (the default) and with every body kept as pieces."""
    if request.param == "streamed":
        monkeypatch.setattr(list_query, "JOIN_BELOW", 0)


@pytest.mark.usefixtures("join_below")
def test_joined_bodies_match_a_whole_encode_through_churn_gc_and_restore() -> None:
    cluster = make()
    cache = ListCache(cluster)
    check_all(cache, cluster)
    churn = Churn(cluster, 4, 60)
    for _ in range(3):
        for _ in range(15):
            churn.step()
        check_all(cache, cluster)
    # A restore rewrites indexes; later writes may bring an old ModifyIndex back with new content.
    cluster.restore(cluster.index // 2)
    check_all(cache, cluster)
    for _ in range(30):
        churn.step()
    check_all(cache, cluster)
    assert len(cache.stubs) <= len(cluster.allocs)  # GC'd allocations leave the stub cache


def test_a_change_re_encodes_only_the_changed_allocation(monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = make(200)
    cache = ListCache(cluster)
    q = query(task_states=False)
    cache.get(q)
    encoded: list[int] = []
    original = wire.encode_stub_pieces

    def counting(allocs: list, task_states: bool, resources: bool) -> list[bytes]:  # type: ignore[type-arg]
        encoded.append(len(allocs))
        return original(allocs, task_states, resources)

    monkeypatch.setattr(wire, "encode_stub_pieces", counting)
    target = next(a for a in cluster.allocs.values() if a.ClientStatus == "running")
    cluster.signal(target.ID, None, "SIGHUP")
    assert cache.get(q).joined() == reference(cluster, q)
    assert encoded == [1]
    assert cache.get(query(task_states=False, namespace=target.Namespace)).joined()
    assert encoded == [1]  # another filter over the same stubs encodes nothing


def test_empty_and_filtered_lists() -> None:
    cluster = make(10)
    cache = ListCache(cluster)
    assert cache.get(query(namespace="nowhere")).joined() == b"[]"
    assert cache.get(query(namespace="nowhere", pretty=True)).joined() == wire.encode([], pretty=True)
    q = query(filter='ClientStatus == "running"', per_page=2)
    entry = cache.get(q)
    assert entry.joined().count(b'"ClientStatus":"running"') == 2 and entry.next_token
    one = cache.get(query(per_page=1))
    assert one.joined() == reference(cluster, query())[: one.length - 1] + b"]" and one.length == len(one.joined())


@pytest.mark.parametrize("target", [1, 700, 5000, 10**9])
def test_sent_batches_and_compression_match_the_whole_body(target: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_query, "JOIN_BELOW", 0)
    cluster = make(40)
    entry = ListCache(cluster).get(query())
    assert len(entry.pieces) == 40
    body = entry.joined()
    assert entry.length == len(body)
    assert b"".join(entry.chunks(target)) == body
    for encoding in ("gzip", "deflate"):
        whole = compression.compress(encoding, body)
        assert compression.compress_chunks(encoding, entry.chunks(target), entry.length) == whole


def test_identity_does_no_compression_and_gzip_is_shared(fresh_agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = server.compress_chunks

    def counting(encoding: str, chunks: Any, length: int) -> bytes:
        calls.append(encoding)
        return original(encoding, chunks, length)

    monkeypatch.setattr(server, "compress_chunks", counting)
    agent = fresh_agent(allocs=30)
    params = {"namespace": "*"}
    plain = agent.client.get("/v1/allocations", params=params, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and calls == []
    for _ in range(2):  # the second watcher at the same index gets the cached compressed body
        gz = agent.client.get("/v1/allocations", params=params, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip" and gz.content == plain.content
    assert calls == ["gzip"]
