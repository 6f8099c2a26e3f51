"""The activity feed (`v` job, `V` cluster) against a real dev agent: built from the list's own
changes, newest first, failures with their last event's message, `enter` jumps to the allocation."""

from __future__ import annotations

from conftest import Control, settings_for, until
from textual.widgets import DataTable

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.state.activity import ActivityFeed
from nomad_tui.state.store import AllocStore
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.activity import ActivityScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable


async def test_cluster_and_job_activity(agent: AgentProcess, control: Control) -> None:
    allocs = await control.allocs()
    running = [a for a in allocs if a["ClientStatus"] == "running"]
    victim, other = running[0], next(a for a in running if a["JobID"] != running[0]["JobID"])
    app = NomadTuiApp(settings_for(agent.url), stats_interval=0)
    async with app.run_test(size=(130, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(pilot, lambda: len(screen.store) == len(allocs), what="the list")
        assert not len(screen.activity)  # the first list only primes the feed
        await control.post(
            f"alloc/{victim['ID']}/update",
            {"client_status": "failed", "event": {"type": "Driver Failure", "message": "image pull failed"}},
        )
        await control.post(f"alloc/{other['ID']}/update", {"client_status": "complete"})
        await until(pilot, lambda: len(screen.activity) >= 2, what="two changes")
        await pilot.press("V")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen), what="the activity screen")
        activity = app.screen
        assert isinstance(activity, ActivityScreen)
        await until(pilot, lambda: any("image pull failed" in e.detail for e in activity.entries), what="why")
        texts = {e.alloc_id: e.text for e in activity.entries}
        assert texts[victim["ID"]] == "running → failed" and texts[other["ID"]] == "running → complete"
        newest = [e.time_ns for e in activity.entries]
        assert newest == sorted(newest, reverse=True)
        table = activity.query_one(DataTable)
        row = next(i for i, e in enumerate(activity.entries) if e.alloc_id == victim["ID"])
        table.move_cursor(row=row)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen, what="back to the list")
        assert screen.query_one(AllocTable).cursor_id == victim["ID"]
        # v: only the selected allocation's job
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen), what="the job's activity")
        job_activity = app.screen
        assert isinstance(job_activity, ActivityScreen)
        assert {e.alloc_id for e in job_activity.entries} == {victim["ID"]}
        await pilot.press("escape")


def test_feed_is_bounded_and_says_restarts() -> None:
    from nomad_tui.api.models import AllocStub, TaskStateSummary

    def stub(i: int, status: str, restarts: int = 0, index: int = 1) -> AllocStub:
        states = {"app": TaskStateSummary(state="running", restarts=restarts)}
        return AllocStub(
            id=f"{i:08x}-0000-4000-8000-000000000000",
            job_id="web",
            task_group="g",
            client_status=status,
            namespace="default",
            task_states=states,
            modify_index=index,
            modify_time=index,
        )

    store = AllocStore()
    feed = ActivityFeed(limit=5)
    feed.observe(store, store.apply_list([stub(i, "pending") for i in range(3)], index=1))
    assert not len(feed)
    diff = store.apply_list([stub(0, "running", 0, 2), stub(1, "pending"), stub(2, "running", 1, 2)], index=2)
    made = feed.observe(store, diff)
    assert [e.text for e in made if e.alloc_id.startswith("00000002")] == ["pending → running", "task app restarted"]
    for n in range(10):
        feed.observe(store, store.apply_list([stub(0, "running", n + 1, 3 + n)], index=3 + n))
    assert len(feed) == 5  # bounded: the oldest fell off
