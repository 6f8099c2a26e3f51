"""Jobs, evaluations and nodes: /v1/jobs, /v1/job/:id[/summary|/evaluations|/allocations],
/v1/evaluation/:id, /v1/nodes, /v1/node/:id[/allocations].  Every read blocks like Nomad's
(`index`/`wait`), waking on the cluster's writes."""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from nomad_tui.devagent import wire
from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.http.common import (
    Blocking,
    HttpError,
    Routes,
    agent_of,
    authorize,
    json_response,
    namespace,
    parse_bool_param,
    parse_query_options,
    require_method,
    set_query_meta,
)
from nomad_tui.devagent.http.list_query import uuid_index_error
from nomad_tui.devagent.http.routes_allocs import _block
from nomad_tui.devagent.model.cluster import Cluster
from nomad_tui.devagent.model.specs import JobSpec, NodeSpec
from nomad_tui.devagent.model.timefmt import rfc3339nano
from nomad_tui.devagent.runtime import Agent

# ----- jobs ------------------------------------------------------------------------------------------


def _summaries(cluster: Cluster) -> None:
    cluster.summaries.refresh(cluster.alloc_index, cluster.allocs.values())


def _job_status(cluster: Cluster, job: JobSpec) -> str:
    """nomad/state/state_store.go getJobStatus: dead without live allocations or open evaluations."""
    counts = cluster.summaries.counts.get((job.namespace, job.id), {})
    live = sum(c["Running"] + c["Starting"] + c["Unknown"] for c in counts.values())
    if live:
        return "running"
    if (job.namespace, job.id) in cluster.evals.queued:
        return "pending"  # a blocked evaluation is still open
    return "dead" if counts else "pending"


def _jobs_index(cluster: Cluster) -> int:
    _summaries(cluster)
    jobs = max((j.create_index for j in cluster.jobs.values()), default=1)
    return max(jobs, cluster.evals.index, max(cluster.summaries.modify_index.values(), default=0))


def _job_stub(cluster: Cluster, job: JobSpec, datacenter: str) -> dict[str, Any]:
    summary = cluster.summaries.summary(job, cluster.evals.queued.get((job.namespace, job.id), {}))
    return {
        "CreateIndex": job.create_index,
        "Datacenters": [datacenter],
        "ID": job.id,
        "JobModifyIndex": job.create_index,
        "JobSummary": summary,
        "ModifyIndex": max(job.create_index, summary["ModifyIndex"]),
        "Multiregion": None,
        "Name": job.id,
        "Namespace": job.namespace,
        "NodePool": "default",
        "ParameterizedJob": False,
        "ParentID": "",
        "Periodic": False,
        "Priority": job.priority,
        "Status": _job_status(cluster, job),
        "StatusDescription": "",
        "Stop": False,
        "SubmitTime": job.submit_time,
        "Type": job.type,
    }


def _read(request: web.Request) -> tuple[Blocking, Agent]:
    """How every read here starts, as Nomad's handlers do: GET only, the query options, a token that may read."""
    require_method(request, "GET")
    blocking = parse_query_options(request)
    authorize(request, Capability.READ)
    return blocking, agent_of(request)


def _sub_resource(request: web.Request, known: tuple[str, ...]) -> tuple[str, str]:
    """`/v1/job/<id>[/<what>]` (or node): the ID and `what`; an unknown `what` is Nomad's 404."""
    item, _, what = request.match_info["tail"].partition("/")
    if what not in known:
        raise HttpError(404, "resource not found")
    return item, what


async def jobs(request: web.Request) -> web.StreamResponse:
    blocking, agent = _read(request)
    cluster = agent.cluster
    await _block(request, blocking, lambda: _jobs_index(cluster), None)
    ns = namespace(request)
    prefix = request.query.get("prefix", "")
    index = _jobs_index(cluster)
    body = [
        _job_stub(cluster, job, agent.config.datacenter)
        for (job_ns, job_id), job in sorted(cluster.jobs.items())
        if (ns == "*" or job_ns == ns) and job_id.startswith(prefix)
    ]
    response = json_response(request, body)
    set_query_meta(response, index)
    return response


