"""Dev agent numbers: start time and RSS at 100k allocations, list fetch costs (first, cached, and the
first fetch after one allocation changed), blocking-list round trips/s.

    python bench/devagent.py [--allocs 100000] [--seconds 3] [--after-change 10000,100000]

Each agent runs as its own process through the launcher, exactly as tests and `--demo` start it.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import httpx

from nomad_tui.devagent.launcher import AgentProcess


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_get(client: httpx.Client, path: str, **params: str) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = client.get(path, params=params)
    response.read()
    return time.perf_counter() - start, response


def after_change(client: httpx.Client, allocs: int, repeats: int = 5) -> None:
    """The cost of a change: one allocation is updated, then the list is fetched again (its body cache
    cannot answer, so this is the rebuild the next blocking-list answer pays). Median of `repeats`."""
    target = client.get("/v1/allocations", params={"per_page": "1"}).json()[0]["ID"]
    variants = (
        ("task_states=false, identity", {"namespace": "*", "task_states": "false"}, {"Accept-Encoding": "identity"}),
        ("with task states,  identity", {"namespace": "*"}, {"Accept-Encoding": "identity"}),
        ("task_states=false, gzip    ", {"namespace": "*", "task_states": "false"}, {"Accept-Encoding": "gzip"}),
    )
    for label, params, headers in variants:
        client.get("/v1/allocations", params=params, headers=headers).read()  # warm whatever can be warmed
        times = []
        for _ in range(repeats):
            client.post(f"/v1/devagent/alloc/{target}/update", json={"event": {"type": "Driver", "message": "bench"}})
            start = time.perf_counter()
            client.get("/v1/allocations", params=params, headers=headers).read()
            times.append(time.perf_counter() - start)
        times.sort()
        print(f"list after one change, {allocs} allocations, {label}: {times[len(times) // 2] * 1000:.0f} ms (median)")


def scale(allocs: int) -> None:
    start = time.perf_counter()
    agent = AgentProcess.start("--allocs", str(allocs), "--churn", "0", "--no-processes", timeout=120)
    ready = time.perf_counter() - start
    try:
        print(
            f"start: {allocs} allocations ready in {ready:.2f} s (goal <= 10 s); RSS {rss_mb(agent.popen.pid):.0f} MB"
        )
        with httpx.Client(base_url=agent.url, timeout=120, headers={"Accept-Encoding": "identity"}) as client:
            for label, params in (
                ("task_states=false", {"namespace": "*", "task_states": "false"}),
                ("with task states ", {"namespace": "*"}),
            ):
                first, response = timed_get(client, "/v1/allocations", **params)
                second, _ = timed_get(client, "/v1/allocations", **params)
                size = len(response.content) / 1e6
                print(f"list {label}: {size:.1f} MB, first {first:.2f} s, cached {second:.2f} s")
        with httpx.Client(base_url=agent.url, timeout=120) as gz:
            first, response = timed_get(gz, "/v1/allocations", namespace="*", task_states="false")
            second, _ = timed_get(gz, "/v1/allocations", namespace="*", task_states="false")
            wire = int(response.headers.get("content-length", "0")) / 1e6
            print(
                f"list gzip (httpx default Accept-Encoding): {wire:.1f} MB on the wire, "
                f"first {first:.2f} s, cached {second:.2f} s"
            )
            after_change(gz, allocs, repeats=3)
        print(f"RSS after serving the lists: {rss_mb(agent.popen.pid):.0f} MB")
    finally:
        agent.stop()


def change_only(allocs: int) -> None:
    agent = AgentProcess.start("--allocs", str(allocs), "--churn", "0", "--no-processes", timeout=120)
    try:
        with httpx.Client(base_url=agent.url, timeout=120) as client:
            after_change(client, allocs)
    finally:
        agent.stop()


async def round_trips(allocs: int, seconds: float, watchers: int, identity: bool = False) -> None:
    """A writer changes one allocation; `watchers` clients each hold a blocking list query and re-issue it
    as soon as it answers. Reports answered blocking queries per second and writes per second. With
    `identity` the watchers ask for no compression, as the app does on loopback."""
    agent = AgentProcess.start("--allocs", str(allocs), "--churn", "0", "--no-processes", timeout=120)
    try:
        limits = httpx.Limits(max_connections=watchers + 4)
        headers = {"Accept-Encoding": "identity"} if identity else {}
        async with httpx.AsyncClient(base_url=agent.url, timeout=60, limits=limits, headers=headers) as client:
            params = {"namespace": "*", "task_states": "false"}
            first = await client.get("/v1/allocations", params=params)
            target = first.json()[0]["ID"]
            index = int(first.headers["X-Nomad-Index"])
            deadline = time.perf_counter() + seconds
            answered = 0
            writes = 0

            async def watcher() -> None:
                nonlocal answered
                last = index
                while time.perf_counter() < deadline:
                    response = await client.get("/v1/allocations", params={**params, "index": last, "wait": "2s"})
                    last = max(last, int(response.headers["X-Nomad-Index"]))
                    answered += 1

            async def writer() -> None:
                nonlocal writes
                while time.perf_counter() < deadline:
                    await client.post(
                        f"/v1/devagent/alloc/{target}/update", json={"event": {"type": "Driver", "message": "bench"}}
                    )
                    writes += 1
                    await asyncio.sleep(0)

            start = time.perf_counter()
            await asyncio.gather(writer(), *(watcher() for _ in range(watchers)))
            elapsed = time.perf_counter() - start
        print(
            f"blocking list, {allocs} allocations, {watchers} watcher(s){', identity' if identity else ''}: "
            f"{answered / elapsed:.0f} answered queries/s while {writes / elapsed:.0f} writes/s"
        )
    finally:
        agent.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--allocs", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--after-change", default="10000", help="comma-separated sizes for the after-one-change list time alone"
    )
    parser.add_argument("--only-after-change", action="store_true", help="skip everything else")
    args = parser.parse_args()
    for size in (int(n) for n in args.after_change.split(",") if n):
        change_only(size)
    if args.only_after_change:
        return
    if args.allocs:
        scale(args.allocs)
    # Small lists measure the blocking machinery; bigger ones the encode (the client decodes in the same
    # process, so 20 watchers of a 10k list would mostly measure this script's own gzip/HTTP reading).
    asyncio.run(round_trips(100, args.seconds, 1))
    asyncio.run(round_trips(100, args.seconds, 20))
    asyncio.run(round_trips(1_000, args.seconds, 1))
    asyncio.run(round_trips(10_000, args.seconds, 1))
    asyncio.run(round_trips(10_000, args.seconds, 1, identity=True))


if __name__ == "__main__":
    main()
