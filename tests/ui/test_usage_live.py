"""Resource usage columns against a real dev agent: only rows on screen are sampled, scrolling away
stops their requests (the agent's request log says so), and the detail shows per-task usage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import FIXED_START, Control, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable


def stats_paths(entries: list[dict[str, Any]]) -> list[str]:
    return [e["path"].split("/")[4] for e in entries if e["path"].endswith("/stats")]


async def test_usage_follows_the_rows_on_screen(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent(
        "--allocs", "160", "--seed", "7", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )
    control = Control(agent.url)
    app = NomadTuiApp(settings_for(agent.url), stats_interval=0.2)
    try:
        async with app.run_test(size=(150, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            table = screen.query_one(AllocTable)
            await until(pilot, lambda: len(screen.store) == 160, what="the list")
            stats = screen.stats
            assert stats is not None
            await until(pilot, lambda: bool(stats.wanted) and stats.wanted <= set(screen.usage.latest), what="usage")
            top = set(stats.wanted)
            running_on_screen = {a for a in table.visible_ids(0) if screen.store.stubs[a].client_status == "running"}
            assert running_on_screen <= top and len(top) < 40  # on screen plus a margin, not the cluster
            header = table.render_line(0).text
            assert "CPU" in header and "Memory" in header
            line = next(
                table.render_line(y).text for y in range(1, table.size.height) if " / " in table.render_line(y).text
            )
            assert "MiB" in line and "%" in line
            # Scroll to the other end: the rows that left are no longer asked for.
            await pilot.press("G")
            await until(pilot, lambda: bool(stats.wanted) and not stats.wanted & top, what="the new rows")
            await control.clear_requests()
            sent_before = stats.requests
            await until(pilot, lambda: stats.requests >= sent_before + 2 * len(stats.wanted), what="two rounds")
            asked = set(stats_paths(await control.requests()))
            assert asked and not asked & top
            assert asked <= stats.wanted | set(screen.usage.latest)
            # The detail's Resources tab: per-task values and sparklines for the selected allocation.
            await until(
                pilot,
                lambda: screen.detail.alloc_id in screen.usage.latest if screen.detail.alloc_id else False,
                what="usage of the selected allocation",
            )
            usage = str(screen.detail.query_one("#detail-usage").render())
            assert "Live usage" in usage and " MiB / " in usage and " MHz / " in usage
            assert "throttle" in usage  # measured (docker) or said not to be
    finally:
        await control.aclose()
