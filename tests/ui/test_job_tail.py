"""The job-wide tail (`L`) against the dev agent: two allocations interleaved with their labels, one
stopped (it leaves with a marker) and its replacement started (it joins) while watching; the stream
cap names who is left out."""

from __future__ import annotations

from conftest import Control, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.job_tail import JobTailScreen, TailScope, colour_of
from nomad_tui.ui.widgets.alloc_table import AllocTable


def tail_lines(tail: JobTailScreen) -> list[str]:
    buffer = tail.buffer
    return [tail.view.plain_line(n) for n in range(buffer.first_number, buffer.end_number)]


def has_line(tail: JobTailScreen, prefix: str, text: str) -> bool:
    return any(line.startswith(prefix) and text in line for line in tail_lines(tail))


async def test_job_tail_joins_and_leaves(agent: AgentProcess, control: Control) -> None:
    first, second = (await control.post("allocs", {"job": "tailjob", "group": "g", "tasks": ["main"], "count": 2}))[
        "ids"
    ]
    for alloc_id in (first, second):
        body = {"task": "main", "type": "stdout", "data": f"hello from {alloc_id[:8]}\n"}
        await control.post(f"alloc/{alloc_id}/log", body)
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(pilot, lambda: second in screen.store, what="the list")
        assert screen.query_one(AllocTable).select_id(first)
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, JobTailScreen), what="the tail")
        tail = app.screen
        assert isinstance(tail, JobTailScreen)
        for alloc_id in (first, second):
            await until(
                pilot,
                lambda a=alloc_id: has_line(tail, f"{a[:8]} main ", f"hello from {a[:8]}"),  # type: ignore[misc]
                what=f"the lines of {alloc_id[:8]}",
            )
        source = next(s for s, (a, _, _) in tail.sources.items() if a == first)
        assert tail._label(source).style == colour_of(first)
        assert len(tail.members) == 2

        # Stop the first: it leaves with a marker, its replacement joins and is tailed from its start.
        before = set(screen.store.stubs)
        (await control.http.put(f"/v1/allocation/{first}/stop")).raise_for_status()
        await until(pilot, lambda: has_line(tail, first[:8], f"{first[:8]} left"), what="the leave marker")
        await until(pilot, lambda: len(set(screen.store.stubs) - before) == 1, what="the replacement")
        (replacement,) = set(screen.store.stubs) - before
        await until(pilot, lambda: has_line(tail, replacement[:8], "joined"), what="the join marker")
        body = {"task": "main", "type": "stdout", "data": "the newcomer speaks\n"}
        await control.post(f"alloc/{replacement}/log", body)
        await until(pilot, lambda: has_line(tail, f"{replacement[:8]} main ", "the newcomer speaks"), what="its line")
        assert set(tail.members) == {second, replacement}

        # Over the cap: the allocation left out is named, not silently skipped.
        capped = JobTailScreen(app.client, screen.store, TailScope("default", "tailjob"), [], max_streams=1)
        await app.push_screen(capped)
        await until(pilot, lambda: len(capped.members) == 1 and len(capped.waiting) == 1, what="the cap")
        (left_out,) = capped.waiting.values()
        await until(
            pilot,
            lambda: f"not tailed: {left_out}" in str(capped.query_one("#logs-state").render()),
            what="the named allocation",
        )

        # From the jobs view: L on the job tails the same allocations.
        from nomad_tui.ui.screens.resources import ResourceScreen
        from nomad_tui.ui.widgets.resource_table import ResourceTable

        app.pop_screen()
        app.pop_screen()
        await until(pilot, lambda: app.screen is screen, what="back to the list")
        await pilot.press("colon", *"jobs", "enter")
        await until(pilot, lambda: isinstance(app.screen, ResourceScreen) and app.screen.loaded, what="the jobs view")
        assert app.screen.query_one(ResourceTable).select_id("default\x00tailjob")
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, JobTailScreen), what="the tail from the jobs view")
        from_jobs = app.screen
        assert isinstance(from_jobs, JobTailScreen)
        await until(pilot, lambda: set(from_jobs.members) == {second, replacement}, what="the job's allocations")
