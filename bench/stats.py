"""The cost of live resource usage (issue 14): requests per second and the app's CPU with 10k
allocations and ~40 rows on screen, against the same app with sampling off; and proof that scrolling
away stops the requests for the rows that left (from the agent's request log).

    python bench/stats.py [--allocs 10000] [--seconds 30]

The app runs headless in this process; the agent runs as its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from typing import Any

import httpx

from nomad_tui.api.stats_scheduler import STATS_INTERVAL
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.settings import resolve
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

SIZE = (200, 70)  # the list pane then shows ~40 rows


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(agent: AgentProcess, allocs: int, seconds: float, interval: float) -> tuple[float, float, int, int]:
    """(CPU % of one core, stats requests/s, rows on screen, allocations sampled) over `seconds`."""
    control = httpx.AsyncClient(base_url=agent.url, timeout=30)
    app = NomadTuiApp(resolve({"address": agent.url}, {}, {}), stats_interval=interval)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            while len(screen.store) < allocs:
                await pilot.pause(0.05)
            await pilot.pause(4.0)  # first samples, detail query, payload choice
            await control.delete("/v1/devagent/requests")
            cpu0, wall0 = cpu_seconds(), time.perf_counter()
            await pilot.pause(seconds)
            cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
            entries = (await control.get("/v1/devagent/requests")).json()
            stats = [e for e in entries if e["path"].endswith("/stats")]
            rows = screen.query_one(AllocTable).size.height - 1
            sampled = len(screen.stats.wanted) if screen.stats is not None else 0
            if interval:
                await scrolled_away(pilot, screen, control)
            return 100 * cpu / wall, len(stats) / wall, rows, sampled
    finally:
        await control.aclose()


async def scrolled_away(pilot: Any, screen: DashboardScreen, control: httpx.AsyncClient) -> None:
    stats = screen.stats
    assert stats is not None
    before = set(stats.wanted)
    await pilot.press("G")
    while not stats.wanted or stats.wanted & before:
        await pilot.pause(0.05)
    await control.delete("/v1/devagent/requests")
    await pilot.pause(3 * STATS_INTERVAL)
    entries = (await control.get("/v1/devagent/requests")).json()
    asked = {e["path"].split("/")[4] for e in entries if e["path"].endswith("/stats")}
    print(
        f"    after G: {len(asked)} allocations asked in {3 * STATS_INTERVAL:.1f} s, "
        f"{len(asked & before)} of the {len(before)} that scrolled away"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--allocs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, app headless at {SIZE[0]}x{SIZE[1]}")
    agent = AgentProcess.start(
        "--allocs", str(args.allocs), "--churn", "0", "--no-processes", "--seed", "5", timeout=120
    )
    try:
        idle_cpu, _, rows, _ = await measure(agent, args.allocs, args.seconds, 0)
        live_cpu, rate, rows, sampled = await measure(agent, args.allocs, args.seconds, STATS_INTERVAL)
    finally:
        agent.stop()
    print(
        f"Stats {args.allocs} allocs, {rows} rows on screen, {sampled} running allocations sampled every "
        f"{STATS_INTERVAL} s: {rate:.1f} requests/s; app CPU {live_cpu:.2f}% of one core vs {idle_cpu:.2f}% "
        f"with sampling off (+{live_cpu - idle_cpu:.2f} points)"
    )


if __name__ == "__main__":
    asyncio.run(main())
