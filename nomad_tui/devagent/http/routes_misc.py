"""Small read endpoints: agent/self, status/leader, regions, namespaces."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from nomad_tui import __version__
from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability
from nomad_tui.devagent.config import AgentConfig
from nomad_tui.devagent.http.common import (
    HttpError,
    Routes,
    agent_of,
    authorize,
    check_region,
    json_response,
    parse_query_options,
    require_method,
    set_query_meta,
    token,
)

LEADER = "127.0.0.1:4647"
REVISION = "devagent"


async def agent_self(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    authorize(request, Capability.AGENT_READ)
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
    if not agent_of(request).config.at_least(1, 0):
        # Open-source Nomad before 1.0 registers the path only to refuse it (command/agent/http_oss.go).
        raise HttpError(501, "Nomad Enterprise only endpoint")
    require_method(request, "GET")
    parse_query_options(request)
    authorize(request, Capability.READ)
    agent = agent_of(request)
    # Nomad lists only the namespaces the token has some capability in (nomad/namespace_endpoint.go).
    scope = agent.acl.readable_namespaces(token(request))
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
        if scope is None or name in scope
    ]
    response = json_response(request, body)
    set_query_meta(response, agent.cluster.index)
    return response


async def acl_token_self(request: web.Request) -> web.StreamResponse:
    """The token we were sent, as Nomad describes it: an unknown one is 403 Permission denied, none at
    all is the anonymous token (command/agent/acl_endpoint.go aclTokenSelf)."""
    require_method(request, "GET")
    agent = agent_of(request)
    if not agent.acl.enabled:
        raise HttpError(400, "ACL support disabled")
    secret = token(request)
    role = agent.acl.role_of(secret)
    if secret and role is None:
        raise HttpError(403, PERMISSION_DENIED)
    names = {None: "Anonymous Token", Capability.MANAGEMENT: "Management token", Capability.READ: "Read token"}
    body = {
        "AccessorID": "anonymous" if role is None else f"accessor-{role.value}",
        "Name": names[role],
        "Type": "management" if role is Capability.MANAGEMENT else "client",
        "Policies": [] if role is Capability.MANAGEMENT else ["anonymous" if role is None else "read"],
        "Global": False,
        "CreateIndex": 1,
        "ModifyIndex": 1,
    }
    return json_response(request, body)


ROUTES: Routes = (
    ("/v1/agent/self", agent_self),
    ("/v1/status/leader", status_leader),
    ("/v1/regions", regions),
    ("/v1/namespaces", namespaces),
    ("/v1/acl/token/self", acl_token_self),
)
