"""ACL: management and read tokens, header/Bearer/handshake sources, revocation, the control endpoint."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .agents import AgentThread
from .helpers import exec_url, run_exec

MGMT = {"X-Nomad-Token": "mgmt-secret"}
READ = {"X-Nomad-Token": "read-secret"}


def _first(agent: AgentThread) -> str:
    return agent.client.get("/v1/allocations", headers=MGMT).json()[0]["ID"]


def test_read_token_reads_everything(acl_agent: AgentThread) -> None:
    alloc_id = _first(acl_agent)
    for path, params in [
        ("/v1/allocations", {"namespace": "*"}),
        (f"/v1/allocation/{alloc_id}", {}),
        (f"/v1/client/allocation/{alloc_id}/stats", {}),
        ("/v1/namespaces", {}),
        ("/v1/jobs", {"namespace": "*"}),
        ("/v1/nodes", {}),
        ("/v1/agent/self", {}),
    ]:
        assert acl_agent.client.get(path, params=params, headers=READ).status_code == 200, path
    # Nomad's read policy has no read-logs: logs need a write-like token (read-logs or read-fs).
    task = next(iter(acl_agent.client.get(f"/v1/allocation/{alloc_id}", headers=READ).json()["TaskStates"]))
    params = {"task": task, "type": "stdout", "plain": "true"}
    logs = acl_agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params=params, headers=READ)
    assert (logs.status_code, logs.text) == (403, "Permission denied")


@pytest.mark.parametrize("headers", [{}, {"X-Nomad-Token": "wrong"}, READ])
def test_lifecycle_needs_the_management_token(acl_agent: AgentThread, headers: dict[str, str]) -> None:
    alloc_id = _first(acl_agent)
    calls = [
        ("POST", f"/v1/allocation/{alloc_id}/stop", None),
        ("POST", f"/v1/client/allocation/{alloc_id}/signal", {"Signal": "SIGHUP"}),
        ("PUT", f"/v1/client/allocation/{alloc_id}/restart", None),
    ]
    for method, path, body in calls:
        response = acl_agent.client.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.text) == (403, "Permission denied"), path


def test_anonymous_get_of_an_existing_alloc_is_unknown_allocation(acl_agent: AgentThread) -> None:
    alloc_id = _first(acl_agent)
    response = acl_agent.client.get(f"/v1/allocation/{alloc_id}")
    assert (response.status_code, response.text) == (500, f'Unknown allocation "{alloc_id}"')
    wrong = acl_agent.client.get(f"/v1/allocation/{alloc_id}", headers={"X-Nomad-Token": "nope"})
    assert (wrong.status_code, wrong.text) == (403, "Permission denied")


def test_management_token_may_stop(acl_agent: AgentThread) -> None:
    alloc_id = acl_agent.control("POST", "allocs", {"job": "acl-stop"}, token="mgmt-secret")["ids"][0]
    assert acl_agent.client.post(f"/v1/allocation/{alloc_id}/stop", headers=MGMT).status_code == 200
    bearer = {"Authorization": "bearer   mgmt-secret  extra"}
    assert acl_agent.client.get("/v1/allocations", headers=bearer).status_code == 200


def test_control_endpoint_needs_management(acl_agent: AgentThread) -> None:
    assert acl_agent.client.get("/v1/devagent/state").status_code == 403
    assert acl_agent.client.get("/v1/devagent/state", headers=READ).status_code == 403
    assert acl_agent.client.get("/v1/devagent/state", headers=MGMT).status_code == 200


async def test_exec_tokens_from_handshake(acl_agent: AgentThread) -> None:
    alloc_id = acl_agent.control("POST", "allocs", {"job": "acl-exec"}, token="mgmt-secret")["ids"][0]
    url = exec_url(acl_agent.url, alloc_id, "main", ["echo", "ok"], tty=False, handshake=True)
    ok = await run_exec(url, send=[{"version": 1, "auth_token": "mgmt-secret"}])
    assert ok.stdout == b"ok\n"
    denied = await run_exec(url, send=[{"version": 1, "auth_token": "read-secret"}])
    assert (denied.close_code, denied.close_reason) == (1011, "Permission denied")
    mismatch = await run_exec(url, send=[{"version": 1, "auth_token": "other"}], headers=MGMT)
    assert mismatch.close_code == 1008 and "mismatched" in mismatch.close_reason
    log = acl_agent.control("GET", "requests", token="mgmt-secret")
    execs = [e for e in log if e["ws"] and e["path"].endswith("/exec")]
    assert execs and all("handshake_token" in e for e in execs) and execs[0]["handshake_token"] is True
    assert all(not e["token"] for e in execs[:2])


def test_event_stream_denied_is_an_empty_200(acl_agent: AgentThread) -> None:
    response = acl_agent.client.get("/v1/event/stream", params={"topic": "Allocation", "namespace": "*"})
    assert response.status_code == 200 and response.content == b""


def test_revoked_token_stops_working(fresh_agent: object) -> None:
    agent = fresh_agent(acl=True, acl_token="m", acl_read_token="r")  # type: ignore[operator]
    assert agent.client.get("/v1/allocations", headers={"X-Nomad-Token": "r"}).status_code == 200
    assert agent.control("POST", "acl/revoke", {"token": "r"}, token="m") == {"revoked": True}
    response = agent.client.get("/v1/allocations", headers={"X-Nomad-Token": "r"})
    assert (response.status_code, response.text) == (403, "Permission denied")


def test_grant_undoes_a_revoke(fresh_agent: object) -> None:
    agent = fresh_agent(acl=True, acl_token="m", acl_read_token="r")  # type: ignore[operator]
    read = {"X-Nomad-Token": "r"}
    assert agent.control("POST", "acl/grant", {"token": "r"}, token="m") == {"granted": False}  # never revoked
    agent.control("POST", "acl/revoke", {"token": "r"}, token="m")
    assert agent.client.get("/v1/allocations", headers=read).status_code == 403
    assert agent.control("POST", "acl/grant", {"token": "r"}, token="m") == {"granted": True}
    assert agent.client.get("/v1/allocations", headers=read).status_code == 200
    # It gets its old role back: still read-only.
    alloc_id = agent.client.get("/v1/allocations", headers=read).json()[0]["ID"]
    assert agent.client.post(f"/v1/allocation/{alloc_id}/stop", headers=read).status_code == 403
    assert agent.control("POST", "acl/grant", {"token": "r"}, token="m") == {"granted": False}
    assert agent.control("POST", "acl/grant", {"token": "unknown"}, token="m") == {"granted": False}
    assert agent.client.post("/v1/devagent/acl/grant", json={"token": "r"}, headers=read).status_code == 403
    assert agent.client.get("/v1/devagent/acl/grant", headers={"X-Nomad-Token": "m"}).status_code == 405


async def test_revoke_ends_that_tokens_event_streams(fresh_agent: object) -> None:
    """Nomad's broker force-closes a deleted token's subscriptions; other tokens' streams go on."""
    agent = fresh_agent(acl=True, acl_token="m", acl_read_token="r")  # type: ignore[operator]
    params = {"topic": "Allocation", "namespace": "*", "index": "999999"}
    async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:
        subscribed: dict[str, asyncio.Event] = {}

        async def read(secret: str, marker: str = "") -> list[str]:
            """Lines until one contains `marker` (or the body ends). A stream from beyond the newest
            buffered entry first replays that entry, as Nomad's StartAtClosest does.  The first line (the
            `{}` heartbeat) sets `subscribed[secret]`: from then on the stream sees every change."""
            lines = []
            event = subscribed[secret] = asyncio.Event()
            async with client.stream("GET", "/v1/event/stream", params=params, headers={"X-Nomad-Token": secret}) as r:
                async for line in r.aiter_lines():
                    event.set()
                    lines.append(line)
                    if marker and marker in line:
                        break
            return lines

        agent.control(
            "POST", "allocs", {"job": "before-revoke"}, token="m"
        )  # the newest buffered entry, replayed to every subscriber
        revoked = asyncio.ensure_future(read("r"))
        kept = asyncio.ensure_future(read("m", "after-revoke"))
        await asyncio.sleep(0)  # both tasks have started and made their events
        await asyncio.wait_for(asyncio.gather(subscribed["r"].wait(), subscribed["m"].wait()), 10)
        await client.post("/v1/devagent/acl/revoke", json={"token": "r"}, headers={"X-Nomad-Token": "m"})
        lines = await asyncio.wait_for(revoked, 5)  # the body just ends after the heartbeat and the replay
        assert lines[0] == "{}" and all("after-revoke" not in line for line in lines)
        assert not kept.done()
        await client.post("/v1/devagent/allocs", json={"job": "after-revoke"}, headers={"X-Nomad-Token": "m"})
        lines = await asyncio.wait_for(kept, 5)
        assert lines[0] == "{}" and "after-revoke" in lines[-1]
        denied = await client.get("/v1/event/stream", params=params, headers={"X-Nomad-Token": "r"})
        assert denied.status_code == 200 and denied.content == b""
        await client.post("/v1/devagent/acl/grant", json={"token": "r"}, headers={"X-Nomad-Token": "m"})
        again = asyncio.ensure_future(read("r", "after-grant"))
        await asyncio.sleep(0)
        await asyncio.wait_for(subscribed["r"].wait(), 10)
        await client.post("/v1/devagent/allocs", json={"job": "after-grant"}, headers={"X-Nomad-Token": "m"})
        lines = await asyncio.wait_for(again, 5)
        assert lines[0] == "{}" and "after-grant" in lines[-1]
