"""AllocStore diffs and AllocView's incremental order agree with a from-scratch sort, always."""

from __future__ import annotations

import random

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from nomad_tui.api.models import AllocStub, TaskStateSummary
from nomad_tui.state.filtering import AllocFilter
from nomad_tui.state.store import AllocStore
from nomad_tui.state.view import SORT_KEYS, AllocView, SortSpec


def stub(n: int, *, modify: int = 1, status: str = "running", job: str | None = None, **kw: object) -> AllocStub:
    return AllocStub(
        id=f"{n:08x}-0000-0000-0000-000000000000",
        job_id=job or f"job-{n % 3}",
        task_group="web",
        client_status=status,
        desired_status="run",
        node_name=f"node-{n % 2}",
        create_index=n,
        modify_index=modify,
        name=f"job-{n % 3}.web[{n}]",
        **kw,  # type: ignore[arg-type]
    )


def test_apply_list_reports_added_changed_removed() -> None:
    store = AllocStore()
    diff = store.apply_list([stub(1), stub(2), stub(3)], index=10)
    assert sorted(diff.added) == [stub(n).id for n in (1, 2, 3)] and not diff.changed and not diff.removed
    assert store.index == 10
    # As in Nomad, what was written since index 10 carries a ModifyIndex above 10.
    diff = store.apply_list([stub(1), stub(2, modify=11, status="failed"), stub(4, modify=11)], index=11)
    assert diff.added == [stub(4).id] and diff.changed == [stub(2).id] and diff.removed == [stub(3).id]
    assert store.get(stub(2).id).status == "failed"  # type: ignore[union-attr]
    assert not store.apply_list([stub(1), stub(2, modify=11, status="failed"), stub(4, modify=11)], index=11)


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sets(st.integers(0, 30), max_size=12),  # allocations written in this step
            st.sets(st.integers(0, 30), max_size=4),  # allocations garbage-collected in this step
            st.booleans(),  # the agent restarted: the index went backwards
        ),
        min_size=1,
        max_size=10,
    )
)
def test_diff_by_index_equals_the_full_comparison(steps: list[tuple[set[int], set[int], bool]]) -> None:
    """Lists shaped like Nomad's (a write gets the new index as its ModifyIndex) give the same diff
    through the fast path (ModifyIndex above the last index) as through comparing every stub."""
    fast, full = AllocStore(), AllocStore()
    cluster: dict[int, AllocStub] = {}
    index = 5
    for written, collected, restarted in steps:
        index = max(1, index - 7) if restarted else index + 1
        if restarted:  # a restored snapshot holds no index above its own
            cluster = {
                n: msgspec.structs.replace(a, modify_index=min(a.modify_index, index)) for n, a in cluster.items()
            }
        for n in written:
            cluster[n] = stub(n, modify=index, status="failed" if index % 2 else "running")
        for n in collected:
            cluster.pop(n, None)
        listing = sorted(cluster.values(), key=lambda s: s.create_index)
        got = fast.apply_list(listing, index=index)
        full.index = 0  # force the stub-by-stub comparison
        expected = full.apply_list(listing, index=index)
        assert (sorted(got.added), sorted(got.changed), sorted(got.removed)) == (
            sorted(expected.added),
            sorted(expected.changed),
            sorted(expected.removed),
        )
        assert fast.stubs == full.stubs


def test_row_fields_are_sanitised_and_summarised() -> None:
    hostile = stub(
        1,
        job="evil\x1b]52;c;aGk=\x07[b]job[/b]",
        task_states={"web": TaskStateSummary(state="running", restarts=2), "side": TaskStateSummary(state="pending")},
    )
    store = AllocStore()
    store.apply_list([hostile])
    row = store.get(hostile.id)
    assert row is not None
    assert "\x1b" not in row.job and "\x07" not in row.job and "[b]job[/b]" in row.job  # inert, markup kept as text
    assert row.tasks == "1/2 running" and row.restarts == 2 and row.running_tasks == ("web",)
    assert row.short_id == hostile.id[:8] and row.node == "node-1"


def test_node_falls_back_to_short_id_and_missing_task_states_are_unknown() -> None:
    store = AllocStore()
    old = AllocStub(id="aaaaaaaa-1111-2222-3333-444444444444", node_id="bbbbbbbb-0000-0000-0000-000000000000")
    store.apply_list([old])
    row = store.get(old.id)
    assert row is not None and row.node == "bbbbbbbb" and row.tasks == "" and row.restarts is None
    assert row.status == "unknown"


