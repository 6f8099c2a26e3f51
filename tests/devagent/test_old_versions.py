"""Behaviours that depend on the Nomad release the agent answers as (`--nomad-version`)."""

from __future__ import annotations

from collections.abc import Callable

from .agents import AgentThread
from .helpers import alloc, exec_url, run_exec, task_events

MGMT = {"X-Nomad-Token": "mgmt-secret"}


def test_namespace_star_is_a_literal_name_before_0_12(fresh_agent: Callable[..., AgentThread]) -> None:
    old = fresh_agent(nomad_version="0.11.8")
    assert old.client.get("/v1/allocations", params={"namespace": "*"}).json() == []
    assert old.client.get("/v1/jobs", params={"namespace": "*"}).json() == []
    assert old.client.get("/v1/allocations").json()  # the default namespace still lists
    new = fresh_agent(nomad_version="0.12.0")
    assert len(new.client.get("/v1/allocations", params={"namespace": "*"}).json()) >= 24


def test_namespaces_are_enterprise_only_before_1_0(fresh_agent: Callable[..., AgentThread]) -> None:
    response = fresh_agent(nomad_version="0.12.9").client.get("/v1/namespaces")
    assert (response.status_code, response.text) == (501, "Nomad Enterprise only endpoint")
    assert fresh_agent(nomad_version="1.0.0").client.get("/v1/namespaces").status_code == 200


async def test_no_ws_handshake_before_0_11(fresh_agent: Callable[..., AgentThread]) -> None:
    old = fresh_agent(nomad_version="0.10.5", acl=True, acl_token="mgmt-secret")
    alloc_id = old.control("POST", "allocs", {"job": "old-exec"}, token="mgmt-secret")["ids"][0]
    url = exec_url(old.url, alloc_id, "main", ["echo", "ok"], tty=False, handshake=True)
    # The handshake frame is not read as one: its token does not count, and the frame is a heartbeat.
    denied = await run_exec(url, send=[{"version": 1, "auth_token": "mgmt-secret"}])
    assert (denied.close_code, denied.close_reason) == (1011, "Permission denied")
    ok = await run_exec(url, send=[{"version": 1, "auth_token": "mgmt-secret"}], headers=MGMT)
    assert ok.stdout == b"ok\n"


def _finished_init(agent: AgentThread) -> str:
    alloc_id = agent.create(job="lifecycle", tasks=["init", "main"])[0]
    agent.control("POST", f"alloc/{alloc_id}/update", {"finished_task": "init"})
    assert alloc(agent, alloc_id)["TaskStates"]["init"]["State"] == "dead"
    return alloc_id


def _restart_all(agent: AgentThread, alloc_id: str) -> None:
    response = agent.client.put(f"/v1/client/allocation/{alloc_id}/restart", json={"AllTasks": True})
    assert response.status_code == 200


def test_all_tasks_restart_is_dropped_before_1_4(fresh_agent: Callable[..., AgentThread]) -> None:
    old = fresh_agent(nomad_version="1.3.16")
    alloc_id = _finished_init(old)
    _restart_all(old, alloc_id)
    body = alloc(old, alloc_id)  # the restart's first events are written before the answer
    assert "Restart Signaled" in [e["Type"] for e in task_events(body, "main")]
    assert "Restart Signaled" not in [e["Type"] for e in task_events(body, "init")]

    new = fresh_agent(nomad_version="1.4.0")
    alloc_id = _finished_init(new)
    _restart_all(new, alloc_id)
    body = alloc(new, alloc_id)
    assert "Restart Signaled" in [e["Type"] for e in task_events(body, "init")]
