"""Dashboard figures against the dev agent (issue 4).  Prints, in one run:

  P1  time to first paint of 100k allocations, beside the time to merely download and decode the list; RSS
  P2  time to apply 100 changed allocations to a 100k list (as upserts, and as a whole new list)
  P3  change on the agent -> visible in the app: p50/p95 over 50 changes (1k and 10k allocations)
  P4  CPU% and request count over 60 s idle with 10k allocations
  and the bytes of one list response at 10k allocations with and without TaskStates.

    python bench/dashboard.py [--allocs 100000] [--idle 60]

The app runs headless (App.run_test) in this process; the agent runs as its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
from paint_probe import PaintProbe

from nomad_tui.api.client import NomadClient
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.settings import resolve
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

SIZE = (200, 50)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_agent(allocs: int) -> AgentProcess:
    return AgentProcess.start("--allocs", str(allocs), "--churn", "0", "--no-processes", "--seed", "5", timeout=120)


async def wait_until(predicate: Callable[[], bool], pilot: Any, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await pilot.pause(0.005)


async def download_and_decode(url: str, task_states: bool, runs: int = 3) -> tuple[float, int]:
    client = NomadClient(resolve({"address": url}, {}, {}))
    best, size = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        response = await client.list_allocations(task_states=task_states)
        best = min(best, time.perf_counter() - start)
        size = response.nbytes
    await client.aclose()
    return best, size


async def p1_p2(allocs: int) -> None:
    agent = start_agent(allocs)
    try:
        fetch, size = await download_and_decode(agent.url, task_states=False)
        probe = PaintProbe()
        asked: list[float] = []
        original_query = NomadClient.query

        async def timed_query(client: NomadClient, path: str, *args: Any, **kwargs: Any) -> Any:
            if path == "/v1/allocations":
                asked.append(time.perf_counter())
            return await original_query(client, path, *args, **kwargs)

        NomadClient.query = timed_query  # type: ignore[method-assign]
        app = NomadTuiApp(resolve({"address": agent.url}, {}, {}))
        start = time.perf_counter()
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(lambda: probe.first_row is not None, pilot)
            painted = probe.first_row
            assert painted is not None
            from_request, from_launch = painted - asked[0], painted - start
            await wait_until(lambda: len(screen.store) == allocs, pilot)
            await pilot.pause(0.5)
            print(
                f"P1  {allocs} allocs: first paint {from_request:.2f} s after the list request "
                f"({from_launch:.2f} s after launch, Textual's start-up included); download+decode alone "
                f"{fetch:.2f} s ({size / 1e6:.1f} MB, task_states=false); ratio {from_request / fetch:.2f}x; "
                f"RSS {rss_mb():.0f} MB"
            )
            # P2a: 100 upserts (what an incremental source such as the event stream delivers).
            rng = random.Random(1)
            stubs = list(screen.store.stubs.values())
            chosen = rng.sample(stubs, 100)
            changed = [
                msgspec.structs.replace(s, modify_index=s.modify_index + 10**9, client_status="failed") for s in chosen
            ]
            table = screen.query_one(AllocTable)
            start = time.perf_counter()
            diff = screen.store.upsert(changed)
            screen.view.apply(diff)
            table.data_changed()
            for y in range(table.size.height):
                table.render_line(y)
            upsert_ms = (time.perf_counter() - start) * 1000
            # P2b: the same through a whole new list (what a blocking list query delivers).
            # As Nomad answers: the written allocations carry the new index, and so does the list.
            new_index = max(s.modify_index for s in stubs) + 10**9
            full = {s.id: s for s in stubs}
            for stub in chosen:
                full[stub.id] = msgspec.structs.replace(stub, modify_index=new_index)
            new_list = list(full.values())
            start = time.perf_counter()
            diff = screen.store.apply_list(new_list, index=new_index)
            screen.view.apply(diff)
            table.data_changed()
            for y in range(table.size.height):
                table.render_line(y)
            list_ms = (time.perf_counter() - start) * 1000
            print(
                f"P2  100 changed of {allocs}: {upsert_ms:.1f} ms as upserts; {list_ms:.1f} ms from a whole new "
                f"list ({len(new_list)} stubs: those with a ModifyIndex above the last list's index)"
            )
    finally:
        agent.stop()


async def p3(allocs: int, changes: int = 50) -> None:
    agent = start_agent(allocs)
    control = httpx.AsyncClient(base_url=agent.url, timeout=30)
    try:
        probe = PaintProbe()
        app = NomadTuiApp(resolve({"address": agent.url}, {}, {}))
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            table = screen.query_one(AllocTable)
            await wait_until(lambda: len(screen.store) == allocs, pilot)
            await pilot.pause(1.0)
            rng = random.Random(3)
            latencies = []
            candidates = [a for a in screen.store.stubs if screen.store.row(a).status == "running"]
            for alloc_id in rng.sample(candidates, changes):
                table.select_id(alloc_id)
                await pilot.pause(0.05)
                probe.wanted = lambda row, text, alloc_id=alloc_id: row.id == alloc_id and " failed " in text
                probe.seen_at = None
                start = time.perf_counter()
                await control.post(f"/v1/devagent/alloc/{alloc_id}/update", json={"client_status": "failed"})
                await wait_until(lambda: probe.seen_at is not None, pilot, timeout=30)
                latencies.append((probe.seen_at - start) * 1000)  # type: ignore[operator]
            latencies.sort()
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            print(
                f"P3  {allocs} allocs, {changes} changes: change -> visible p50 {statistics.median(latencies):.0f} ms, "
                f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
            )
    finally:
        await control.aclose()
        agent.stop()


async def p4(allocs: int, idle: float) -> None:
    agent = start_agent(allocs)
    control = httpx.AsyncClient(base_url=agent.url, timeout=30)
    try:
        for task_states in (True, False):
            _, size = await download_and_decode(agent.url, task_states=task_states, runs=1)
            print(
                f"    list response at {allocs} allocs, task_states={str(task_states).lower()}: "
                f"{size / 1e6:.2f} MB ({size / allocs:.0f} B per allocation)"
            )
        app = NomadTuiApp(resolve({"address": agent.url}, {}, {}))
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(lambda: len(screen.store) == allocs, pilot)
            await pilot.pause(3.0)  # let the detail query and the payload choice settle
            await control.delete("/v1/devagent/requests")
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu0, wall0 = usage.ru_utime + usage.ru_stime, time.perf_counter()
            await pilot.pause(idle)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime - cpu0
            wall = time.perf_counter() - wall0
            requests = (await control.get("/v1/devagent/requests")).json()
            print(
                f"P4  {allocs} allocs idle {wall:.0f} s: CPU {100 * cpu / wall:.2f}% of one core; "
                f"{len(requests)} requests started (blocking queries in flight: list + detail)"
            )
    finally:
        await control.aclose()
        agent.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--allocs", type=int, default=100_000)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, app headless at {SIZE[0]}x{SIZE[1]}")
    await p1_p2(args.allocs)
    await p3(1000)
    await p3(10_000)
    await p4(10_000, args.idle)


if __name__ == "__main__":
    asyncio.run(main())
