"""Dev agent numbers: start time and RSS at 100k allocations, list fetch costs, blocking-list round trips/s.

    python bench/devagent.py [--allocs 100000] [--seconds 3]

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
        print(f"RSS after serving the lists: {rss_mb(agent.popen.pid):.0f} MB")
    finally:
        agent.stop()


async def round_trips(allocs: int, seconds: float, watchers: int) -> None:
    """A writer changes one allocation; `watchers` clients each hold a blocking list query and re-issue it
    as soon as it answers. Reports answered blocking queries per second and writes per second."""
    agent = AgentProcess.start("--allocs", str(allocs), "--churn", "0", "--no-processes", timeout=120)
    try:
        limits = httpx.Limits(max_connections=watchers + 4)
        async with httpx.AsyncClient(base_url=agent.url, timeout=60, limits=limits) as client:
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
            f"blocking list, {allocs} allocations, {watchers} watcher(s): "
            f"{answered / elapsed:.0f} answered queries/s while {writes / elapsed:.0f} writes/s"
        )
    finally:
        agent.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--allocs", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    if args.allocs:
        scale(args.allocs)
    # Small lists measure the blocking machinery; bigger ones the encode (the client decodes in the same
    # process, so 20 watchers of a 10k list would mostly measure this script's own gzip/HTTP reading).
    asyncio.run(round_trips(100, args.seconds, 1))
    asyncio.run(round_trips(100, args.seconds, 20))
    asyncio.run(round_trips(1_000, args.seconds, 1))
    asyncio.run(round_trips(10_000, args.seconds, 1))


if __name__ == "__main__":
    main()
