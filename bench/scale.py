"""The live engine at scale (issue 10): the event-stream feed against the list-blocking path, side by
side on the same dev agent, plus first rows after launch at large sizes.  Prints, in one run:

  for each CASE (allocations @ churn steps/s), for the new engine and for the list path forced:
    app CPU % of one core, RSS min/max (sampled every second), bytes received per minute,
    change -> visible p50/p95 (a probe change every 2 s to an allocation on screen: the row below
    the cursor, or with --probe-cursor the selected one, whose detail pane then updates as well);
    measured after the first load (and, for the new engine, after its one-time background read of
    task states, whose duration is printed)
  first rows after launch (from spawning the app's process, and from the app's start) at each size,
  with the time and RSS once every allocation is listed, and again once every allocation's task
  states are read (the background fill above 2,000 allocations; ~11 min at 1M), with the peak RSS.

    python bench/scale.py                                   # 10k@5/s and 100k@10/s, 5 min each; 100k and 1M
    python bench/scale.py --duration 20 --cases 10000:5 --first-rows 100000
    python bench/scale.py --engines events --profile /tmp   # cProfile of the measured window only
    python bench/scale.py --cases 10000:5 --first-rows "" --probe-every 0   # the churn alone, no probe

Each app runs headless (App.run_test) in its own process, so /proc gives its CPU and RSS alone; the
agent runs as its own process.  CPU is the app's: all of Textual's painting, and the app's handling of
each probe (its event, the detail pane's update); the harness's own work (its requests, RSS samples)
runs on a thread whose CPU time is subtracted.  Resource-usage sampling (whose cost follows the rows on
screen, not the cluster: see bench/stats.py) is off unless --with-usage.  Bytes are response body bytes
as httpx reads them off the socket.  Waiting for the first load polls with plain sleeps: Pilot.pause
waits on every widget's queue and costs more CPU than the engine being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from paint_probe import PaintProbe

from nomad_tui.api.stats_scheduler import STATS_INTERVAL

SIZE = (200, 50)
PROBE_EVERY = 2.0
WARMUP = 5.0


# ------------------------------------------------------------------------------------------ /proc
def proc_cpu() -> float:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


RECEIVED = [0]


def count_received() -> None:
    """Count every response body byte httpx reads off a socket (lists, the event stream, details)."""
    import httpx

    original = httpx.Response.aiter_raw

    async def aiter_raw(self: httpx.Response, chunk_size: int | None = None):  # type: ignore[no-untyped-def]
        async for chunk in original(self, chunk_size):
            RECEIVED[0] += len(chunk)
            yield chunk

    httpx.Response.aiter_raw = aiter_raw  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------------ child
async def wait_for(predicate: Any, pilot: Any, timeout: float, every: float = 0.005) -> None:
    """Poll with a plain sleep: Pilot.pause waits on every widget's queue, which costs the app's
    process more CPU than the engine being measured."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        if pilot.app._exception is not None:  # the app crashed: say so now, not after the timeout
            raise RuntimeError(f"the app failed: {pilot.app._exception!r}")
        await asyncio.sleep(every)


class Harness(threading.Thread):
    """What the benchmark does inside the app's process, on a thread of its own so that its CPU can be
    told apart from the app's: RSS every 0.2 s, and every PROBE_EVERY seconds a change to an
    allocation on screen (a blocking POST to the agent), timed until the table paints it.

    The allocation changed is the row below the cursor: on a busy cluster the changes a user sees are
    to rows on screen, and the selected one is seldom among them (1 in 10,000 at 10k).  Changing the
    selected allocation every 2 s adds its detail pane's work (its own blocking query, the same in
    both engines) to every probe; --probe-cursor measures that way."""

    def __init__(self, url: str, table: Any, probe: PaintProbe, duration: float, on_cursor: bool) -> None:
        super().__init__(daemon=True)
        self.url, self.table, self.probe, self.duration = url, table, probe, duration
        self.on_cursor = on_cursor
        self.latencies: list[float] = []
        self.rss: list[float] = []
        self.cpu = 0.0

    def run(self) -> None:
        import http.client
        from urllib.parse import urlsplit

        address = urlsplit(self.url)
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
        end = time.perf_counter() + self.duration
        next_probe = time.perf_counter()
        probe = self.probe
        while time.perf_counter() < end:
            self.rss.append(proc_rss_mb())
            row = self._probed_row() if PROBE_EVERY else None
            if time.perf_counter() >= next_probe and row is not None:
                next_probe = time.perf_counter() + PROBE_EVERY
                alloc_id, before = row.id, row.modify_index
                probe.seen_at = None
                probe.seen.clear()
                # Wanted before the change is sent: the app may paint it before the POST's answer is read.
                probe.wanted = lambda row, _, a=alloc_id, i=before: row.id == a and row.modify_index > i
                body = json.dumps({"event": {"type": "Driver", "message": f"probe {len(self.latencies)}"}})
                sent = time.perf_counter()
                connection.request(
                    "POST", f"/v1/devagent/alloc/{alloc_id}/update", body, {"Content-Type": "application/json"}
                )
                answer = connection.getresponse()
                reply = answer.read()
                if answer.status == 200 and json.loads(reply).get("index"):
                    if probe.seen.wait(10) and probe.seen_at is not None:
                        self.latencies.append((probe.seen_at - sent) * 1000)
                    else:
                        self.latencies.append(10_000.0)
                    probe.wanted = None
            time.sleep(0.2)
        connection.close()
        self.cpu = time.thread_time()  # this thread's CPU: the harness's own, subtracted from the app's

    def _probed_row(self) -> Any:
        """The row to change: the selected one, or the one below it (read from the app's thread-shared
        view: a row that went away meanwhile is skipped until the next round)."""
        if self.on_cursor:
            return self.table.cursor_row
        try:
            return self.table.view.row_at(self.table.cursor_position + 1)
        except (IndexError, KeyError):
            return None


