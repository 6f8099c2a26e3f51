"""What the cluster runs: namespaces, nodes and jobs (groups of tasks). Built once, then read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TaskSpec:
    name: str
    driver: str = "docker"
    # argv of a real process the process driver runs for this task; None means simulated only.
    command: tuple[str, ...] | None = None
    cpu: int = 100
    memory_mb: int = 128


@dataclass(frozen=True)
class GroupSpec:
    name: str
    tasks: tuple[TaskSpec, ...]
    ports: tuple[str, ...] = ()
    count: int = 1
    # (LTarget, Operand, RTarget), as in a jobspec's constraint block
    constraints: tuple[tuple[str, str, str], ...] = ()

    def task(self, name: str) -> TaskSpec | None:
        return next((t for t in self.tasks if t.name == name), None)


@dataclass
class JobSpec:
    id: str
    namespace: str
    type: str  # service, batch, system or sysbatch
    groups: tuple[GroupSpec, ...]
    version: int = 0
    priority: int = 50
    create_index: int = 1
    submit_time: int = 0
    deployment_id: str = ""
    # The Job object every allocation of this job version carries (shared, never mutated).
    wire: dict[str, Any] = field(default_factory=dict)

    def group(self, name: str) -> GroupSpec | None:
        return next((g for g in self.groups if g.name == name), None)

    @property
    def is_real(self) -> bool:
        return any(t.command is not None for g in self.groups for t in g.tasks)


@dataclass(frozen=True)
class NodeSpec:
    id: str
    name: str
    datacenter: str = "dc1"
    node_class: str = ""
    address: str = "127.0.0.1"
    cpu_cores: int = 4
    cpu_mhz_per_core: int = 2500
    memory_mb: int = 8192
    disk_mb: int = 100_000
    status: str = "ready"
    eligibility: str = "eligible"
    drain: bool = False

    @property
    def cpu_shares(self) -> int:
        return self.cpu_cores * self.cpu_mhz_per_core


def job_wire(job: JobSpec, region: str, datacenter: str, modify_index: int) -> dict[str, Any]:
    """The Job JSON an allocation carries: a trimmed but well-formed copy, keys in byte order."""
    groups = []
    for g in job.groups:
        tasks = [
            {
                "Config": {"command": t.command[0], "args": list(t.command[1:])}
                if t.command
                else {"image": f"{t.name}:latest"},
                "Driver": "raw_exec" if t.command else t.driver,
                "Env": None,
                "KillTimeout": 5_000_000_000,
                "Leader": False,
                "Lifecycle": None,
                "Name": t.name,
                "Resources": {"CPU": t.cpu, "MemoryMB": t.memory_mb},
            }
            for t in g.tasks
        ]
        group: dict[str, Any] = {
            "Count": g.count,
            "Name": g.name,
            "RestartPolicy": {
                "Attempts": 2,
                "Delay": 15_000_000_000,
                "Interval": 1_800_000_000_000,
                "Mode": "fail",
            },
            "Tasks": tasks,
        }
        if g.constraints:  # only the unplaceable demo job has any; the others keep their bytes
            group = {
                "Constraints": [{"LTarget": lt, "Operand": op, "RTarget": rt} for lt, op, rt in g.constraints],
                **group,
            }
        groups.append(group)
    return {
        "AllAtOnce": False,
        "CreateIndex": job.create_index,
        "Datacenters": [datacenter],
        "ID": job.id,
        "JobModifyIndex": modify_index,
        "ModifyIndex": modify_index,
        "Name": job.id,
        "Namespace": job.namespace,
        "Priority": job.priority,
        "Region": region,
        "Status": "running",
        "Stop": False,
        "SubmitTime": job.submit_time,
        "TaskGroups": groups,
        "Type": job.type,
        "Version": job.version,
    }
