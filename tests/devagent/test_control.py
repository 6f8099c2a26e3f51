"""The control endpoint: request log, fault switches, restart, hostile data, update/gc, churn."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from .agents import AgentThread
from .helpers import exec_url, find, poll, run_exec, until_in_flight

HOSTILE = "[b]bold[/] [@click=app.quit]x[/] \x1b]52;c;aGk=\x07\x1b[31mred\x9b1m \u202eevil\u202c"


def test_request_log_records_without_secrets(fresh_agent: Any) -> None:
    agent = fresh_agent()
    agent.control("DELETE", "requests")
    agent.client.get("/v1/allocations", params={"namespace": "*", "token": "s3cret", "next_token": "5.x"})
    agent.client.get("/v1/allocations", headers={"X-Nomad-Token": "abc"})
    agent.client.post("/v1/allocations")
    log = agent.control("GET", "requests")
    assert [e["method"] for e in log] == ["GET", "GET", "POST"]
    first = log[0]
    assert set(first) == {"seq", "method", "path", "query", "token", "status", "ws"}
    assert "s3cret" not in json.dumps(log) and "token=REDACTED" in first["query"]
    assert "next_token=5.x" in first["query"] and first["token"] is False and first["status"] == 200
    assert log[1]["token"] is True and log[2]["status"] == 405
    assert all(not e["path"].startswith("/v1/devagent") for e in log)
    agent.control("DELETE", "requests")
    assert agent.control("GET", "requests") == []


def test_fail_next(fresh_agent: Any) -> None:
    agent = fresh_agent()
    agent.control("POST", "faults", {"fail_next": 2, "status": 503, "message": "boom"})
    for _ in range(2):
        response = agent.client.get("/v1/allocations")
        assert (response.status_code, response.text) == (503, "boom")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert agent.client.get("/v1/allocations").status_code == 200
    assert agent.control("GET", "state")["allocations"] == 24  # control requests are never faulted


def test_fault_scoped_by_path_prefix(fresh_agent: Any) -> None:
    agent = fresh_agent()
    agent.control("POST", "faults", {"fail_next": 1, "path_prefix": "/v1/allocation/"})
    assert agent.client.get("/v1/allocations").status_code == 200
    alloc_id = agent.client.get("/v1/allocations").json()[0]["ID"]
    assert agent.client.get(f"/v1/allocation/{alloc_id}").status_code == 500
    assert agent.client.get(f"/v1/allocation/{alloc_id}").status_code == 200


def test_drop_next_closes_without_answer(fresh_agent: Any) -> None:
    agent = fresh_agent()
    agent.control("POST", "faults", {"drop_next": 1})
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{agent.url}/v1/allocations", timeout=5)
    assert httpx.get(f"{agent.url}/v1/allocations", timeout=5).status_code == 200
    assert agent.control("GET", "requests")[0]["status"] == -1


def test_delay(fresh_agent: Any) -> None:
    agent = fresh_agent()
    agent.control("POST", "faults", {"delay_ms": 300, "delay_next": 1})
    start = time.monotonic()
    agent.client.get("/v1/regions")
    assert time.monotonic() - start >= 0.3
    assert agent.control("GET", "faults") == []  # used up: the next request is not delayed
    agent.control("POST", "faults", {"delay_ms": 200})  # delay_next 0: every request until cleared
    for _ in range(2):
        start = time.monotonic()
        agent.client.get("/v1/regions")
        assert time.monotonic() - start >= 0.2
    assert agent.control("POST", "faults", {"clear": True}) == []


def test_malformed_next(fresh_agent: Any) -> None:
    agent = fresh_agent()
    agent.control("POST", "faults", {"malformed_next": 1})
    response = agent.client.get("/v1/allocations")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert isinstance(agent.client.get("/v1/allocations").json(), list)


async def test_restart_drops_connections_and_moves_the_index_back(fresh_agent: Any) -> None:
    agent = fresh_agent()
    ids = [a["ID"] for a in agent.client.get("/v1/allocations", params={"namespace": "*"}).json()]
    index = int(agent.client.get("/v1/allocations").headers["X-Nomad-Index"])
    async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:
        waiting = asyncio.ensure_future(client.get("/v1/allocations", params={"index": index, "wait": "5m"}))
        await until_in_flight(client, "/v1/allocations", f"index={index}")
        async with httpx.AsyncClient(base_url=agent.url) as other:
            result = (await other.post("/v1/devagent/restart", json={"index": 5})).json()
        with pytest.raises(httpx.TransportError):
            await waiting
    assert result["index"] == 5 and result["dropped_connections"] >= 1
    response = agent.client.get("/v1/allocations", params={"namespace": "*"})
    assert int(response.headers["X-Nomad-Index"]) <= 5 < index
    assert sorted(a["ID"] for a in response.json()) == sorted(ids)
    new = agent.create(job="after-restart")[0]
    assert agent.client.get(f"/v1/allocation/{new}").json()["CreateIndex"] == 6


async def test_drop_cuts_an_exec_session_mid_way(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["sh", "-c", "echo started; sleep 30"], tty=False)
    session = asyncio.ensure_future(run_exec(url, timeout=10))
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(base_url=agent.url) as client:
        dropped = (
            await client.post("/v1/devagent/drop", json={"path_prefix": f"/v1/client/allocation/{alloc_id}/exec"})
        ).json()
    result = await session
    assert dropped["dropped_connections"] == 1
    assert result.stdout == b"started\n" and result.exited is None and result.close_code == 1006


def test_hostile_names_are_stored_and_served_verbatim(fresh_agent: Any) -> None:
    agent = fresh_agent()
    ids = agent.create(
        namespace=HOSTILE,
        job=HOSTILE,
        group=HOSTILE,
        tasks=[HOSTILE],
        node_name=HOSTILE,
        event_message=HOSTILE,
        count=2,
    )
    body = agent.client.get(f"/v1/allocation/{ids[0]}").json()
    assert body["JobID"] == body["TaskGroup"] == body["NodeName"] == body["Namespace"] == HOSTILE
    assert body["Name"] == f"{HOSTILE}.{HOSTILE}[0]"
    driver = body["TaskStates"][HOSTILE]["Events"][-2]
    assert driver["Type"] == "Driver" and driver["DriverMessage"] == driver["DisplayMessage"] == HOSTILE
    raw = agent.client.get("/v1/allocations", params={"namespace": HOSTILE}).content
    assert b"\x1b" not in raw and b"\\u001b" in raw  # JSON-escaped on the wire
    assert len(json.loads(raw)) == 2


def test_update_and_gc(fresh_agent: Any) -> None:
    agent = fresh_agent()
    alloc_id = agent.create(job="upd")[0]
    agent.control(
        "POST",
        f"alloc/{alloc_id}/update",
        {"client_status": "failed", "event": {"type": "Terminated", "message": "oom"}},
    )
    body = agent.client.get(f"/v1/allocation/{alloc_id}").json()
    assert body["ClientStatus"] == "failed" and body["TaskStates"]["main"]["Events"][-1]["Type"] == "Terminated"
    before = int(agent.client.get("/v1/allocations").headers["X-Nomad-Index"])
    agent.control("POST", f"alloc/{alloc_id}/gc")
    response = agent.client.get(f"/v1/allocation/{alloc_id}")
    assert (response.status_code, response.text) == (404, "alloc not found")
    after = agent.client.get("/v1/allocations")
    assert alloc_id not in after.text and int(after.headers["X-Nomad-Index"]) > before


DISPLAY_CASES = [
    ("Driver", "DriverMessage", "{m}"),
    ("Restart Signaled", "RestartReason", "{m}"),
    ("Killing", "KillReason", "{m}"),
    ("Terminated", "Message", 'Exit Code: 0, Exit Message: "{m}"'),
    ("Task hook message", "Message", "{m}"),
    ("Some Custom Type", "Message", "{m}"),
]


def test_control_events_get_a_display_message(fresh_agent: Any) -> None:
    """Nomad's server fills an empty DisplayMessage (docs/nomad-wire.md §3); texts sit where its setters put them."""
    agent = fresh_agent(allocs=3)
    for kind, field, display in DISPLAY_CASES:
        alloc_id = agent.create(job="display", event_message="pulling image \x1b[31m")[0]
        agent.control("POST", f"alloc/{alloc_id}/update", {"event": {"type": kind, "message": "why \u202e"}})
        events = agent.client.get(f"/v1/allocation/{alloc_id}").json()["TaskStates"]["main"]["Events"]
        created = next(e for e in events if e["Type"] == "Driver")
        assert created["DisplayMessage"] == created["DriverMessage"] == "pulling image \x1b[31m"
        assert created["Details"] == {"driver_message": "pulling image \x1b[31m"} and created["Message"] == ""
        last = events[-1]
        assert last["Type"] == kind and last[field] == "why \u202e", kind
        assert last["DisplayMessage"] == display.format(m="why \u202e"), kind
        stub = next(a for a in agent.client.get("/v1/allocations").json() if a["ID"] == alloc_id)
        assert stub["TaskStates"]["main"]["Events"][-1]["DisplayMessage"] == last["DisplayMessage"]


