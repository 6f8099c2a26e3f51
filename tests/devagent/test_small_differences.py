"""Smaller points where the agent follows Nomad: exec token agreement, CORS, checks/services, stubs."""

from __future__ import annotations

from collections.abc import Callable

from .agents import AgentThread
from .helpers import exec_url, list_allocs, run_exec


async def test_exec_refuses_any_differing_header_token(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(acl=True, acl_token="mgmt-secret")
    alloc_id = agent.control("POST", "allocs", {"job": "tokens"}, token="mgmt-secret")["ids"][0]
    url = exec_url(agent.url, alloc_id, "main", ["echo", "ok"], tty=False, handshake=True)
    handshake = [{"version": 1, "auth_token": "mgmt-secret"}]
    bogus = await run_exec(url, send=handshake, headers={"X-Nomad-Token": "not-a-token"})
    assert (bogus.close_code, bogus.close_reason) == (1008, "handshake auth token mismatched auth header token")
    same = await run_exec(url, send=handshake, headers={"X-Nomad-Token": "mgmt-secret"})
    assert same.stdout == b"ok\n"


def test_no_cors_headers_on_put(agent: AgentThread) -> None:
    alloc_id = agent.create(job="cors")[0]
    origin = {"Origin": "http://ui.example"}
    put = agent.client.put(f"/v1/client/allocation/{alloc_id}/signal", json={"Signal": "SIGHUP"}, headers=origin)
    assert put.status_code == 200 and "Access-Control-Allow-Origin" not in put.headers
    get = agent.client.get(f"/v1/client/allocation/{alloc_id}/stats", headers=origin)
    assert get.headers["Access-Control-Allow-Origin"] == "http://ui.example"


def test_checks_and_services_exist(agent: AgentThread) -> None:
    alloc_id = agent.create(job="checks")[0]
    assert agent.client.get(f"/v1/allocation/{alloc_id}/services").json() == []
    assert agent.client.get(f"/v1/allocation/{alloc_id}/checks").json() == {}
    unknown = "00000000-0000-0000-0000-000000000000"
    assert agent.client.get(f"/v1/allocation/{unknown}/services").status_code == 404


def test_checks_and_services_are_absent_on_old_agents(fresh_agent: Callable[..., AgentThread]) -> None:
    old = fresh_agent(nomad_version="1.2.0")
    alloc_id = old.create(job="checks")[0]
    assert old.client.get(f"/v1/allocation/{alloc_id}/services").status_code == 404
    assert old.client.get(f"/v1/allocation/{alloc_id}/checks").status_code == 404


def test_stubs_have_no_alloc_modify_index(agent: AgentThread) -> None:
    stubs = list_allocs(agent)
    assert stubs and all("AllocModifyIndex" not in s and "ModifyIndex" in s for s in stubs)
