"""The allocation feed against the dev agent: paged first paint, events, reconciliation, fallbacks and
task-data honesty (issue 10). Small agents, a small event buffer and short heartbeats keep it fast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import FIXED_START, Control, screen_lines, settings_for, until

from nomad_tui.api.feed import FeedMode
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

SIZE = (140, 40)
QUIET = ("--seed", "7", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START))


def screen_of(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


def status_text(app: NomadTuiApp) -> str:
    return screen_of(app).status_bar.text().plain


async def held_equals_agent(screen: DashboardScreen, control: Control) -> bool:
    """The app's store holds exactly the agent's allocations, each at the agent's ModifyIndex."""
    agent_view = {a["ID"]: a["ModifyIndex"] for a in await control.allocs()}
    return {alloc_id: stub.modify_index for alloc_id, stub in screen.store.stubs.items()} == agent_view


async def until_same(pilot: Any, screen: DashboardScreen, control: Control, what: str) -> None:
    result = {"same": False}

    async def check() -> bool:
        result["same"] = await held_equals_agent(screen, control)
        return result["same"]

    await until(pilot, check, timeout=30, what=what)


async def list_requests(control: Control) -> int:
    return sum(1 for r in await control.requests() if r["path"] == "/v1/allocations")


async def test_first_page_is_shown_before_the_rest(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "300", *QUIET)
    control = Control(agent.url)
    # Every list answer takes 0.3 s: the first page is on screen long before the last one arrives.
    await control.faults(delay_ms=300, delay_next=20, path_prefix="/v1/allocations")
    app = NomadTuiApp(settings_for(agent.url), feed_options={"first_page": 20, "page": 60})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            table = screen.query_one(AllocTable)
            await until(pilot, lambda: len(screen.view) > 0, what="the first page")
            assert len(screen.store) == 20 and "loading 20" in status_text(app)
            newest = max(stub.create_index for stub in screen.store)
            assert screen.view.row_at(0).create_index == newest  # newest first, as the list will stay
            await pilot.press("j", "j")  # usable meanwhile
            assert table.cursor_id == screen.view.id_at(2)
            await until(pilot, lambda: len(screen.store) == 300, timeout=30, what="the rest")
            await until(pilot, lambda: "loading" not in status_text(app), what="the progress to go")
            assert table.cursor_id == screen.view.id_at(2) or table.cursor_id in screen.store
            assert "live · events" in status_text(app)
    finally:
        await control.aclose()


async def test_events_applied_without_lists_and_gc_reconciled(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "40", *QUIET, "--event-heartbeat", "0.2")
    control = Control(agent.url)
    # One write before the app starts, so the snapshot's own entry is in the event buffer: the feed
    # asks for it again as its witness, and with it there is no reason to fetch a list.
    await control.post("allocs", {"job": "witness"})
    app = NomadTuiApp(settings_for(agent.url), feed_options={"reconcile_min": 300.0})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            await until(pilot, lambda: "live · events" in status_text(app), what="the stream")
            await until_same(pilot, screen, control, "the first load")
            before = await list_requests(control)
            target = next(iter(screen.store.stubs))
            await control.post(f"alloc/{target}/update", {"client_status": "failed"})
            row = lambda: screen.store.get(target)  # noqa: E731
            await until(pilot, lambda: (r := row()) is not None and r.status == "failed", what="the event")
            created = (await control.post("allocs", {"job": "from-events", "count": 2}))["ids"]
            await until(pilot, lambda: all(a in screen.store for a in created), what="new allocations")
            assert await list_requests(control) == before  # events alone, no list fetched
            # Nomad sends no event for a GC: the allocation leaves at the next reconciliation.
            await control.post(f"alloc/{created[0]}/gc")
            screen.list_watcher.resync()  # type: ignore[union-attr]
            await until(pilot, lambda: created[0] not in screen.store, what="the GC'd allocation to leave")
            await until_same(pilot, screen, control, "the agent's list")
    finally:
        await control.aclose()