def test_every_event_has_a_display_message(fresh_agent: Any) -> None:
    agent = fresh_agent(allocs=40)
    agent.control("POST", "churn", {"steps": 60})
    empty = [
        (a["ID"], name, e["Type"])
        for a in agent.client.get("/v1/allocations", params={"namespace": "*"}).json()
        for name, state in (a["TaskStates"] or {}).items()
        for e in state["Events"]
        if not e["DisplayMessage"]
    ]
    assert empty == []


def test_churn_steps_are_deterministic(fresh_agent: Any) -> None:
    first, second = fresh_agent(seed=5), fresh_agent(seed=5)
    assert first.control("POST", "churn", {"steps": 40}) == second.control("POST", "churn", {"steps": 40})
    body = {"namespace": "*", "pretty": ""}
    assert (
        first.client.get("/v1/allocations", params=body).content
        == second.client.get("/v1/allocations", params=body).content
    )
    state = first.control("GET", "state")
    assert state["churn_steps"] == 40 and state["fixed_clock"] is True


def test_same_seed_and_start_time_give_identical_bytes(fresh_agent: Any) -> None:
    a, b = fresh_agent(seed=9, allocs=50, real_processes=True), fresh_agent(seed=9, allocs=50, real_processes=True)
    for path in ("/v1/allocations?namespace=*", "/v1/jobs?namespace=*", "/v1/nodes"):
        assert a.client.get(path).content == b.client.get(path).content


def test_churn_loop_runs_on_its_own(fresh_agent: Any) -> None:
    agent = fresh_agent(churn=40.0)
    poll(lambda: agent.control("GET", "state")["churn_steps"] >= 5, timeout=5)


def test_hostile_control_input_is_refused_cleanly(fresh_agent: Any) -> None:
    agent = fresh_agent()
    assert agent.client.post("/v1/devagent/faults", content=b"nope").status_code == 400
    assert agent.client.post("/v1/devagent/faults", json={"fail_next": 0}).status_code == 400
    assert agent.client.post("/v1/devagent/alloc/x/gc").status_code == 404
    assert agent.client.post("/v1/devagent/allocs", json={"client_status": "weird"}).status_code == 400
