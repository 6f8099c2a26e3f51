"""Deterministic churn: each step picks one plausible cluster change with a seeded random source.

Only simulated allocations churn; real-process ones change only through their processes and the API.
The population hovers around its starting size: placements and reschedules are balanced by GC of the
oldest terminal allocations.
"""

from __future__ import annotations

import random

from nomad_tui.devagent.model.cluster import Cluster, hash_text
from nomad_tui.devagent.model.records import Allocation

# Terminal allocations kept before GC starts removing the oldest (Nomad's GC is time-based; ours is
# count-based so a given seed and step count always give the same cluster).
MIN_TERMINAL_KEPT = 4
TERMINAL_FRACTION = 0.15
PENDING_FRACTION = 0.08


class Churn:
    def __init__(self, cluster: Cluster, seed: int, target_allocs: int) -> None:
        self.cluster = cluster
        self.rng = random.Random(f"churn:{seed}")
        self.target = max(1, target_allocs)
        self.steps = 0

    def step(self) -> str:
        """Apply one change; returns a short description (for logs and tests)."""
        self.steps += 1
        cluster = self.cluster
        if len(cluster.terminal_ids) > max(MIN_TERMINAL_KEPT, int(self.target * TERMINAL_FRACTION)):
            victim = cluster.terminal_ids.oldest()
            if victim is not None:
                cluster.gc(victim)
                return f"gc {victim}"
        roll = self.rng.random()
        if cluster.unknown_ids and roll < 0.08:
            alloc_id = cluster.unknown_ids.pick(self.rng)
            cluster.reconnect(alloc_id)
            return f"reconnect {alloc_id}"
        # Placements usually start within seconds: above a small share of the population, pending
        # allocations are moved on first, so a long-running demo stays a healthy-looking cluster.
        backlog = len(cluster.pending_ids) > max(2, int(self.target * PENDING_FRACTION))
        if cluster.pending_ids and (roll < 0.4 or backlog):
            alloc = cluster.allocs[cluster.pending_ids.pick(self.rng)]
            if alloc.TaskStates is None:
                cluster.receive(alloc.ID)
                return f"receive {alloc.ID}"
            cluster.start_tasks(alloc.ID)
            return f"start {alloc.ID}"
        running = self._random_running()
        if running is None:
            return "idle"
        alloc = running
        job = cluster.job_of(alloc)
        task = next(iter(alloc.TaskStates or ("",)))
        if job.type == "batch" and roll < 0.75:
            cluster.complete(alloc.ID)
            self._replace_batch(alloc)
            return f"complete {alloc.ID}"
        if roll < 0.7 and task:
            cluster.restart_within_policy(alloc.ID, task)
            return f"restart {alloc.ID}"
        if roll < 0.92 and task:
            cluster.task_failed(alloc.ID, task, exit_code=1 + self.rng.randrange(3))
            cluster.reschedule(alloc.ID)
            if job.type == "batch":
                self._replace_batch(alloc)
            return f"fail {alloc.ID}"
        if roll < 0.96:
            cluster.disconnect(alloc.ID)
            return f"disconnect {alloc.ID}"
        cluster.lose(alloc.ID)
        return f"lost {alloc.ID}"

    def _is_real(self, alloc: Allocation) -> bool:
        return self.cluster.job_of(alloc).is_real

    def _random_running(self) -> Allocation | None:
        """Rejection sampling over the creation order: cheap at 100k, deterministic, no extra index."""
        order = self.cluster.order
        if not order:
            return None
        for _ in range(32):
            alloc = self.cluster.allocs[order[self.rng.randrange(len(order))][1]]
            if alloc.ClientStatus == "running" and alloc.DesiredStatus == "run" and not self._is_real(alloc):
                return alloc
        return None

    def _replace_batch(self, done: Allocation) -> None:
        """Batch jobs keep submitting work: a finished batch allocation makes room for a new one."""
        cluster = self.cluster
        job = cluster.job_of(done)
        with cluster.write() as txn:
            node = cluster.pick_node(hash_text(done.ID) + self.steps)
            cluster.new_alloc(txn, job, cluster.group_of(done), node, cluster.slot_of(done) + 1)