async def test_a_change_repaints_its_line_when_scrolled(start_agent: Callable[..., AgentProcess]) -> None:
    """A change that keeps its row's place repaints that one line, also with the list scrolled (the
    line on screen is not the line in the list: it was once repainted off screen, so not at all)."""
    agent = start_agent("--allocs", "80", *QUIET)
    control = Control(agent.url)
    app = NomadTuiApp(settings_for(agent.url), stats_interval=0)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            table = screen.query_one(AllocTable)
            await until(pilot, lambda: len(screen.store) == 80, what="the list")
            await pilot.press("pagedown", "pagedown", "j")
            await until(pilot, lambda: table.scroll_y > 0, what="the list to scroll")
            target = table.cursor_id
            assert target is not None and screen.store.stubs[target].client_status != "failed"
            short = screen.store.row(target).short_id
            await control.post(f"alloc/{target}/update", {"client_status": "failed"})

            def shown_failed() -> bool:
                return any(short in line and "failed" in line for line in screen_lines(app))

            await until(pilot, shown_failed, what="the changed row on screen")
            assert table.cursor_id == target
    finally:
        await control.aclose()


async def test_missed_entries_and_restart_resync(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "60", *QUIET, "--event-buffer", "5", "--event-heartbeat", "0.2")
    control = Control(agent.url)
    app = NomadTuiApp(settings_for(agent.url), feed_options={"reconcile_min": 300.0})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            await until(pilot, lambda: "live · events" in status_text(app), what="the stream")
            await until_same(pilot, screen, control, "the first load")
            watcher = screen.list_watcher
            assert watcher is not None and watcher.feed is not None
            feed = watcher.feed
            # Cut the stream and hold the reconnection while 30 changes overflow the 5-entry buffer.
            await control.faults(delay_ms=1500, delay_next=1, path_prefix="/v1/event/stream")
            await control.post("drop", {"path_prefix": "/v1/event/stream"})
            await control.post("churn", {"steps": 30})
            await until(pilot, lambda: feed.stats.gaps >= 1, what="the gap to be noticed")
            await until_same(pilot, screen, control, "nothing lost or duplicated after the overflow")
            assert len(screen.store) == len(set(screen.store.stubs))
            # An agent restart: every index goes back; the resync takes the restored list as it is.
            await control.post("restart", {"index": 3})
            await control.post("churn", {"steps": 5})
            await until(pilot, lambda: feed.stats.resets >= 1, timeout=30, what="the reset")
            await until_same(pilot, screen, control, "the restored agent's list")
            assert "stream reconnected" in feed.stats.reasons and "entries missed" in feed.stats.reasons
    finally:
        await control.aclose()


FALLBACK_STATUS: list[str] = []  # the status bar as fallback_case last saw it


async def fallback_case(
    agent: AgentProcess, token: str | None, why: str, feed_options: dict[str, Any] | None = None
) -> None:
    control = Control(agent.url, token="m" if token else None)
    flags = {"token": token} if token else {}
    app = NomadTuiApp(settings_for(agent.url, **flags), feed_options=feed_options or {})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            await until(pilot, lambda: "live · list" in status_text(app), what="the list fallback")
            watcher = screen.list_watcher
            assert watcher is not None and watcher.mode is FeedMode.LIST and why in watcher.fallback_reason
            assert why in screen.list_state.note
            FALLBACK_STATUS.append(status_text(app))
            await until(pilot, lambda: len(screen.store) > 0, what="the list")
            changed = next(iter(screen.store.stubs))
            await control.post(f"alloc/{changed}/update", {"client_status": "failed"})
            row = lambda: screen.store.get(changed)  # noqa: E731
            await until(pilot, lambda: (r := row()) is not None and r.status == "failed", what="a change via lists")
    finally:
        await control.aclose()


NARROW = ("--acl", "--acl-token", "m", "--acl-namespace-token", "narrow=default,prod")


