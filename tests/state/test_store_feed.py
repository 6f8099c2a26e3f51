"""AllocStore under the feed: events upsert by ModifyIndex, reconciliations remove only what a list
proves gone, and task-state coverage is counted."""

from __future__ import annotations

from nomad_tui.api.models import AllocStub, TaskStateSummary
from nomad_tui.state.store import AllocStore


def stub(n: int, modify: int, *, tasks: bool = False, job_type: str = "service") -> AllocStub:
    return AllocStub(
        id=f"{n:08x}-0000-0000-0000-000000000000",
        job_id="web",
        job_type=job_type,
        job_version=3 if job_type else 0,
        create_index=n,
        modify_index=modify,
        client_status="running",
        task_states={"main": TaskStateSummary(state="running")} if tasks else None,
    )


def test_events_upsert_only_newer_and_keep_the_job_fields() -> None:
    store = AllocStore()
    store.upsert([stub(1, 10), stub(2, 10)])
    assert not store.upsert([stub(1, 9, tasks=True)])  # older: ignored
    assert not store.upsert([stub(1, 10)])  # the same write again: ignored
    diff = store.upsert([stub(1, 10, tasks=True)])  # the same write, now with task states
    assert diff.changed == [stub(1, 10).id] and store.task_states_known == 1
    diff = store.upsert([stub(2, 11, tasks=True, job_type="")])  # an event payload: no Job in it
    assert diff.changed == [stub(2, 10).id]
    held = store.stubs[stub(2, 10).id]
    assert held.job_type == "service" and held.job_version == 3 and held.modify_index == 11
    assert store.task_states_known == 2


def test_reconcile_removes_only_what_the_list_proves_gone() -> None:
    store = AllocStore()
    store.upsert([stub(1, 10), stub(2, 10), stub(3, 25, tasks=True)])
    # The list was read at index 20: 3 (written at 25 by an event) is newer than it, so its absence
    # proves nothing; 2 is absent and older: garbage-collected. 1 came back older than we hold it.
    diff = store.reconcile([stub(1, 9), stub(4, 18)], index=20, since=20)
    assert diff.removed == [stub(2, 10).id] and diff.added == [stub(4, 18).id] and not diff.changed
    assert store.stubs[stub(1, 10).id].modify_index == 10 and stub(3, 25).id in store
    # Only the differing stubs plus every ID: the same answer.
    diff = store.reconcile([], index=30, since=30, ids={stub(1, 10).id, stub(3, 25).id})
    assert diff.removed == [stub(4, 18).id]
    assert store.task_states_known == 1


def test_reconcile_after_a_restore_takes_the_list_as_it_is() -> None:
    store = AllocStore()
    store.upsert([stub(1, 50), stub(2, 60)])
    diff = store.reconcile([stub(1, 3), stub(5, 3)], index=3, since=3, reset=True)
    assert sorted(diff.removed) == [stub(2, 0).id] and diff.added == [stub(5, 0).id]
    assert store.stubs[stub(1, 0).id].modify_index == 3
    assert store.modify_index(stub(1, 0).id) == 3 and store.modify_index("nope") == -1


def test_pages_merge_into_the_view_in_order() -> None:
    from nomad_tui.state.view import AllocView, SortSpec

    store = AllocStore()
    view = AllocView(store, SortSpec("age", descending=True))
    for start in (1000, 700, 400):  # pages newest first, each more than the merge threshold
        assert view.apply(store.upsert([stub(n, n) for n in range(start, start - 300, -1)]))
    assert view.ids() == [stub(n, n).id for n in range(1000, 100, -1)]
    assert view.position_of(stub(555, 555).id) == 1000 - 555
    expected = view.ids()
    view.rebuild()
    assert view.ids() == expected