def _job(agent: Agent, request: web.Request, job_id: str) -> JobSpec:
    job = agent.cluster.jobs.get((namespace(request), job_id))
    if job is None:
        raise HttpError(404, "job not found")
    return job


async def job_routes(request: web.Request) -> web.StreamResponse:
    """/v1/job/:id and its read-only sub-resources."""
    blocking, agent = _read(request)
    cluster = agent.cluster
    job_id, what = _sub_resource(request, ("", "summary", "evaluations", "allocations"))
    job = _job(agent, request, job_id)
    key = (job.namespace, job.id)

    def index() -> int:
        if what == "summary":
            _summaries(cluster)
            return max(job.create_index, cluster.summaries.modify_index.get(key, 0))
        if what == "evaluations":
            return max([job.create_index, *(e["ModifyIndex"] for e in cluster.evals.of_job(*key))])
        if what == "allocations":
            return max(job.create_index, cluster.alloc_index)
        return job.create_index

    await _block(request, blocking, index, None)
    body: Any
    if what == "summary":
        _summaries(cluster)
        body = cluster.summaries.summary(job, cluster.evals.queued.get(key, {}))
    elif what == "evaluations":
        body = cluster.evals.of_job(*key)
    elif what == "allocations":
        body = [
            wire.stub(a, task_states=True, resources=False)
            for a in cluster.allocs.values()
            if a.Namespace == job.namespace and a.JobID == job.id
        ]
    else:
        _summaries(cluster)
        body = {**job.wire, "Status": _job_status(cluster, job)}
    response = json_response(request, body)
    set_query_meta(response, index())
    return response


async def evaluation(request: web.Request) -> web.StreamResponse:
    blocking, agent = _read(request)
    cluster = agent.cluster
    eval_id = request.match_info["eval_id"]
    problem = uuid_index_error(eval_id, exact=True)
    if problem:
        raise HttpError(500, f"eval lookup failed: index error: {problem}")
    await _block(request, blocking, lambda: cluster.evals.index, None)
    record = cluster.evals.evals.get(eval_id)
    if record is None:
        alloc = next((a for a in cluster.allocs.values() if a.EvalID == eval_id), None)
        if alloc is None:
            raise HttpError(404, "eval not found")
        record = cluster.evals.for_alloc(alloc, cluster.job_of(alloc))
    response = json_response(request, record)
    set_query_meta(response, record["ModifyIndex"])
    return response


# ----- nodes -----------------------------------------------------------------------------------------


def _topology(node: NodeSpec) -> dict[str, Any]:
    """One NUMA node with identical cores (client/lib/numalib/topology.go `Topology`, `Core`).  Go
    encodes a []uint8 as base64: `Nodes` [0] is "AA==" and the distance matrix [[10]] is ["Cg=="]."""
    core = {"BaseSpeed": node.cpu_mhz_per_core, "Disable": False, "Grade": True, "GuessSpeed": 0, "MaxSpeed": 0}
    return {
        "BusAssociativity": {},
        "Cores": [{**core, "ID": i, "NodeID": 0, "SocketID": 0} for i in range(node.cpu_cores)],
        "Distances": ["Cg=="],
        "Nodes": "AA==",
        "OverrideTotalCompute": 0,
        "OverrideWitholdCompute": 0,
    }


def _node_resources(node: NodeSpec) -> dict[str, Any]:
    """NodeResources (nomad/structs/structs.go): the pre-1.7 `Cpu` block is still sent beside
    `Processors`; schedulable capacity is these totals less `ReservedResources`."""
    return {
        "Cpu": {
            "CpuShares": node.cpu_shares,
            "ReservableCpuCores": list(range(node.cpu_cores)),
            "TotalCpuCores": node.cpu_cores,
        },
        "Devices": None,
        "Disk": {"DiskMB": node.disk_mb},
        "MaxDynamicPort": 32000,
        "Memory": {"MemoryMB": node.memory_mb},
        "MinDynamicPort": 20000,
        "NodeNetworks": None,
        "Networks": None,
        "Processors": {"Topology": _topology(node)},
    }