async def test_one_stream_per_namespace_with_a_narrow_token(start_agent: Callable[..., AgentProcess]) -> None:
    # A token that may read "default" and "prod" only: `namespace=*` lists those, but the stream needs
    # read in every namespace (Nomad 1.11.2+ says no with an empty 200 that closes): one stream each.
    agent = start_agent("--allocs", "60", *QUIET, "--event-heartbeat", "0.2", *NARROW)
    control = Control(agent.url, token="m")
    narrow = Control(agent.url, token="narrow")
    # A write in each namespace before the app starts: each stream's witness (its namespace's newest
    # change) is then in the event buffer, and no reconciliation is needed.
    for namespace in ("default", "prod"):
        await control.post("allocs", {"namespace": namespace, "job": "witness"})
    app = NomadTuiApp(settings_for(agent.url, token="narrow"), feed_options={"reconcile_min": 300.0})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            await until(pilot, lambda: "live · events (2 namespaces)" in status_text(app), what="two streams")
            await until_same(pilot, screen, narrow, "the namespaces the token reads")
            watcher = screen.list_watcher
            assert watcher is not None and watcher.feed is not None
            assert watcher.feed.stream_namespaces == ["default", "prod"]
            before = await list_requests(control)
            targets = {}
            for stub in screen.store:
                targets.setdefault(stub.namespace, stub.id)
            assert set(targets) == {"default", "prod"}
            for alloc_id in targets.values():
                await control.post(f"alloc/{alloc_id}/update", {"client_status": "failed"})
            created = (await control.post("allocs", {"namespace": "prod", "job": "late", "count": 2}))["ids"]

            def arrived() -> bool:
                failed = all((r := screen.store.get(a)) is not None and r.status == "failed" for a in targets.values())
                return failed and all(a in screen.store for a in created)

            await until(pilot, arrived, what="changes in both namespaces")
            assert await list_requests(control) == before, watcher.feed.stats.reasons  # the streams alone
            await until_same(pilot, screen, narrow, "the namespaces the token reads, after the changes")
    finally:
        await control.aclose()
        await narrow.aclose()


async def test_namespace_streams_before_1_11_2(start_agent: Callable[..., AgentProcess]) -> None:
    """Before 1.11.2 the refusal of `*` is a plain 403: the same streams per namespace."""
    agent = start_agent("--allocs", "30", *QUIET, "--nomad-version", "1.11.1", *NARROW)
    app = NomadTuiApp(settings_for(agent.url, token="narrow"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "live · events (2 namespaces)" in status_text(app), what="two streams")


async def test_fallback_when_too_many_namespaces_to_stream(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "30", *QUIET, *NARROW)
    await fallback_case(agent, "narrow", "more than 1 streams", {"max_namespace_streams": 1})
    assert "live · list (2 namespaces)" in FALLBACK_STATUS[-1]


async def test_fallback_without_stream_or_pages(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "30", *QUIET, "--nomad-version", "0.12.12")
    await fallback_case(agent, None, "before 1.0")


async def test_fallback_when_the_stream_keeps_failing(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "30", *QUIET)
    control = Control(agent.url)
    await control.faults(fail_next=20, status=500, path_prefix="/v1/event/stream")
    await control.aclose()
    await fallback_case(agent, None, "event stream failing")


async def test_one_page_server_with_events(start_agent: Callable[..., AgentProcess]) -> None:
    """Nomad 1.0-1.2: an event stream, but per_page is ignored and the list comes whole."""
    agent = start_agent("--allocs", "700", *QUIET, "--nomad-version", "1.2.0")
    control = Control(agent.url)
    app = NomadTuiApp(settings_for(agent.url), feed_options={"first_page": 50})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = screen_of(app)
            await until(pilot, lambda: "live · events" in status_text(app), what="the stream")
            await until_same(pilot, screen, control, "the whole list in one page")
    finally:
        await control.aclose()


async def test_task_data_is_honest_when_partial(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "200", *QUIET)
    options = {"first_page": 20, "page": 50, "task_states_limit": 20, "fill_budget": 0}
    app = NomadTuiApp(settings_for(agent.url), feed_options=options)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: len(screen.store) == 200, what="the list")
        known = screen.store.task_states_known
        assert 20 <= known < 200
        assert f"task states known for {known:,} of 200" in status_text(app)
        assert "Tasks" in table.render_line(0).text
        assert f"Tasks {known * 100 // 200}%" in table.render_line(0).text
        screen.run_filter("task:no-such-task")
        await until(pilot, lambda: len(screen.view) == 0, what="the filter")
        assert f"among the {known:,} whose task states are known" in table.empty_message


async def test_task_states_fill_in_the_background(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "200", *QUIET)
    options = {"first_page": 20, "page": 50, "task_states_limit": 20, "fill_page": 40, "fill_budget": 0.5}
    app = NomadTuiApp(settings_for(agent.url), feed_options=options)
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: len(screen.store) == 200, what="the list")
        await until(pilot, lambda: screen.store.task_states_known == 200, what="the task states")
        await until(pilot, lambda: "task states known" not in status_text(app), what="the note to go")
        assert "Tasks " in table.render_line(0).text and "%" not in table.render_line(0).text
        screen.run_filter("task:envoy")
        await until(pilot, lambda: len(screen.view) > 0, what="tasks to be found")
