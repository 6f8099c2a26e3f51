"""Nomad's wire records as msgspec Structs.

Field names are Nomad's Go names and every Struct declares its fields in byte-wise (ASCII) order,
because Nomad's codec writes struct keys sorted that way and msgspec writes them in declaration order.
A unit test checks that the declarations stay sorted. Structs are `gc=False`: the model never builds
reference cycles, and 100k allocations otherwise make every GC pass crawl.
"""

from __future__ import annotations

from typing import Any

import msgspec


class TaskEvent(msgspec.Struct, gc=False):
    Details: dict[str, str]
    DiskLimit: int = 0
    DisplayMessage: str = ""
    DownloadError: str = ""
    DriverError: str = ""
    DriverMessage: str = ""
    ExitCode: int = 0
    FailedSibling: str = ""
    FailsTask: bool = False
    GenericSource: str = ""
    KillError: str = ""
    KillReason: str = ""
    KillTimeout: int = 0
    Message: str = ""
    RestartReason: str = ""
    SetupError: str = ""
    Signal: int = 0
    StartDelay: int = 0
    TaskSignal: str = ""
    TaskSignalReason: str = ""
    Time: int = 0
    Type: str = ""
    ValidationError: str = ""
    VaultError: str = ""


class TaskState(msgspec.Struct, gc=False):
    Events: list[TaskEvent]
    Failed: bool = False
    FinishedAt: str | None = None
    LastRestart: str | None = None
    Paused: str = ""
    Restarts: int = 0
    StartedAt: str | None = None
    State: str = "pending"


class DesiredTransition(msgspec.Struct, gc=False):
    ForceReschedule: bool | None = None
    Migrate: bool | None = None
    MigrateDisablePlacement: bool | None = None
    NoShutdownDelay: bool | None = None
    Reschedule: bool | None = None

    def is_empty(self) -> bool:
        return (
            self.ForceReschedule is None
            and self.Migrate is None
            and self.MigrateDisablePlacement is None
            and self.NoShutdownDelay is None
            and self.Reschedule is None
        )


class RescheduleEvent(msgspec.Struct, gc=False):
    Delay: int
    PrevAllocID: str
    PrevNodeID: str
    RescheduleTime: int


class RescheduleTracker(msgspec.Struct, gc=False):
    Events: list[RescheduleEvent]
    LastReschedule: str = ""


class DeploymentStatus(msgspec.Struct, gc=False):
    Canary: bool = False
    Healthy: bool | None = None
    ModifyIndex: int = 0
    Timestamp: str | None = None


class AllocState(msgspec.Struct, gc=False):
    """One entry of AllocStates (disconnect tracking): Field is "ClientStatus"."""

    Field: str
    Time: str  # a time.Time in Go: RFC3339 text
    Value: str


class AllocatedCpu(msgspec.Struct, gc=False):
    CpuShares: int
    ReservedCores: list[int] | None = None


class AllocatedMemory(msgspec.Struct, gc=False):
    MemoryMB: int
    MemoryMaxMB: int = 0


class AllocatedTaskResources(msgspec.Struct, gc=False):
    Cpu: AllocatedCpu
    Devices: list[Any] | None
    Memory: AllocatedMemory
    Networks: list[Any] | None


class PortMapping(msgspec.Struct, gc=False):
    HostIP: str
    IgnoreCollision: bool
    Label: str
    To: int
    Value: int


class AllocatedShared(msgspec.Struct, gc=False):
    DiskMB: int
    Networks: list[Any] | None
    Ports: list[PortMapping] | None


class AllocatedResources(msgspec.Struct, gc=False):
    Shared: AllocatedShared
    TaskLifecycles: dict[str, Any]
    Tasks: dict[str, AllocatedTaskResources]


class Allocation(msgspec.Struct, gc=False):
    """The full Allocation; `encode.full_allocation` leaves out its empty top-level keys."""

    AllocModifyIndex: int
    AllocStates: list[AllocState] | None
    AllocatedResources: AllocatedResources | None
    ClientDescription: str
    ClientStatus: str
    CreateIndex: int
    CreateTime: int
    DeploymentID: str
    DeploymentStatus: DeploymentStatus | None
    DesiredDescription: str
    DesiredStatus: str
    DesiredTransition: DesiredTransition
    EvalID: str
    FollowupEvalID: str
    ID: str
    Job: dict[str, Any] | None
    JobID: str
    Metrics: dict[str, Any] | None
    ModifyIndex: int
    ModifyTime: int
    Name: str
    Namespace: str
    NetworkStatus: dict[str, Any] | None
    NextAllocation: str
    NodeID: str
    NodeName: str
    PreemptedAllocations: list[str] | None
    PreemptedByAllocation: str
    PreviousAllocation: str
    RescheduleTracker: RescheduleTracker | None
    Resources: dict[str, Any] | None
    SharedResources: dict[str, Any] | None
    SigningKeyID: str
    TaskGroup: str
    TaskResources: dict[str, Any] | None
    TaskStates: dict[str, TaskState] | None


class AllocStub(msgspec.Struct, gc=False):
    """`AllocListStub`: every key is always present except AllocatedResources (only with resources=true)."""

    AllocatedResources: AllocatedResources | msgspec.UnsetType | None
    ClientDescription: str
    ClientStatus: str
    CreateIndex: int
    CreateTime: int
    DeploymentStatus: DeploymentStatus | None
    DesiredDescription: str
    DesiredStatus: str
    DesiredTransition: DesiredTransition
    EvalID: str
    FollowupEvalID: str
    ID: str
    JobID: str
    JobType: str
    JobVersion: int
    ModifyIndex: int
    ModifyTime: int
    Name: str
    Namespace: str
    NextAllocation: str
    NodeID: str
    NodeName: str
    PreemptedAllocations: list[str] | None
    PreemptedByAllocation: str
    RescheduleTracker: RescheduleTracker | None
    TaskGroup: str
    TaskStates: dict[str, TaskState] | None


ALLOCATION_FIELDS: tuple[str, ...] = Allocation.__struct_fields__
"""Selectors a `filter` expression may start with: the full Allocation's top-level keys."""
