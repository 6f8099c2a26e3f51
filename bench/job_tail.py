"""Benchmark of the job-wide tail (issue 15).  Prints numbers; nothing asserts on them.

    python bench/job_tail.py                      # 20 allocations x 200 lines/s for 10 s
    python bench/job_tail.py --allocs 32 --rate 300 --seconds 15

A dev agent (own process) runs a job with N running allocations; a writer process appends `rate`
lines per second to each allocation's stdout through the agent's control endpoint (in 10 batches a
second).  The app (headless, 160x50) opens `L` on the job and follows all N streams.  Reported:
lines per second that reached the tail's buffer, lines the writer sent, and the event loop's longest
stall seen by a 1 ms ticker while it ran (goal <= 50 ms), in wall time and in the CPU time the loop
used during that gap (the difference is the machine running other work).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nomad_tui.devagent.launcher import AgentProcess  # noqa: E402
from nomad_tui.settings import resolve  # noqa: E402
from nomad_tui.ui.app import NomadTuiApp  # noqa: E402
from nomad_tui.ui.screens.dashboard import DashboardScreen  # noqa: E402
from nomad_tui.ui.screens.job_tail import JobTailScreen  # noqa: E402
from nomad_tui.ui.widgets.alloc_table import AllocTable  # noqa: E402

TICKS = 10  # writer batches per second


def writer(url: str, alloc_ids: list[str], rate: int, seconds: float, sent: multiprocessing.Value) -> None:  # type: ignore[valid-type]
    """Append `rate` lines/s to each allocation's stdout until `seconds` have passed."""
    per_tick = max(1, rate // TICKS)
    with httpx.Client(base_url=url, timeout=10) as client:
        start = time.monotonic()
        tick = 0
        while time.monotonic() - start < seconds:
            for alloc_id in alloc_ids:
                lines = "".join(
                    f"{time.time():.3f} {alloc_id[:8]} request {tick * per_tick + i} served in 12ms status=200\n"
                    for i in range(per_tick)
                )
                body = {"task": "main", "type": "stdout", "data": lines}
                client.post(f"/v1/devagent/alloc/{alloc_id}/log", json=body)
                sent.value += per_tick  # type: ignore[attr-defined]
            tick += 1
            next_at = start + tick / TICKS
            time.sleep(max(0.0, next_at - time.monotonic()))


async def run(allocs: int, rate: int, seconds: float) -> None:
    agent = AgentProcess.start("--allocs", "3", "--churn", "0", "--no-processes")
    try:
        with httpx.Client(base_url=agent.url, timeout=30) as control:
            body = {"job": "bench", "group": "g", "tasks": ["main"], "count": allocs}
            ids = control.post("/v1/devagent/allocs", json=body).json()["ids"]
        app = NomadTuiApp(resolve({"address": agent.url}, {}, {}))
        async with app.run_test(size=(160, 50)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            while ids[-1] not in screen.store:
                await pilot.pause(0.05)
            screen.query_one(AllocTable).select_id(ids[0])
            await pilot.press("L")
            while not isinstance(app.screen, JobTailScreen):
                await pilot.pause(0.05)
            tail = app.screen
            while sum(1 for s in tail.stream_states.values() if s == "streaming") < allocs:
                await pilot.pause(0.05)

            longest = longest_cpu = 0.0
            stop = asyncio.Event()

            async def ticker() -> None:
                # Wall time between 1 ms ticks, and the CPU time this thread used meanwhile: on a busy
                # machine a long gap can be the OS running someone else, not our loop being busy.
                nonlocal longest, longest_cpu
                last, last_cpu = time.perf_counter(), time.thread_time()
                while not stop.is_set():
                    await asyncio.sleep(0.001)
                    now, now_cpu = time.perf_counter(), time.thread_time()
                    longest = max(longest, now - last)
                    longest_cpu = max(longest_cpu, now_cpu - last_cpu)
                    last, last_cpu = now, now_cpu

            sent = multiprocessing.Value("q", 0)
            proc = multiprocessing.Process(target=writer, args=(agent.url, ids, rate, seconds, sent))
            ticking = asyncio.create_task(ticker())
            buffer = tail.buffer
            lines_before = buffer.end_number + buffer.dropped_lines - buffer.first_number
            started = time.perf_counter()
            proc.start()
            while proc.is_alive():
                await pilot.pause(0.1)
            await pilot.pause(1.0)  # the last batches drain through the agent's 200 ms frames
            elapsed = time.perf_counter() - started
            stop.set()
            await ticking
            received = buffer.end_number + buffer.dropped_lines - buffer.first_number - lines_before
            print(f"job-wide tail, {allocs} allocations x {rate} lines/s for {seconds:.0f} s")
            print(f"  writer sent      {sent.value:,} lines ({sent.value / seconds:,.0f}/s asked)")
            print(f"  tail received    {received:,} lines ({received / elapsed:,.0f} lines/s over {elapsed:.1f} s)")
            print(f"  buffer           {len(buffer):,} lines, {buffer.dropped_bytes / 1024:,.0f} KiB dropped")
            print(f"  longest event-loop stall {longest * 1000:.1f} ms wall (goal <= 50 ms)")
            print(f"  longest stall in CPU time {longest_cpu * 1000:.1f} ms (the loop's own work)")
            print(f"  machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        agent.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--allocs", type=int, default=20)
    parser.add_argument("--rate", type=int, default=200, help="lines per second per allocation")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.allocs, args.rate, args.seconds))


if __name__ == "__main__":
    main()
