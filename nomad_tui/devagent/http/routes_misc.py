"""Small read endpoints: agent/self, status/leader, regions, namespaces, jobs, nodes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web

from nomad_tui import __version__
from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.config import AgentConfig
from nomad_tui.devagent.http.common import (
    HttpError,
    agent_of,
    authorize,
    check_region,
    json_response,
    namespace,
    parse_query_options,
    require_method,
    set_query_meta,
)
from nomad_tui.devagent.http.list_query import uuid_index_error
from nomad_tui.devagent.model.specs import NodeSpec

LEADER = "127.0.0.1:4647"
REVISION = "devagent"


async def agent_self(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    authorize(request, Capability.READ)
    agent = agent_of(request)
    config = agent.config
    version = config.nomad_version
    return json_response(
        request,
        {
            "config": {
                "ACL": {"Enabled": config.acl},
                "Datacenter": config.datacenter,
                "NodeName": "nomad-tui-devagent",
                "Region": config.region,
                **_version_fields(config),
            },
            "member": {
                "Addr": "127.0.0.1",
                "Name": f"nomad-tui-devagent.{config.region}",
                "Port": 4648,
                "Status": "alive",
                "Tags": {"build": version, "dc": config.datacenter, "region": config.region, "role": "nomad"},
            },
            "stats": {
                "nomad": {"known_regions": "1", "leader": "true", "server": "true"},
                "devagent": {"version": __version__, "allocations": str(len(agent.cluster.allocs))},
            },
        },
    )


def _version_fields(config: AgentConfig) -> dict[str, Any]:
    """The agent config's version keys: before 0.7 flat strings, since then a `version.VersionInfo`
    object (Nomad's command/agent/config.go)."""
    if not config.at_least(0, 7):
        return {"Revision": REVISION, "Version": config.nomad_version, "VersionPrerelease": ""}
    info = {"Revision": REVISION, "Version": config.nomad_version, "VersionMetadata": "", "VersionPrerelease": ""}
    return {"Version": info}


async def status_leader(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    check_region(request)
    return json_response(request, LEADER)


async def regions(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    return json_response(request, [agent_of(request).config.region])


async def namespaces(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    parse_query_options(request)
    authorize(request, Capability.READ)
    agent = agent_of(request)
    body = [
        {
            "Capabilities": None,
            "CreateIndex": 1,
            "Description": "Default shared namespace" if name == "default" else f"{name} workloads",
            "Meta": None,
            "ModifyIndex": 1,
            "Name": name,
            "Quota": "",
        }
        for name in sorted(agent.cluster.namespaces)
    ]
    response = json_response(request, body)
    set_query_meta(response, agent.cluster.index)
    return response


async def jobs(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    parse_query_options(request)
    authorize(request, Capability.READ)
    agent = agent_of(request)
    ns = namespace(request)
    prefix = request.query.get("prefix", "")
    per_job: dict[tuple[str, str], Counter[str]] = {}
    for alloc in agent.cluster.allocs.values():
        per_job.setdefault((alloc.Namespace, alloc.JobID), Counter())[alloc.ClientStatus] += 1
    body = []
    for (job_ns, job_id), job in sorted(agent.cluster.jobs.items()):
        if (ns != "*" and job_ns != ns) or not job_id.startswith(prefix):
            continue
        counts = per_job.get((job_ns, job_id), Counter())
        summary = {
            g.name: {
                "Complete": counts["complete"],
                "Failed": counts["failed"],
                "Lost": counts["lost"],
                "Queued": 0,
                "Running": counts["running"],
                "Starting": counts["pending"],
                "Unknown": counts["unknown"],
            }
            for g in job.groups
        }
        body.append(
            {
                "CreateIndex": job.create_index,
                "Datacenters": [agent.config.datacenter],
                "ID": job.id,
                "JobModifyIndex": job.create_index,
                "JobSummary": {"Children": None, "JobID": job.id, "Namespace": job_ns, "Summary": summary},
                "ModifyIndex": job.create_index,
                "Name": job.id,
                "Namespace": job_ns,
                "ParentID": "",
                "Periodic": False,
                "Priority": job.priority,
                "Status": "running",
                "StatusDescription": "",
                "Stop": False,
                "SubmitTime": job.submit_time,
                "Type": job.type,
                "Version": job.version,
            }
        )
    response = json_response(request, body)
    set_query_meta(response, agent.cluster.index)
    return response


def _node_stub(node: NodeSpec, version: str) -> dict[str, Any]:
    return {
        "Address": node.address,
        "CreateIndex": 1,
        "Datacenter": node.datacenter,
        "Drain": False,
        "ID": node.id,
        "ModifyIndex": 1,
        "Name": node.name,
        "NodeClass": node.node_class,
        "NodePool": "default",
        "SchedulingEligibility": "eligible",
        "Status": "ready",
        "StatusDescription": "",
        "Version": version,
    }


async def nodes(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    parse_query_options(request)
    authorize(request, Capability.READ)
    agent = agent_of(request)
    prefix = request.query.get("prefix", "")
    body = [_node_stub(n, agent.config.nomad_version) for n in agent.cluster.nodes if n.id.startswith(prefix)]
    response = json_response(request, body)
    set_query_meta(response, agent.cluster.index)
    return response


async def node(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    parse_query_options(request)
    authorize(request, Capability.READ)
    agent = agent_of(request)
    node_id = request.match_info["node_id"]
    problem = uuid_index_error(node_id, exact=True)
    if problem:
        raise HttpError(500, f"node lookup failed: index error: {problem}")
    spec = agent.cluster.nodes_by_id.get(node_id)
    if spec is None:
        raise HttpError(404, "node not found")
    body = _node_stub(spec, agent.config.nomad_version)
    body.update(
        {
            "Attributes": {
                "kernel.name": "linux",
                "nomad.version": agent.config.nomad_version,
                "unique.hostname": spec.name,
            },
            "HTTPAddr": agent.http_addr,
            "Meta": None,
            "Resources": None,
        }
    )
    response = json_response(request, dict(sorted(body.items())))
    set_query_meta(response, agent.cluster.index)
    return response


def register(app: web.Application) -> None:
    add = app.router.add_route
    add("*", "/v1/agent/self", agent_self)
    add("*", "/v1/status/leader", status_leader)
    add("*", "/v1/regions", regions)
    add("*", "/v1/namespaces", namespaces)
    add("*", "/v1/jobs", jobs)
    add("*", "/v1/nodes", nodes)
    add("*", "/v1/node/{node_id}", node)
