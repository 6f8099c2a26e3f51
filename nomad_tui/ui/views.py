"""The resource views besides allocations, declared once each: what to fetch, how to drill into
allocations, where the raw document lives, and the detail text.  `ResourceScreen` does the rest."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import msgspec
from rich.text import Text
from textual.message import Message

from nomad_tui.api.blocking import BlockingQuery, Failure
from nomad_tui.api.client import NomadClient, QueryMeta, Response
from nomad_tui.api.cluster_models import JobStub, NodeStub
from nomad_tui.api.models import AllocStub, is_terminal
from nomad_tui.api.paths import path_segment
from nomad_tui.sanitize import sanitize_line
from nomad_tui.state import kinds
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.state.placement import placement_story
from nomad_tui.state.resources import ResourceKind
from nomad_tui.state.usage import limits_of

ROW_LOADS = 4  # per-row requests in flight at most (the rows on screen only)
STORE_SETTLE = 1.0  # seconds: a view re-reads the allocation store at most this often while it changes

Fetch = Callable[[NomadClient, str, int | None, float | None], Awaitable[Response[list[Any]]]]


@dataclass(frozen=True, slots=True)
class Drill:
    filter_text: str  # the allocation filter that shows this item's allocations
    label: str  # the breadcrumb


@dataclass(frozen=True, slots=True)
class MoreDetail:
    """Detail lines that cost a request, read once per `version` of the selected item."""

    wanted: Callable[[Any], bool]
    version: Callable[[Any], object]
    load: Callable[[NomadClient, Any], Awaitable[list[str]]]
    loading: str


@dataclass(frozen=True, slots=True)
class RowLoad:
    """Per-row data that costs a request (a node's allocated resources): read only for the rows on
    screen, at most `ROW_LOADS` at once, and again only when the row's `version` changes."""

    version: Callable[[Any], object]
    load: Callable[[NomadClient, Any], Awaitable[object]]


# (items, the dashboard's allocation stubs by ID, the row loads' values by item key) -> items
Enrich = Callable[[Sequence[Any], Mapping[str, AllocStub], Mapping[str, object]], list[Any]]


@dataclass(frozen=True, slots=True)
class ViewSpec:
    kind: ResourceKind[Any]
    fetch: Fetch
    drill: Callable[[Any], Drill]
    raw_path: Callable[[Any], tuple[str, str | None]]  # (path, namespace) of the whole document
    summary: Callable[[Any], Text]
    key: str  # the default key that opens the view
    # per-item data the dashboard's allocation store already has (no request): nodes' running
    # counts, jobs' versions; re-applied when that store changes
    enrich: Enrich | None = None
    more: MoreDetail | None = None
    row_load: RowLoad | None = None


def _exact(value: str) -> str:
    return "=" + value.replace(" ", "")


def _job_summary(job: JobStub) -> Text:
    text = Text()
    text.append(f"{sanitize_line(job.namespace or 'default')}/{sanitize_line(job.id)}", style="bold")
    text.append(f" · {sanitize_line(job.type)} · {sanitize_line(job.status)} · priority {job.priority}")
    version = "version unknown" if job.version is None else f"version {job.version}"
    text.append(f" · {version} · job modify index {job.job_modify_index}\n")
    for group, counts in sorted((job.job_summary.summary or {}).items() if job.job_summary else []):
        text.append(f"  {sanitize_line(group)}: ", style="bold")
        states = ("running", "starting", "queued", "failed", "complete", "lost")
        parts = [f"{name} {getattr(counts, name)}" for name in states]
        text.append(", ".join(parts) + "\n")
    return text


def _node_summary(entry: kinds.NodeEntry) -> Text:
    node = entry.node
    text = Text()
    text.append(sanitize_line(node.name), style="bold")
    text.append(f" · {sanitize_line(node.id)} · {sanitize_line(node.address)} · Nomad {sanitize_line(node.version)}\n")
    text.append(
        f"  {entry.running} running allocations · schedulable CPU {node.cpu_capacity} MHz,"
        f" memory {node.memory_capacity} MiB (after the node's reservation)\n"
    )
    allocated = entry.allocated
    if allocated is None:
        text.append("  Reading what the node's allocations reserved…\n", style="dim")
    else:
        text.append(f"  Allocated to {allocated.live} live allocations:", style="bold")
        for separator, name, used, capacity, unit in (
            (" ", "CPU", allocated.cpu, node.cpu_capacity, "MHz"),
            (" · ", "memory", allocated.memory, node.memory_capacity, "MiB"),
        ):
            percent = kinds.share(used, capacity)
            share = "" if percent is None else f" ({percent} %)"
            text.append(f"{separator}{name} {used} {unit} of {capacity} {unit}{share}")
        text.append("\n")
    if node.status_description:
        text.append(f"  {sanitize_line(node.status_description)}\n", style="dim")
    return text


async def _fetch_jobs(client: NomadClient, namespace: str, index: int | None, wait: float | None) -> Response[Any]:
    return await client.list_jobs(namespace=namespace, index=index, wait=wait)


async def _fetch_nodes(client: NomadClient, namespace: str, index: int | None, wait: float | None) -> Response[Any]:
    return await client.list_nodes(index=index, wait=wait)


def _queued(job: JobStub) -> dict[str, int]:
    return {g: s.queued for g, s in ((job.job_summary.summary or {}).items() if job.job_summary else [])}


async def _placement(client: NomadClient, job: JobStub) -> list[str]:
    evals = await client.job_evaluations(job.id, job.namespace or "default")
    story = placement_story(evals, _queued(job))
    return story or ["Allocations are queued, but no blocked evaluation explains it yet."]


async def _allocated(client: NomadClient, entry: kinds.NodeEntry) -> kinds.Allocated:
    """What the node's live allocations reserved (as `nomad node status NODE` sums them)."""
    cpu = memory = live = 0
    for alloc in await client.node_allocations(entry.node.id):
        if alloc.is_terminal:
            continue
        live += 1
        limits = limits_of(alloc)
        cpu += limits.total_cpu
        memory += limits.total_memory
    return kinds.Allocated(live, cpu, memory)


def _enrich_jobs(
    jobs: Sequence[JobStub], stubs: Mapping[str, AllocStub], loaded: Mapping[str, object]
) -> list[JobStub]:
    """A job's version, when Nomad's list stub has none: the newest JobVersion among its allocations."""
    versions: dict[tuple[str, str], int] = {}
    for stub in stubs.values():
        key = (stub.namespace or "default", stub.job_id)
        if versions.get(key, -1) < stub.job_version:
            versions[key] = stub.job_version
    out = []
    for job in jobs:
        version = versions.get((job.namespace or "default", job.id))
        out.append(job if job.version is not None or version is None else msgspec.structs.replace(job, version=version))
    return out


def _enrich_nodes(
    nodes: Sequence[NodeStub], stubs: Mapping[str, AllocStub], loaded: Mapping[str, object]
) -> list[kinds.NodeEntry]:
    running: dict[str, int] = {}
    live: dict[str, tuple[int, int]] = {}
    for stub in stubs.values():
        node_id = stub.node_id
        if stub.client_status == "running":
            running[node_id] = running.get(node_id, 0) + 1
        if not is_terminal(stub.client_status, stub.desired_status):
            count, total = live.get(node_id, (0, 0))
            live[node_id] = (count + 1, total + stub.create_index)
    out = []
    for node in nodes:
        allocated = loaded.get(node.id)
        out.append(
            kinds.NodeEntry(
                node,
                running.get(node.id, 0),
                live.get(node.id, (0, 0)),
                allocated if isinstance(allocated, kinds.Allocated) else None,
            )
        )
    return out


JOBS_VIEW = ViewSpec(
    kind=kinds.JOBS,
    fetch=_fetch_jobs,
    drill=lambda job: Drill(
        f"ns:{_exact(job.namespace or 'default')} job:{_exact(job.id)}",
        f"{sanitize_line(job.namespace or 'default')}/{sanitize_line(job.id)}",
    ),
    raw_path=lambda job: (f"/v1/job/{path_segment(job.id)}", job.namespace or "default"),
    summary=_job_summary,
    key="J",
    enrich=_enrich_jobs,
    more=MoreDetail(
        wanted=lambda job: any(_queued(job).values()),
        version=lambda job: job.modify_index,
        load=_placement,
        loading="Why not placed: reading the evaluations…",
    ),
)

NODES_VIEW = ViewSpec(
    kind=kinds.NODES,
    fetch=_fetch_nodes,
    drill=lambda entry: Drill(f"node:{_exact(entry.node.name or entry.node.id[:8])}", sanitize_line(entry.node.name)),
    raw_path=lambda entry: (f"/v1/node/{path_segment(entry.node.id)}", None),
    summary=_node_summary,
    key="",
    enrich=_enrich_nodes,
    row_load=RowLoad(version=lambda entry: entry.live_key, load=_allocated),
)

VIEWS: dict[str, ViewSpec] = {"jobs": JOBS_VIEW, "nodes": NODES_VIEW}
VIEW_NAMES = ("allocs", *VIEWS)


# ------------------------------------------------------------------------------------------ watching


class ResourcesFetched(Message):
    def __init__(self, view: str, generation: int, items: list[Any], meta: QueryMeta) -> None:
        super().__init__()
        self.view = view
        self.generation = generation
        self.items = items
        self.meta = meta


class ResourcesConnection(Message):
    def __init__(self, view: str, generation: int, state: ConnectionState) -> None:
        super().__init__()
        self.view = view
        self.generation = generation
        self.state = state


class ResourceWatcher:
    """One blocking query on a view's list; posts what it gets.  No widgets, no stores."""

    def __init__(
        self,
        spec: ViewSpec,
        client: NomadClient,
        namespace: str,
        post: Callable[[Message], object],
        *,
        generation: int,
        wait: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.client = client
        self.namespace = namespace
        self.post = post
        self.generation = generation
        self.clock = clock
        self.state = ConnectionState()

        async def fetch(index: int | None, wait_s: float) -> Response[list[Any]]:
            return await spec.fetch(client, namespace, index, wait_s)

        self.query: BlockingQuery[list[Any]] = BlockingQuery(fetch, wait=wait, clock=clock)

    async def run(self) -> None:
        name = self.spec.kind.name
        async with aclosing(self.query.updates()) as updates:
            async for item in updates:
                if isinstance(item, Failure):
                    self.state = ConnectionState.failed(
                        self.state, item.error, item.attempt, self.clock() + item.retry_in
                    )
                else:
                    now = self.clock()
                    self.state = ConnectionState(
                        phase=Phase.LIVE, index=item.meta.index, last_success=now, last_change=now
                    )
                    self.post(ResourcesFetched(name, self.generation, item.value, item.meta))
                self.post(ResourcesConnection(name, self.generation, self.state))