async def child_live(url: str, engine: str, duration: float, usage: bool, on_cursor: bool = False) -> dict[str, Any]:
    from nomad_tui.settings import resolve
    from nomad_tui.ui.app import NomadTuiApp
    from nomad_tui.ui.screens.dashboard import DashboardScreen
    from nomad_tui.ui.widgets.alloc_table import AllocTable

    probe = PaintProbe()
    count_received()
    # On this thread: a list decoded on another would leave its ~90 MB (at 100k) in that thread's malloc
    # arena, counted in the app's RSS ever after.
    total = count_allocations(url)
    app = NomadTuiApp(
        resolve({"address": url}, {}, {}),
        feed_options={"force_list": engine == "list"},
        # Resource-usage sampling costs per visible row, whatever the cluster's size (bench/stats.py
        # measures it): off unless asked, so the figures are the live engine's.
        stats_interval=STATS_INTERVAL if usage else 0,
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(AllocTable)
        await wait_for(lambda: len(screen.store) >= total * 0.95, pilot, 600)
        await wait_for(lambda: screen.status_bar.load_progress is None, pilot, 600)
        loaded_at = time.perf_counter()
        if engine == "events":
            # The one-time background read of task states (above 2,000 allocations) is not steady state.
            await wait_for(lambda: screen.store.task_states_known >= 0.99 * len(screen.store), pilot, 900)
        fill_s = time.perf_counter() - loaded_at
        await asyncio.sleep(WARMUP)
        await pilot.press("j", "j", "j", "j", "j")
        if PROFILER:
            PROFILER[0].enable()
        harness = Harness(url, table, probe, duration, on_cursor)
        cpu0, t0, bytes0 = proc_cpu(), time.perf_counter(), RECEIVED[0]
        harness.start()
        # The app's loop does nothing for the harness meanwhile: it only waits for the thread.
        while harness.is_alive():
            await asyncio.sleep(1.0)
        elapsed = time.perf_counter() - t0
        cpu = proc_cpu() - cpu0 - harness.cpu
        if PROFILER:
            PROFILER[0].disable()
        received = RECEIVED[0] - bytes0
        latencies, rss = harness.latencies, harness.rss
        watcher = screen.list_watcher
        feed = watcher.feed if watcher is not None else None
        stats = feed.stats if feed is not None else None
        reconciles_in_window = stats.reconciles if stats else None
        if feed is not None and stats is not None and engine == "events":
            # One reconciliation more, after the window, so that its cost is known at every size (at
            # 100k the paced one may not fall inside a 5-minute window).
            before = stats.reconciles
            feed.resync("bench")
            await wait_for(lambda: stats.reconciles > before, pilot, 600)
        result = {
            "engine": engine,
            "mode": watcher.mode.value if watcher is not None else "?",
            "allocs": len(screen.store),
            "cpu_pct": 100 * cpu / elapsed,
            "harness_cpu_pct": 100 * harness.cpu / elapsed,
            "rss_min": min(rss),
            "rss_max": max(rss),
            "bytes_per_min": received / elapsed * 60,
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p95_ms": (
                statistics.quantiles(latencies, n=20)[18] if len(latencies) >= 20 else max(latencies, default=None)
            ),
            "probes": len(latencies),
            "seconds": elapsed,
            "task_fill_s": fill_s,
            "reconciles": reconciles_in_window,
            "reconcile_interval": stats.reconcile_interval if stats else None,
            "reconcile_cost_s": stats.last_reconcile_cost if stats else None,
            "reconcile_bytes": stats.last_reconcile_bytes if stats else None,
        }
    return result


