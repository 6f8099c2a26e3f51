"""Decode 100k allocation list stubs: json.loads vs our typed msgspec decoder.

    python bench/decode.py [--count 100000]

Prints seconds and MB/s for the list with and without TaskStates (task_states=false sends
"TaskStates": null).  The documents carry every key of Nomad's AllocListStub (docs/nomad-wire.md §2), two tasks
with three full TaskEvents each, in the byte-wise key order Nomad's encoder uses.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
import uuid

from nomad_tui.api.decode import decode
from nomad_tui.api.models import AllocStub


def event(kind: str, t: int) -> dict[str, object]:
    return {
        "Details": {"message": "", "exit_code": "0"},
        "DiskLimit": 0,
        "DisplayMessage": f"{kind} ok",
        "DownloadError": "",
        "DriverError": "",
        "DriverMessage": "",
        "ExitCode": 0,
        "FailedSibling": "",
        "FailsTask": False,
        "GenericSource": "",
        "KillError": "",
        "KillReason": "",
        "KillTimeout": 0,
        "Message": "",
        "RestartReason": "",
        "SetupError": "",
        "Signal": 0,
        "StartDelay": 0,
        "TaskSignal": "",
        "TaskSignalReason": "",
        "Time": t,
        "Type": kind,
        "ValidationError": "",
        "VaultError": "",
    }


def stub(rng: random.Random, i: int, with_tasks: bool) -> dict[str, object]:
    t = 1_700_000_000_000_000_000 + i * 1_000_000
    tasks = None
    if with_tasks:
        tasks = {
            name: {
                "Events": [event("Received", t), event("Task Setup", t + 1), event("Started", t + 2)],
                "Failed": False,
                "FinishedAt": None,
                "LastRestart": None,
                "Paused": "",
                "Restarts": 0,
                "StartedAt": "2026-11-22T10:00:00.123456789Z",
                "State": "running",
                "TaskHandle": None,
            }
            for name in ("web", "sidecar")
        }
    return {
        "ClientDescription": "Tasks are running",
        "ClientStatus": "running",
        "CreateIndex": i + 10,
        "CreateTime": t,
        "DeploymentStatus": None,
        "DesiredDescription": "",
        "DesiredStatus": "run",
        "DesiredTransition": {
            "ForceReschedule": None,
            "Migrate": None,
            "MigrateDisablePlacement": None,
            "NoShutdownDelay": None,
            "Reschedule": None,
        },
        "EvalID": str(uuid.UUID(int=rng.getrandbits(128))),
        "FollowupEvalID": "",
        "ID": str(uuid.UUID(int=rng.getrandbits(128))),
        "JobID": f"job-{i % 500}",
        "JobType": "service",
        "JobVersion": 3,
        "ModifyIndex": i + 20,
        "ModifyTime": t,
        "Name": f"job-{i % 500}.web[{i % 7}]",
        "Namespace": "default",
        "NextAllocation": "",
        "NodeID": str(uuid.UUID(int=rng.getrandbits(128))),
        "NodeName": f"node-{i % 40}",
        "PreemptedAllocations": None,
        "PreemptedByAllocation": "",
        "RescheduleTracker": None,
        "TaskGroup": "web",
        "TaskStates": tasks,
    }


def body(count: int, with_tasks: bool) -> bytes:
    rng = random.Random(1)
    return json.dumps([stub(rng, i, with_tasks) for i in range(count)], separators=(",", ":")).encode()


def best_of(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    print(f"{args.count} list stubs; best of 3, cyclic GC on (as in the app)")
    print(f"{'payload':<28}{'MB':>8}{'json.loads s':>14}{'MB/s':>8}{'typed s':>10}{'MB/s':>8}{'speed-up':>10}")
    for with_tasks in (False, True):
        data = body(args.count, with_tasks)
        mb = len(data) / 1e6
        t_json = best_of(lambda data=data: json.loads(data))
        t_typed = best_of(lambda data=data: decode(data, list[AllocStub]))
        label = "with TaskStates" if with_tasks else "task_states=false"
        print(
            f"{label:<28}{mb:>8.1f}{t_json:>14.2f}{mb / t_json:>8.0f}{t_typed:>10.2f}{mb / t_typed:>8.0f}"
            f"{t_json / t_typed:>9.1f}x"
        )


if __name__ == "__main__":
    main()