RESERVED = {
    "Cpu": {"CpuShares": 100, "ReservedCpuCores": None},
    "Disk": {"DiskMB": 0},
    "Memory": {"MemoryMB": 256},
    "Networks": {"ReservedHostPorts": ""},
}


def _drivers(node: NodeSpec, now: int) -> dict[str, Any]:
    healthy = {"Attributes": None, "Detected": True, "HealthDescription": "Healthy", "Healthy": True}
    return {name: {**healthy, "UpdateTime": rfc3339nano(now)} for name in ("docker", "raw_exec")}


def node_stub(node: NodeSpec, now: int, resources: bool, version: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Address": node.address,
        "CreateIndex": 1,
        "Datacenter": node.datacenter,
        "Drain": node.drain,
        "Drivers": _drivers(node, now),
        "HostVolumes": None,
        "ID": node.id,
        "LastDrain": None,
        "ModifyIndex": 1,
        "Name": node.name,
        "NodeClass": node.node_class,
        "NodePool": "default",
        "SchedulingEligibility": node.eligibility,
        "Status": node.status,
        "StatusDescription": "",
        "Version": version,
    }
    if resources:
        body["NodeResources"] = _node_resources(node)
        body["ReservedResources"] = RESERVED
    return dict(sorted(body.items()))


async def nodes(request: web.Request) -> web.StreamResponse:
    blocking, agent = _read(request)
    resources = parse_bool_param(request, "resources", False)
    prefix = request.query.get("prefix", "")
    await _block(request, blocking, lambda: 1, None)
    now = agent.clock.now()
    body = [
        node_stub(n, now, resources, agent.config.nomad_version) for n in agent.cluster.nodes if n.id.startswith(prefix)
    ]
    response = json_response(request, body)
    set_query_meta(response, 1)
    return response


async def node_routes(request: web.Request) -> web.StreamResponse:
    blocking, agent = _read(request)
    cluster = agent.cluster
    node_id, what = _sub_resource(request, ("", "allocations"))
    problem = uuid_index_error(node_id, exact=True)
    if problem:
        raise HttpError(500, f"node lookup failed: index error: {problem}")
    spec = cluster.nodes_by_id.get(node_id)
    if spec is None:
        raise HttpError(404, "node not found")
    if what == "allocations":
        await _block(request, blocking, lambda: cluster.alloc_index, None)
        allocs = [wire.full_allocation(a) for a in cluster.allocs.values() if a.NodeID == node_id]
        response = json_response(request, allocs)
        set_query_meta(response, cluster.alloc_index)
        return response
    await _block(request, blocking, lambda: 1, None)
    body = node_stub(spec, agent.clock.now(), True, agent.config.nomad_version)
    body.update(
        {
            "Attributes": {
                "cpu.numcores": str(spec.cpu_cores),
                "kernel.name": "linux",
                "memory.totalbytes": str(spec.memory_mb * 1024 * 1024),
                "nomad.version": agent.config.nomad_version,
                "unique.hostname": spec.name,
            },
            "ComputedClass": f"v1:{int(hashlib.blake2b(spec.node_class.encode(), digest_size=8).hexdigest(), 16)}",
            "HTTPAddr": agent.http_addr,
            "Meta": {"rack": f"r{int(spec.id[:2], 16) % 8}"},
            "Resources": None,
            "StatusUpdatedAt": 0,
        }
    )
    response = json_response(request, dict(sorted(body.items())))
    set_query_meta(response, 1)
    return response


ROUTES: Routes = (
    ("/v1/jobs", jobs),
    ("/v1/job/{tail:.*}", job_routes),
    ("/v1/evaluation/{eval_id}", evaluation),
    ("/v1/nodes", nodes),
    ("/v1/node/{tail:.*}", node_routes),
)