def count_allocations(url: str) -> int:
    import httpx

    with httpx.Client(base_url=url, timeout=120) as control:
        return len(control.get("/v1/allocations", params={"task_states": "false", "namespace": "*"}).json())


async def child_first_rows(url: str, spawned: float, total: int) -> dict[str, Any]:
    from nomad_tui.settings import resolve
    from nomad_tui.ui.app import NomadTuiApp
    from nomad_tui.ui.screens.dashboard import DashboardScreen

    probe = PaintProbe()
    app = NomadTuiApp(resolve({"address": url}, {}, {}))
    started = time.perf_counter()
    started_mono = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_for(lambda: probe.first_row is not None, pilot, 600)
        assert probe.first_row is not None
        first = probe.first_row - started
        shown_at_first = len(screen.store)
        await wait_for(lambda: screen.status_bar.load_progress is None and len(screen.store) >= total, pilot, 1200)
        loaded = time.perf_counter() - started
        await asyncio.sleep(2.0)
        rss_loaded = proc_rss_mb()
        # Fully loaded: the background read of every allocation's task states (above 2,000), with the
        # RSS sampled every second on the way.
        peak = rss_loaded
        deadline = time.perf_counter() + 1800
        while screen.store.task_states_known < len(screen.store):
            if time.perf_counter() > deadline:
                raise TimeoutError("task states still unknown for some allocations after 30 min")
            await asyncio.sleep(1.0)
            peak = max(peak, proc_rss_mb())
        filled = time.perf_counter() - started
        await asyncio.sleep(2.0)
        return {
            "first_rows_from_app_start": first,
            "first_rows_from_spawn": first + (started_mono - spawned),
            "rows_at_first_paint": shown_at_first,
            "loaded_s": loaded,
            "allocs": len(screen.store),
            "rss_loaded_mb": rss_loaded,
            "filled_s": filled,
            "rss_filled_mb": proc_rss_mb(),
            "rss_peak_mb": max(peak, proc_rss_mb()),
        }


# ------------------------------------------------------------------------------------------ parent
PROFILER: list[Any] = []  # a cProfile.Profile covering the measured window only (--profile)
CHILD_FLAGS: list[str] = []  # --with-usage / --profile, passed on to every child


def run_child(*args: str) -> dict[str, Any]:
    spawned = time.monotonic()
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args, "--spawned", repr(spawned), *CHILD_FLAGS],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def start_agent(allocs: int, churn: float) -> Any:
    from nomad_tui.devagent.launcher import AgentProcess

    timeout = 60 + allocs / 10_000 * 10
    return AgentProcess.start(
        "--allocs", str(allocs), "--churn", str(churn), "--no-processes", "--seed", "5", timeout=timeout
    )


def fmt(value: Any, spec: str) -> str:
    return format(value, spec) if value is not None else "-".rjust(int(spec.split(".")[0] or 0))


