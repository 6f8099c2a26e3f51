"""The pure cluster model: indexes, lifecycles, reschedules, GC, churn determinism, key order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from nomad_tui.devagent import wire
from nomad_tui.devagent.model import records
from nomad_tui.devagent.model.churn import Churn
from nomad_tui.devagent.model.cluster import Cluster, Commit
from nomad_tui.devagent.model.ids import IdSource
from nomad_tui.devagent.model.population import populate
from nomad_tui.devagent.model.task_events import display_message
from nomad_tui.devagent.model.timefmt import go_duration, rfc3339nano

ORIGIN = 1_790_000_000 * 1_000_000_000


def make(allocs: int = 30, seed: int = 3) -> Cluster:
    cluster = Cluster(lambda: ORIGIN, IdSource(seed))
    populate(cluster, allocs, seed, ORIGIN, real_processes=False)
    return cluster


def running(cluster: Cluster) -> records.Allocation:
    return next(a for a in cluster.allocs.values() if a.ClientStatus == "running" and a.DesiredStatus == "run")


def test_struct_fields_are_declared_in_byte_order() -> None:
    for name in dir(records):
        cls = getattr(records, name)
        if isinstance(cls, type) and issubclass(cls, msgspec.Struct) and cls is not msgspec.Struct:
            fields = list(cls.__struct_fields__)
            assert fields == sorted(fields, key=lambda f: f.encode()), cls.__name__


def test_time_and_duration_text_follow_go() -> None:
    assert rfc3339nano(1_600_000_000_000_000_000) == "2020-09-13T12:26:40Z"
    assert rfc3339nano(1_600_000_000_120_000_000) == "2020-09-13T12:26:40.12Z"
    assert rfc3339nano(1_600_000_000_000_000_001, 7200) == "2020-09-13T14:26:40.000000001+02:00"


# Nomad's texts and Go's durations, shared with the app's port (tests/api/test_models.py).
NOMAD_FORMAT = json.loads((Path(__file__).parent.parent / "data" / "nomad_display_messages.json").read_text())


@pytest.mark.parametrize(("ns", "text"), NOMAD_FORMAT["durations"])
def test_go_durations_as_the_app_reads_them(ns: int, text: str) -> None:
    assert go_duration(ns) == text


@pytest.mark.parametrize(
    "case", [c for c in NOMAD_FORMAT["messages"] if c.get("agent", True)], ids=lambda case: case["text"]
)
def test_display_messages_as_the_app_reads_them(case: dict[str, Any]) -> None:
    event = msgspec.convert({"Details": {}, **case["event"]}, records.TaskEvent)
    assert display_message(event) == case["text"]


def test_population_is_consistent() -> None:
    cluster = make(40)
    assert len(cluster.allocs) == 40
    assert [k for k in cluster.order] == sorted(cluster.order)
    for alloc in cluster.allocs.values():
        assert alloc.ModifyIndex >= alloc.CreateIndex
        assert alloc.ModifyIndex <= cluster.index
        if alloc.NextAllocation:
            assert cluster.allocs[alloc.NextAllocation].PreviousAllocation == alloc.ID


def test_every_write_bumps_the_one_index_and_notifies() -> None:
    cluster = make()
    commits: list[Commit] = []
    cluster.listeners.append(commits.append)
    alloc = running(cluster)
    before = cluster.index
    cluster.signal(alloc.ID, None, "SIGHUP")
    assert cluster.index == before + 1 and commits[-1].index == cluster.index
    assert alloc.ModifyIndex == cluster.index
    assert alloc.AllocModifyIndex < cluster.index  # a client-side write
    event = next(iter(alloc.TaskStates.values())).Events[-1]
    assert event.Type == "Signaling" and event.Details == {"signal": "SIGHUP"}
    assert event.DisplayMessage == "Task being sent a signal"


def test_stop_flow_follows_the_facts() -> None:
    cluster = make()
    alloc = running(cluster)
    create = alloc.CreateIndex
    _, index = cluster.request_stop(alloc.ID, False, False)
    assert alloc.DesiredTransition.Migrate is True
    assert alloc.ModifyIndex == alloc.AllocModifyIndex == index
    replacement = cluster.migrate(alloc.ID)
    assert replacement is not None
    assert alloc.DesiredStatus == "stop" and alloc.DesiredDescription == "alloc is being migrated"
    assert alloc.NextAllocation == replacement.ID and replacement.PreviousAllocation == alloc.ID
    cluster.kill(alloc.ID)
    assert alloc.ClientStatus == "complete" and alloc.CreateIndex == create
    types = [e.Type for e in next(iter(alloc.TaskStates.values())).Events[-3:]]
    assert types == ["Killing", "Terminated", "Killed"]


def test_failed_service_alloc_is_rescheduled_with_a_tracker() -> None:
    cluster = make()
    alloc = next(
        a
        for a in cluster.allocs.values()
        if a.ClientStatus == "running" and cluster.job_of(a).type == "service" and not a.NextAllocation
    )
    task = next(iter(alloc.TaskStates))
    cluster.task_failed(alloc.ID, task, exit_code=2)
    assert alloc.ClientStatus == "failed"
    new = cluster.reschedule(alloc.ID)
    assert new is not None and new.PreviousAllocation == alloc.ID and alloc.NextAllocation == new.ID
    assert new.RescheduleTracker is not None
    assert new.RescheduleTracker.Events[-1].PrevAllocID == alloc.ID
    assert alloc.DesiredDescription == "alloc was rescheduled because it failed"


def test_gc_removes_from_every_order() -> None:
    cluster = make()
    alloc = running(cluster)
    before = cluster.index
    assert cluster.gc(alloc.ID)
    assert alloc.ID not in cluster.allocs and cluster.index == before + 1
    assert all(i != alloc.ID for _, i in cluster.order) and alloc.ID not in cluster.sorted_ids


def test_task_events_are_capped_at_ten() -> None:
    cluster = make()
    alloc = running(cluster)
    for _ in range(15):
        cluster.signal(alloc.ID, None, "SIGHUP")
    assert all(len(s.Events) == 10 for s in alloc.TaskStates.values())


def test_restart_counts_and_sets_last_restart() -> None:
    cluster = make()
    alloc = running(cluster)
    tasks, reason = cluster.restart_tasks_to_restart(alloc.ID, "", False)
    cluster.restart_signaled(alloc.ID, tasks, reason)
    cluster.restarted(alloc.ID, tasks)
    state = alloc.TaskStates[tasks[0]]
    assert state.Restarts == 1 and state.LastRestart is not None
    assert [e.Type for e in state.Events[-4:]] == ["Restart Signaled", "Terminated", "Restarting", "Started"]
    assert state.Events[-2].DisplayMessage == "Task restarting in 0s"


def test_disconnect_and_reconnect() -> None:
    cluster = make()
    alloc = running(cluster)
    cluster.disconnect(alloc.ID)
    assert alloc.ClientStatus == "unknown" and alloc.AllocStates[-1].Value == "unknown"
    assert alloc.AllocModifyIndex == cluster.index
    cluster.reconnect(alloc.ID)
    assert alloc.ClientStatus == "running"
    assert next(iter(alloc.TaskStates.values())).Events[-1].DisplayMessage == "Client reconnected"


def _snapshot(cluster: Cluster) -> bytes:
    return wire.encode([wire.full_allocation(cluster.allocs[i]) for _, i in cluster.order])


def test_same_seed_gives_byte_identical_data_and_churn() -> None:
    first, second = make(60, seed=11), make(60, seed=11)
    assert _snapshot(first) == _snapshot(second)
    a, b = Churn(first, 11, 60), Churn(second, 11, 60)
    assert [a.step() for _ in range(300)] == [b.step() for _ in range(300)]
    assert _snapshot(first) == _snapshot(second)
    assert _snapshot(make(60, seed=12)) != _snapshot(first)


def test_churn_keeps_the_population_stable_and_collects_garbage() -> None:
    cluster = make(60)
    churn = Churn(cluster, 3, 60)
    steps = [churn.step().split()[0] for _ in range(1000)]
    assert {"gc", "fail", "start", "restart", "disconnect", "reconnect", "lost"} <= set(steps)
    assert 40 <= len(cluster.allocs) <= 90


def test_full_allocation_omits_empty_keys_but_stub_keeps_them() -> None:
    cluster = make()
    alloc = running(cluster)
    full = wire.full_allocation(alloc)
    assert "NextAllocation" not in full and "DesiredTransition" not in full and "Resources" not in full
    stub = msgspec.json.decode(wire.encode(wire.stub(alloc, True, False)))
    assert "NextAllocation" in stub and "DesiredTransition" in stub and "AllocatedResources" not in stub
    assert "PreviousAllocation" not in stub


def test_pending_allocations_drain_so_a_long_demo_stays_healthy() -> None:
    cluster = make(60)
    churn = Churn(cluster, 3, 60)
    for _ in range(2400):  # 80 minutes of the demo's 0.5 changes a second
        churn.step()
    live = [a for a in cluster.allocs.values() if a.DesiredStatus == "run" and a.ClientStatus != "complete"]
    pending = sum(1 for a in live if a.ClientStatus == "pending")
    assert pending <= 0.15 * len(cluster.allocs), (pending, len(cluster.allocs))
