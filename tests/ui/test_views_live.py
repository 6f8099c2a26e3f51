"""Jobs and nodes views, drilling into allocations, the placement story and the raw view, against a
real dev agent."""

from __future__ import annotations

from typing import Any

from conftest import Control, send_burst, settings_for, until
from textual.widgets import Input

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.devagent.model.scheduling import UNPLACEABLE_JOB
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.raw import RawScreen, json_lines
from nomad_tui.ui.screens.resources import ResourceScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.prompt import PromptLine
from nomad_tui.ui.widgets.resource_table import ResourceTable

SIZE = (130, 36)


def visible_text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector).render())


def table_text(screen: ResourceScreen) -> list[str]:
    table = screen.query_one(ResourceTable)
    return [table.render_line(y).text for y in range(table.size.height)]


async def loaded_dashboard(pilot: Any) -> DashboardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    await until(pilot, lambda: len(screen.store) == 24, what="the allocation list")
    return screen


async def open_jobs(pilot: Any) -> ResourceScreen:
    await pilot.press("colon", *"jobs", "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ResourceScreen), what="the jobs view")
    screen = pilot.app.screen
    assert isinstance(screen, ResourceScreen)
    await until(pilot, lambda: screen.loaded, what="the jobs list")
    return screen


async def test_jobs_view_lists_jobs_with_live_counts(agent: AgentProcess, control: Control) -> None:
    jobs = await control.http.get("/v1/jobs", params={"namespace": "*"})
    expected = {j["ID"] for j in jobs.json()}
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        dashboard = await loaded_dashboard(pilot)
        screen = await open_jobs(pilot)
        assert {screen.store.items[k].id for k in screen.store.items} == expected
        header = table_text(screen)[0].split()
        assert header[:4] == ["Namespace", "Job▲", "Type", "Status"] and "Queued" in header and "Ver" in header
        # Nomad's list stub has no Version: the newest JobVersion among the job's allocations
        api = screen.store.items["default\x00api"]
        versions = [s.job_version for s in dashboard.store.stubs.values() if s.job_id == "api"]
        assert api.version == max(versions)
        # A change on the agent moves the counts without a key: fail one running allocation.
        running = next(a for a in await control.allocs() if a["ClientStatus"] == "running")
        key = f"{running['Namespace']}\x00{running['JobID']}"
        before = screen.store.items[key].job_summary.totals().failed
        await control.post(f"alloc/{running['ID']}/update", {"client_status": "failed"})
        await until(
            pilot, lambda: screen.store.items[key].job_summary.totals().failed == before + 1, what="the new count"
        )
        # filter and sort as in the allocation list; the prompt is a visible line showing what is typed
        await pilot.press("slash", *"gpu")
        line = screen.query_one("#filter-line", PromptLine)
        await until(pilot, lambda: line.region.height == 1 and line.input.has_focus, what="the filter line")
        assert "/" in str(line.query_one(".prompt-line--prefix").render()) and line.input.value == "gpu"
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.view) == 1, what="the filter")
        await pilot.press("escape")
        await until(pilot, lambda: len(screen.view) == len(expected), what="the filter to clear")
        await pilot.press("greater_than_sign")
        assert screen.view.sort_column == "type"


async def test_unplaceable_job_tells_why_and_drills_into_allocations(agent: AgentProcess) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        dashboard = await loaded_dashboard(pilot)
        screen = await open_jobs(pilot)
        assert screen.query_one(ResourceTable).select_id(f"data\x00{UNPLACEABLE_JOB}")
        await until(pilot, lambda: "Placement failure" in visible_text(screen, "#resource-detail-text"), what="story")
        story = visible_text(screen, "#resource-detail-text")
        assert 'Task Group "train" (2 allocations queued):' in story
        assert 'Constraint "${node.class} = gpu": 1 nodes excluded by filter' in story
        assert 'Dimension "memory" exhausted on' in story
        # enter: the allocation list filtered to this job, with a breadcrumb; esc comes back
        assert screen.query_one(ResourceTable).select_id("default\x00api")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is dashboard, what="the allocation list")
        crumb = visible_text(dashboard, "#breadcrumb")
        assert "Jobs › default/api › allocations" in crumb
        await until(pilot, lambda: len(dashboard.view) > 0, what="the filtered list")
        assert {dashboard.store.stubs[a].job_id for a in dashboard.view.ids()} == {"api"}
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back to the jobs view")
        assert screen.query_one(ResourceTable).cursor_id == "default\x00api"
        assert not dashboard.view.filter