def live_cases(cases: list[tuple[int, float]], duration: float, engines: list[str]) -> None:
    print(f"live engine, {duration:g} s per engine and case (after the first load and {WARMUP:g} s)")
    header = (
        f"{'case':>14} {'engine':>7} {'CPU %':>7} {'RSS MB min-max':>15} {'MB/min':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'probes':>6} {'reconciles, task fill':>34}"
    )
    print(header)
    for allocs, rate in cases:
        agent = start_agent(allocs, rate)
        try:
            results = {}
            for engine in engines:
                result = run_child("live", agent.url, engine, repr(duration))
                results[engine] = result
                reconcile = (
                    f"{result['reconciles']}×{result['reconcile_interval']:.0f}s" if result["reconciles"] else "-"
                )
                if engine == "events":
                    reconcile += f" fill {result['task_fill_s']:.0f}s"
                    if result["reconcile_cost_s"]:
                        # A reconciliation may fall outside the window: its average share, for the record.
                        share = 100 * result["reconcile_cost_s"] / result["reconcile_interval"]
                        reconcile += f" (+{share:.2f}% avg)"
                print(
                    f"{allocs:>8,}@{rate:g}/s {result['mode']:>7} {result['cpu_pct']:7.2f} "
                    f"{result['rss_min']:7.0f}-{result['rss_max']:<7.0f} {result['bytes_per_min'] / 1e6:8.2f} "
                    f"{fmt(result['p50_ms'], '7.0f')} {fmt(result['p95_ms'], '7.0f')} {result['probes']:>6} "
                    f"{reconcile:>34}",
                    flush=True,
                )
            if len(results) < 2:
                continue
            events, listing = results["events"], results["list"]
            cpu, nbytes = events["cpu_pct"], events["bytes_per_min"]
            if not events["reconciles"] and events["reconcile_cost_s"]:
                # No paced reconciliation fell inside the window: add its average share, CPU and bytes.
                cpu += 100 * events["reconcile_cost_s"] / events["reconcile_interval"]
                nbytes += events["reconcile_bytes"] / events["reconcile_interval"] * 60
            print(
                f"{'':>14} ratio list/events: CPU {listing['cpu_pct'] / max(cpu, 1e-9):.1f}x, "
                f"bytes {listing['bytes_per_min'] / max(nbytes, 1):.0f}x "
                f"(events with every reconciliation counted: {cpu:.2f} %, {nbytes / 1e6:.2f} MB/min)",
                flush=True,
            )
        finally:
            agent.stop()


def first_rows(sizes: list[int]) -> None:
    print("first rows after launch (new engine)")
    print(
        f"{'allocs':>10} {'from spawn s':>12} {'from app s':>10} {'rows':>6} {'loaded s':>9} {'RSS loaded MB':>13} "
        f"{'task states s':>13} {'RSS then MB':>11} {'peak MB':>8}"
    )
    for allocs in sizes:
        agent = start_agent(allocs, 0)
        try:
            result = run_child("first-rows", agent.url, "events", str(allocs))
            print(
                f"{allocs:>10,} {result['first_rows_from_spawn']:12.2f} {result['first_rows_from_app_start']:10.2f} "
                f"{result['rows_at_first_paint']:>6} {result['loaded_s']:9.1f} {result['rss_loaded_mb']:13.0f} "
                f"{result['filled_s']:13.0f} {result['rss_filled_mb']:11.0f} {result['rss_peak_mb']:8.0f}",
                flush=True,
            )
        finally:
            agent.stop()


def main() -> None:
    global PROBE_EVERY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds measured per engine and case")
    parser.add_argument("--cases", default="10000:5,100000:10", help="ALLOCS:STEPS_PER_S,... ('' for none)")
    parser.add_argument("--first-rows", default="100000,1000000", help="sizes for first rows ('' for none)")
    parser.add_argument("--engines", default="events,list", help="events, list or both (the ratio needs both)")
    parser.add_argument("--with-usage", action="store_true", help="sample resource usage (off: the engine alone)")
    parser.add_argument("--probe-cursor", action="store_true", help="probe the selected allocation (see Harness)")
    parser.add_argument(
        "--probe-every", type=float, default=PROBE_EVERY, help="seconds between probes; 0: none (the churn alone)"
    )
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of each child to DIR")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "URL", "ENGINE", "DURATION"), help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    PROBE_EVERY = args.probe_every
    if args.child:
        mode, url, engine, duration = args.child
        if mode == "live":
            work = child_live(url, engine, float(duration), args.with_usage, args.probe_cursor)
        else:
            work = child_first_rows(url, args.spawned, int(duration))
        if args.profile:
            import cProfile

            PROFILER.append(cProfile.Profile())
        result = asyncio.run(work)
        if args.profile:
            PROFILER[0].dump_stats(Path(args.profile) / f"{mode}-{engine}-{duration}.prof")
        print(json.dumps(result), flush=True)
        return
    CHILD_FLAGS.extend(["--with-usage"] if args.with_usage else [])
    CHILD_FLAGS.extend(["--probe-cursor"] if args.probe_cursor else [])
    CHILD_FLAGS.extend(["--probe-every", repr(args.probe_every)])
    CHILD_FLAGS.extend(["--profile", args.profile] if args.profile else [])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores (shared with other work: see the README)")
    cases = [(int(a), float(r)) for a, r in (c.split(":") for c in args.cases.split(",") if c)]
    if cases:
        live_cases(cases, args.duration, [e for e in args.engines.split(",") if e])
    sizes = [int(s) for s in args.first_rows.split(",") if s]
    if sizes:
        first_rows(sizes)


if __name__ == "__main__":
    main()