def test_view_sorts_filters_and_tracks_positions() -> None:
    store = AllocStore()
    store.apply_list([stub(n, status="failed" if n % 4 == 0 else "running") for n in range(1, 21)])
    view = AllocView(store)  # default: newest (highest CreateIndex) first
    assert view.id_at(0) == stub(20).id and view.id_at(len(view) - 1) == stub(1).id
    assert view.position_of(stub(20).id) == 0 and view.position_of(stub(1).id) == 19
    view.set_filter("status:fail")
    assert len(view) == 5 and all(view.row_at(i).status == "failed" for i in range(len(view)))
    view.set_filter("!status:failed job-1")
    assert all(view.row_at(i).job == "job-1" and view.row_at(i).status != "failed" for i in range(len(view)))
    view.set_filter("")
    view.set_sort(SortSpec("status", descending=False))
    assert view.row_at(0).status == "failed"


def test_filter_terms() -> None:
    store = AllocStore()
    store.apply_list([stub(1, task_states={"redis": TaskStateSummary(state="running")})])
    row = store.get(stub(1).id)
    assert row is not None
    assert AllocFilter("task:red")(row) and AllocFilter("REDIS")(row) is False  # task names only via task:
    assert AllocFilter("node:node-1 status:run")(row)
    assert not AllocFilter("-status:run")(row)
    assert AllocFilter("00000001")(row) and AllocFilter("bogus:field")(row) is False


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.lists(
            st.tuples(st.integers(0, 40), st.integers(0, 3), st.sampled_from(["running", "failed", "pending"])),
            max_size=30,
        ),
        min_size=1,
        max_size=8,
    ),
    column=st.sampled_from(sorted(SORT_KEYS)),
    descending=st.booleans(),
    filter_text=st.sampled_from(["", "status:fail", "job-2", "!node:node-0"]),
)
def test_incremental_view_equals_full_rebuild(
    steps: list[list[tuple[int, int, str]]], column: str, descending: bool, filter_text: str
) -> None:
    store = AllocStore()
    view = AllocView(store, SortSpec(column, descending), filter_text)
    for step in steps:
        # Nomad bumps ModifyIndex on every write, so different content means a different index.
        ranks = {"running": 0, "failed": 1, "pending": 2}
        latest = {n: stub(n, modify=1000 * n + 10 * m + ranks[s], status=s) for n, m, s in step}
        view.apply(store.apply_list(latest.values()))
        fresh = AllocView(store, SortSpec(column, descending), filter_text)
        assert view.ids() == fresh.ids()
        for position, alloc_id in enumerate(fresh.ids()):
            assert view.position_of(alloc_id) == position


def test_small_diff_on_a_big_list_does_not_rebuild() -> None:
    rng = random.Random(3)
    store = AllocStore()
    stubs = [stub(n) for n in range(5000)]
    view = AllocView(store)
    view.apply(store.apply_list(stubs))
    calls = []
    original = view.rebuild
    view.rebuild = lambda: calls.append(1) or original()  # type: ignore[method-assign]
    for n in rng.sample(range(5000), 50):
        stubs[n] = stub(n, modify=99, status="failed")
    diff = store.apply_list(stubs)
    assert len(diff.changed) == 50
    view.apply(diff)
    assert not calls


def test_age_order_from_an_oldest_first_list_needs_no_sort_and_stays_correct() -> None:
    """Nomad lists oldest first: the default view takes that order as it is, and keys come later."""
    store = AllocStore()
    store.apply_list([stub(n, modify=n) for n in range(1, 200)], index=300)  # ascending CreateIndex
    view = AllocView(store)
    assert view._unkeyed is not None  # no keys built for the first paint
    assert view.id_at(0) == stub(199).id and view.id_at(198) == stub(1).id
    # A later list (new allocations, rewritten and vanished ones) still lands in the right places.
    later = [stub(n, modify=n) for n in range(1, 200) if n % 50] + [stub(n, modify=301) for n in (7, 250, 251)]
    later.sort(key=lambda s: s.create_index)
    view.apply(store.apply_list(later, index=301))
    fresh = AllocView(store, SortSpec("age", True))
    fresh._ensure_keys()
    assert view.ids() == fresh.ids()
    assert all(view.position_of(a) == i for i, a in enumerate(fresh.ids()))