async def test_nodes_view_and_its_allocations(agent: AgentProcess, control: Control) -> None:
    nodes = (await control.http.get("/v1/nodes")).json()
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        dashboard = await loaded_dashboard(pilot)
        await pilot.press("colon", *"nodes", "enter")
        await until(pilot, lambda: isinstance(app.screen, ResourceScreen), what="the nodes view")
        screen = app.screen
        assert isinstance(screen, ResourceScreen)
        await until(pilot, lambda: len(screen.store) == len(nodes), what="the nodes")
        lines = table_text(screen)
        assert lines[0].split()[:3] == ["Name▲", "DC", "Pool"]
        assert "ineligible" in "\n".join(lines)
        first = screen.store.items[screen.view.id_at(0)]
        on_node = [s for s in dashboard.store.stubs.values() if s.node_id == first.node.id]
        assert first.running == sum(1 for s in on_node if s.client_status == "running")
        # allocated CPU/memory against capacity, from the node's live allocations, for rows on screen
        held = (await control.http.get(f"/v1/node/{first.node.id}/allocations")).json()
        live = [a for a in held if a["ClientStatus"] not in ("complete", "failed", "lost")]
        cpu = sum(t["Cpu"]["CpuShares"] for a in live for t in a["AllocatedResources"]["Tasks"].values())
        key = first.node.id
        await until(pilot, lambda: screen.store.items[key].allocated is not None, what="allocated resources")
        assert screen.store.items[key].allocated.cpu == cpu
        percent = cpu * 100 // first.node.cpu_capacity
        assert f"{percent}% of " in screen.store.row(key).cells["cpu"]
        detail = "#resource-detail-text"
        await until(pilot, lambda: "Allocated to" in visible_text(screen, detail), what="allocated in the detail")
        assert " MHz of " in visible_text(screen, detail) and " MiB of " in visible_text(screen, detail)
        # live without a key: an allocation of this node fails -> running count and allocation drop
        victim = next(s for s in on_node if s.client_status == "running")
        before = screen.store.items[key]
        await control.post(f"alloc/{victim.id}/update", {"client_status": "failed"})
        await until(pilot, lambda: screen.store.items[key].running == before.running - 1, what="the running count")
        await until(
            pilot,
            lambda: (screen.store.items[key].allocated or before.allocated).live == before.allocated.live - 1,
            what="the allocated resources to follow",
        )
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is dashboard, what="the allocation list")
        await until(pilot, lambda: len(dashboard.view) == len(on_node), what="the node's allocations")


async def test_raw_view_shows_the_whole_allocation_and_searches(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        dashboard = await loaded_dashboard(pilot)
        # J on an allocation: the jobs view with the cursor on its job; `:allocs` comes back
        row = dashboard.query_one(AllocTable).cursor_row
        assert row is not None
        await pilot.press("J")
        await until(pilot, lambda: isinstance(app.screen, ResourceScreen), what="the jobs view")
        jobs = app.screen
        assert isinstance(jobs, ResourceScreen)
        want = f"{row.namespace}\x00{row.job}"
        await until(pilot, lambda: jobs.query_one(ResourceTable).cursor_id == want, what="its job")
        await pilot.press("colon", *"allocs", "enter")
        await until(pilot, lambda: app.screen is dashboard, what="the allocation list again")
        alloc_id = row.id
        full = await control.alloc(alloc_id)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, RawScreen) and bool(app.screen.lines), what="the raw view")
        raw = app.screen
        assert isinstance(raw, RawScreen)
        assert raw.lines == json_lines(full)  # the whole document, not the list stub
        assert any('"Job": {' in line for line in raw.lines) and any('"Metrics"' in line for line in raw.lines)
        await pilot.press("slash", *"taskgroup", "enter")
        await until(pilot, lambda: bool(raw.matches), what="matches")
        assert raw.current == 0 and "TaskGroup" in raw.lines[raw.matches[0]]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is dashboard, what="back")


def test_raw_lines_keep_hostile_strings_inert() -> None:
    lines = json_lines({"Name": "[red]x\x1b]52;c;aGk=\x07\u202eevil\x9b2J", "Meta": {"k": "\x1b[2J"}})
    text = "\n".join(lines)
    for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert bad not in text
    assert "[red]x" in text


async def test_a_key_burst_after_slash_or_colon_in_a_view_all_goes_to_the_prompt(agent: AgentProcess) -> None:
    """`tmux send-keys -l ':nodes\\r'` in the jobs view: every key of the burst is the prompt's."""
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        await loaded_dashboard(pilot)
        jobs = await open_jobs(pilot)
        send_burst(app, "/job:gpu\r")
        # (the filter applies as it is typed; the list has the keys back once its enter was handled)
        await until(pilot, lambda: len(jobs.view) == 1 and jobs.table.has_focus, what="the filter typed in a burst")
        assert jobs.query_one("#filter", Input).value == "job:gpu"  # its `:` was text, not the command line
        send_burst(app, ":nodes\r")
        await until(
            pilot,
            lambda: isinstance(app.screen, ResourceScreen) and app.screen is not jobs,
            what="the nodes view from a burst",
        )

        def nodes_title_shown() -> bool:
            titles = app.screen.query("#resource-title")  # the new screen may not be composed yet
            return bool(titles) and "Nodes" in str(titles.first().render())

        await until(pilot, nodes_title_shown, what="the nodes title")
