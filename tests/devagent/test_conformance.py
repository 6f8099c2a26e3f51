"""A 60-item conformance checklist (Nomad as docs/nomad-wire.md describes it), one test per item, against an agent.

Checks that by nature wait about a second (blocking queries, heartbeats) start together in the
background the first time any of them is needed, so the file costs ~1.5 s of waiting, not ~8 s.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import httpx
import pytest

from .agents import AgentOverHttp, AgentThread, Background, ProcessAgent
from .helpers import (
    ExecResult,
    exec_url,
    find,
    list_allocs,
    parse_frames,
    poll,
    read_lines,
    run_exec,
    task_events,
    until_in_flight,
)
from .helpers import alloc as get_alloc

UNKNOWN = "00000000-0000-4000-8000-000000000000"
STUB_KEYS = {
    "ID", "EvalID", "Name", "Namespace", "NodeID", "NodeName", "JobID", "JobType", "JobVersion", "TaskGroup",
    "DesiredStatus", "DesiredDescription", "ClientStatus", "ClientDescription", "DesiredTransition", "TaskStates",
    "DeploymentStatus", "FollowupEvalID", "NextAllocation", "RescheduleTracker", "PreemptedAllocations",
    "PreemptedByAllocation", "CreateIndex", "ModifyIndex", "CreateTime", "ModifyTime",
}  # fmt: skip


# ----- the overlapping slow checks ----------------------------------------------------------------


async def _timed_get(url: str, params: dict[str, Any]) -> tuple[float, httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        start = time.monotonic()
        response = await client.get(url, params=params)
        return time.monotonic() - start, response


async def _blocking_change(agent: AgentThread, alloc_id: str, params: dict[str, Any]) -> Any:
    """A blocking list query with a long wait, then a change: it must return with a newer index."""
    index = int(agent.client.get("/v1/allocations").headers["X-Nomad-Index"])
    request = asyncio.ensure_future(_timed_get(f"{agent.url}/v1/allocations", {"index": index, **params}))
    async with httpx.AsyncClient(base_url=agent.url) as client:
        await until_in_flight(client, "/v1/allocations", f"index={index}")
        await client.post(f"/v1/devagent/alloc/{alloc_id}/update", json={"event": {"type": "Driver", "message": "x"}})
    _, response = await request
    return index, response


async def _alloc_wait(agent: AgentThread, watched: str, other: str) -> Any:
    modify = get_alloc(agent, watched)["ModifyIndex"]
    request = asyncio.ensure_future(_timed_get(f"{agent.url}/v1/allocation/{watched}", {"index": modify, "wait": "1s"}))
    async with httpx.AsyncClient(base_url=agent.url) as client:
        await until_in_flight(client, f"/v1/allocation/{watched}", f"index={modify}")
        await client.post(f"/v1/devagent/alloc/{other}/update", json={"event": {"type": "Driver", "message": "y"}})
    elapsed, response = await request
    return modify, elapsed, response


async def _heartbeats(agent: AgentThread, alloc_id: str) -> list[dict[str, Any]]:
    """Follow a quiet log until two `{}` heartbeat frames have come (or fail after 30 s)."""
    buffer = b""
    frames: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=agent.url, timeout=30) as client:
        params = {"task": "logger", "type": "stderr", "follow": "true", "origin": "end", "offset": "1"}
        async with asyncio.timeout(30), client.stream("GET", f"/v1/client/fs/logs/{alloc_id}", params=params) as r:
            async for chunk in r.aiter_bytes():
                buffer += chunk
                try:
                    frames = parse_frames(buffer)
                except json.JSONDecodeError:
                    continue  # a frame split across chunks
                if sum(1 for f in frames if f == {}) >= 2:
                    break
    return frames


async def _first_event_line(agent: AgentThread) -> tuple[list[str], str]:
    """The first line of the event stream; it must come long before the 30 s heartbeat period."""
    async with (
        httpx.AsyncClient(base_url=agent.url, timeout=10) as client,
        asyncio.timeout(10),
        client.stream("GET", "/v1/event/stream", params={"topic": "Allocation", "namespace": "*"}) as r,
    ):
        content_type = r.headers["content-type"]
        async for line in r.aiter_lines():
            return [line], content_type
    raise AssertionError("no line")


async def _quiet_checks(agent: AgentOverHttp, watched: str, other: str) -> dict[str, Any]:
    item_27 = await _alloc_wait(agent, watched, other)
    async with httpx.AsyncClient(base_url=agent.url) as client:
        index = int((await client.get("/v1/allocations")).headers["X-Nomad-Index"])
    item_4 = await _timed_get(f"{agent.url}/v1/allocations", {"index": index, "wait": "1s"})
    return {"4": (index, *item_4), "27": item_27}


@pytest.fixture(scope="module")
def quiet_agent() -> Iterator[AgentOverHttp]:
    """Its own process: the 1 s timing checks then measure the agent, not this process's GIL."""
    agent = ProcessAgent("--allocs", "5", "--churn", "0", "--no-processes", "--start-time", "1790000000")
    yield agent
    agent.stop()


@pytest.fixture(scope="module")
def slow(agent: AgentThread, quiet_agent: AgentOverHttp) -> Iterator[dict[str, Future[Any]]]:
    background = Background()
    changed = agent.create(job="slow-checks", count=2)
    watched, other = quiet_agent.create(job="slow-checks", count=2)
    worker = find(agent, "worker")["ID"]
    # Item 27 changes an allocation, which would wake item 4's list wait: on the quiet agent they run one
    # after the other (still overlapping everything else).
    quiet = background.start(_quiet_checks(quiet_agent, watched, other))
    futures = {
        "4+27": quiet,
        "5": background.start(_blocking_change(agent, changed[0], {"wait": "5m"})),
        "11": background.start(_blocking_change(agent, changed[1], {"wait": "20m"})),
        "41": background.start(_heartbeats(agent, worker)),
        "43": background.start(_first_event_line(agent)),
    }
    yield futures
    background.stop()


# ----- 1-23: the list ------------------------------------------------------------------------------


def test_01_list_is_a_json_array_and_empty_is_brackets(agent: AgentThread, fresh_agent: Any) -> None:
    response = agent.client.get("/v1/allocations")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert isinstance(response.json(), list) and response.json()
    empty = fresh_agent(allocs=0)
    response = empty.client.get("/v1/allocations")
    assert response.content == b"[]" and response.headers["X-Nomad-Index"] == "0"


def test_02_index_header_is_decimal(agent: AgentThread) -> None:
    for params in ({}, {"namespace": "*"}, {"prefix": "ab"}):
        assert agent.client.get("/v1/allocations", params=params).headers["X-Nomad-Index"].isdigit()


def test_03_known_leader_and_last_contact(agent: AgentThread) -> None:
    headers = agent.client.get("/v1/allocations").headers
    assert headers["X-Nomad-KnownLeader"] in ("true", "false")
    assert headers["X-Nomad-LastContact"].isdigit()


def test_04_blocking_times_out_with_same_index(slow: dict[str, Future[Any]]) -> None:
    index, elapsed, response = slow["4+27"].result(60)["4"]
    # Nothing changed: it waited the whole 1 s (Nomad adds up to 1/16 jitter) and answers with the same index.
    assert elapsed >= 1.0, elapsed
    assert response.headers["X-Nomad-Index"] == str(index)


def test_05_blocking_wakes_on_change(slow: dict[str, Future[Any]]) -> None:
    # A 5 minute wait that returns with a newer index was woken by the change (the client gives up at 60 s).
    index, response = slow["5"].result(90)
    assert int(response.headers["X-Nomad-Index"]) > index


def test_06_index_zero_returns_at_once(agent: AgentThread) -> None:
    # "At once": it does not block for the 5 minutes asked (this client gives up after 60 s).
    assert agent.client.get("/v1/allocations", params={"index": 0, "wait": "5m"}, timeout=60).status_code == 200


def test_07_no_index_returns_at_once(agent: AgentThread) -> None:
    assert agent.client.get("/v1/allocations", params={"wait": "5m"}, timeout=60).status_code == 200


def test_08_bad_wait(agent: AgentThread) -> None:
    for wait in ("abc", "10"):
        response = agent.client.get("/v1/allocations", params={"wait": wait, "index": 1})
        assert (response.status_code, response.text) == (400, "Invalid wait time")


def test_09_bad_index(agent: AgentThread) -> None:
    response = agent.client.get("/v1/allocations", params={"index": "abc"})
    assert (response.status_code, response.text) == (400, "Invalid index")


def test_10_stale(agent: AgentThread) -> None:
    assert agent.client.get("/v1/allocations?stale=maybe").status_code == 400
    assert agent.client.get("/v1/allocations?stale").status_code == 200
    assert agent.client.get("/v1/allocations?stale=true").status_code == 200


def test_11_long_wait_is_accepted(slow: dict[str, Future[Any]]) -> None:
    index, response = slow["11"].result(90)
    assert response.status_code == 200 and int(response.headers["X-Nomad-Index"]) > index


def test_12_namespaces(agent: AgentThread) -> None:
    default = agent.client.get("/v1/allocations").json()
    everything = agent.client.get("/v1/allocations", params={"namespace": "*"}).json()
    assert default and {a["Namespace"] for a in default} == {"default"}
    assert len({a["Namespace"] for a in everything}) > 1


def test_13_order_and_reverse(agent: AgentThread) -> None:
    forward = list_allocs(agent)
    keys = [(a["CreateIndex"], a["ID"]) for a in forward]
    assert keys == sorted(keys)
    assert list_allocs(agent, reverse="true") == forward[::-1]


def test_14_prefix(agent: AgentThread) -> None:
    some = list_allocs(agent)[0]["ID"][:2]
    found = list_allocs(agent, prefix=some)
    assert found and all(a["ID"].startswith(some) for a in found)
    assert [a["ID"] for a in found] == sorted(a["ID"] for a in found)


def test_15_odd_prefix(agent: AgentThread) -> None:
    response = agent.client.get("/v1/allocations", params={"prefix": "abc"})
    assert response.status_code == 500 and "must be even length" in response.text


def test_16_task_states_false(agent: AgentThread) -> None:
    items = list_allocs(agent, task_states="false")
    assert items and all("TaskStates" in a and a["TaskStates"] is None for a in items)


def test_17_resources(agent: AgentThread) -> None:
    assert all("AllocatedResources" not in a for a in list_allocs(agent))
    assert all(isinstance(a["AllocatedResources"], dict) for a in list_allocs(agent, resources="true"))


def test_18_stub_keys(agent: AgentThread) -> None:
    for item in list_allocs(agent):
        assert set(item) == STUB_KEYS


def test_19_pagination(agent: AgentThread) -> None:
    everything = [a["ID"] for a in list_allocs(agent)]
    seen: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"namespace": "*", "per_page": 1}
        if token:
            params["next_token"] = token
        response = agent.client.get("/v1/allocations", params=params)
        page = response.json()
        assert len(page) == 1
        seen.append(page[0]["ID"])
        token = response.headers.get("X-Nomad-NextToken")
        if token is None:
            break
    assert seen == everything


def test_20_bad_per_page(agent: AgentThread) -> None:
    response = agent.client.get("/v1/allocations", params={"per_page": "x"})
    assert (response.status_code, response.text) == (400, "Expect a number for `per_page` query string parameter")


def test_21_filter(agent: AgentThread) -> None:
    items = list_allocs(agent, filter='ClientStatus == "running"')
    assert items and all(a["ClientStatus"] == "running" for a in items)
    assert len(items) < len(list_allocs(agent))
    response = agent.client.get("/v1/allocations", params={"filter": "ClientStatus =="})
    assert response.status_code == 400 and response.text.startswith("failed to create result paginator")


def test_22_post_list_is_405(agent: AgentThread) -> None:
    response = agent.client.post("/v1/allocations")
    assert (response.status_code, response.text) == (405, "Invalid method")


def test_23_errors_are_plain_text(agent: AgentThread) -> None:
    for response in (agent.client.get("/v1/allocations?index=abc"), agent.client.get(f"/v1/allocation/{UNKNOWN}")):
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert not response.text.startswith("{")


# ----- 24-31: one allocation, stop ------------------------------------------------------------------


def test_24_get_index_is_modify_index(agent: AgentThread) -> None:
    alloc_id = list_allocs(agent)[0]["ID"]
    response = agent.client.get(f"/v1/allocation/{alloc_id}")
    assert response.status_code == 200
    assert int(response.headers["X-Nomad-Index"]) == response.json()["ModifyIndex"]


def test_25_unknown_alloc(agent: AgentThread) -> None:
    response = agent.client.get(f"/v1/allocation/{UNKNOWN}")
    assert (response.status_code, response.text) == (404, "alloc not found")
    assert response.headers["X-Nomad-Index"].isdigit()


def test_26_short_id(agent: AgentThread) -> None:
    response = agent.client.get(f"/v1/allocation/{list_allocs(agent)[0]['ID'][:8]}")
    assert response.status_code == 500 and "UUID must be 36 characters" in response.text


def test_27_alloc_wait_ignores_other_allocs(slow: dict[str, Future[Any]]) -> None:
    modify, elapsed, response = slow["4+27"].result(60)["27"]
    # The other allocation changed while it waited; it still waited the whole 1 s and kept its index.
    assert elapsed >= 1.0, elapsed
    assert response.headers["X-Nomad-Index"] == str(modify)


def test_28_stop_response(agent: AgentThread) -> None:
    alloc_id = agent.create(job="stop-28")[0]
    assert agent.client.get(f"/v1/allocation/{alloc_id}/stop").status_code == 405
    response = agent.client.put(f"/v1/allocation/{alloc_id}/stop")
    body = response.json()
    assert response.status_code == 200 and set(body) == {"EvalID", "Index"} and len(body["EvalID"]) == 36
    assert response.headers["X-Nomad-Index"] == str(body["Index"])
    assert agent.client.post(f"/v1/allocation/{agent.create(job='stop-28')[0]}/stop").status_code == 200


def test_29_stop_unknown(agent: AgentThread) -> None:
    response = agent.client.post(f"/v1/allocation/{UNKNOWN}/stop")
    assert (response.status_code, response.text) == (404, "allocation not found")


def test_30_stop_flow(agent: AgentThread) -> None:
    alloc_id = agent.create(job="stop-30")[0]
    index = agent.client.post(f"/v1/allocation/{alloc_id}/stop").json()["Index"]
    body = get_alloc(agent, alloc_id)
    assert body["DesiredTransition"]["Migrate"] is True and body["ModifyIndex"] >= index
    final = poll(lambda: (b := get_alloc(agent, alloc_id))["ClientStatus"] == "complete" and b)
    assert final["DesiredStatus"] == "stop"


def test_31_stop_indexes(agent: AgentThread) -> None:
    alloc_id = agent.create(job="stop-31")[0]
    create = get_alloc(agent, alloc_id)["CreateIndex"]
    index = agent.client.post(f"/v1/allocation/{alloc_id}/stop").json()["Index"]
    body = get_alloc(agent, alloc_id)
    assert body["AllocModifyIndex"] >= index and body["CreateIndex"] == create


# ----- 32-36: signal and restart --------------------------------------------------------------------


def test_32_signal_needs_body_and_post(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    response = agent.client.post(f"/v1/client/allocation/{alloc_id}/signal")
    assert (response.status_code, response.text) == (400, "Failed to decode body: Request body is empty")
    assert agent.client.get(f"/v1/client/allocation/{alloc_id}/signal").status_code == 405


def test_33_signal_event(agent: AgentThread) -> None:
    alloc_id = agent.create(job="signal-33", tasks=["main"])[0]
    response = agent.client.post(f"/v1/client/allocation/{alloc_id}/signal", json={"Signal": "SIGUSR1", "Task": "main"})
    assert response.status_code == 200 and isinstance(response.json(), dict)
    event = task_events(get_alloc(agent, alloc_id), "main")[-1]
    assert event["Type"] == "Signaling" and event["Details"]["signal"] == "SIGUSR1"
    assert event["DisplayMessage"] == "Task being sent a signal"


def test_34_signal_unknown(agent: AgentThread) -> None:
    response = agent.client.post(f"/v1/client/allocation/{UNKNOWN}/signal", json={"Signal": "SIGHUP"})
    assert (response.status_code, response.text) == (404, f'Unknown allocation "{UNKNOWN}"')


def test_35_restart_task_and_all(agent: AgentThread) -> None:
    alloc_id = agent.create(job="restart-35")[0]
    response = agent.client.put(
        f"/v1/client/allocation/{alloc_id}/restart", json={"TaskName": "main", "AllTasks": True}
    )
    assert (response.status_code, response.text) == (500, "task name cannot be set when restarting all tasks")


def test_36_restart_without_body(agent: AgentThread) -> None:
    alloc_id = agent.create(job="restart-36")[0]
    assert agent.client.put(f"/v1/client/allocation/{alloc_id}/restart").status_code == 200

    def restarted() -> dict[str, Any] | None:
        state = get_alloc(agent, alloc_id)["TaskStates"]["main"]
        return state if state["Restarts"] == 1 else None

    state = poll(restarted)
    assert any(e["Type"] == "Restart Signaled" for e in state["Events"]) and state["LastRestart"] is not None


# ----- 37-42: logs and stats ------------------------------------------------------------------------


def test_37_logs_validation(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    base = f"/v1/client/fs/logs/{alloc_id}"
    cases = [
        ({"type": "stdout"}, "must provide task name"),
        ({"task": "app", "type": "foo"}, "must provide log type (stdout/stderr)"),
        ({"task": "app", "type": "stdout", "origin": "mid"}, "origin must be start or end"),
    ]
    for params, message in cases:
        response = agent.client.get(base, params=params)
        assert (response.status_code, response.text) == (400, message)


def test_38_logs_unknown_task(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    response = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params={"task": "nope", "type": "stdout"})
    assert (response.status_code, response.text) == (400, 'unknown task name "nope"')


def test_39_log_frames(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    params = {"task": "app", "type": "stdout"}
    framed = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params=params)
    assert framed.headers["content-type"] == "application/json"
    frames = parse_frames(framed.content)
    assert frames and all(set(f) <= {"File", "Offset", "Data", "FileEvent"} for f in frames)
    data = b"".join(base64.b64decode(f["Data"]) for f in frames if "Data" in f)
    plain = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params={**params, "plain": "true"})
    assert data == plain.content and data.startswith(b"INFO [app]")


def test_40_plain_logs(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    response = agent.client.get(
        f"/v1/client/fs/logs/{alloc_id}", params={"task": "app", "type": "stdout", "plain": "true"}
    )
    assert response.headers["content-type"].startswith("text/plain")
    assert b"{}" not in response.content and response.content.endswith(b"\n")


def test_41_follow_heartbeats(slow: dict[str, Future[Any]]) -> None:
    frames = slow["41"].result(60)
    assert sum(1 for f in frames if f == {}) >= 2


def test_42_stats(agent: AgentThread) -> None:
    for job in ("api", "worker"):
        body = agent.client.get(f"/v1/client/allocation/{find(agent, job)['ID']}/stats").json()
        assert {"MemoryStats", "CpuStats"} <= set(body["ResourceUsage"])
        assert isinstance(body["Tasks"], dict) and body["Tasks"]
        assert isinstance(body["Timestamp"], int) and body["Timestamp"] > 0


# ----- 43-49: event stream --------------------------------------------------------------------------


def test_43_stream_starts_with_heartbeat(slow: dict[str, Future[Any]]) -> None:
    lines, content_type = slow["43"].result(60)
    assert content_type == "application/json" and lines[0] == "{}"


async def _events_after_change(agent: AgentThread, params: dict[str, Any], changes: list[str], count: int) -> list[str]:
    index = int(agent.client.get("/v1/allocations").headers["X-Nomad-Index"])
    async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:
        task = asyncio.ensure_future(
            read_lines(client, "/v1/event/stream", {"namespace": "*", "index": index + 1, **params}, count, 5)
        )
        # The stream replays from `index`, so changes made once it has arrived are all seen.
        await until_in_flight(client, "/v1/event/stream", f"index={index + 1}", unanswered=False)
        for alloc_id in changes:
            await client.post(
                f"/v1/devagent/alloc/{alloc_id}/update", json={"event": {"type": "Driver", "message": "e"}}
            )
        return await task


async def test_44_lines_are_ndjson(agent: AgentThread) -> None:
    alloc_id = agent.create(job="events-44")[0]
    lines = await _events_after_change(agent, {"topic": "Allocation"}, [alloc_id], 2)
    for line in lines:
        body = json.loads(line)
        if body:
            assert isinstance(body["Index"], int) and isinstance(body["Events"], list)


def _first_event_for(lines: list[str], alloc_id: str) -> dict[str, Any]:
    """The first event about `alloc_id`: the stream may first replay its newest entry, which (as in
    Nomad) can be another allocation's when the index asked for is newer than every buffered one."""
    events = [e for line in lines if line.strip() for e in json.loads(line).get("Events", [])]
    return next(e for e in events if e["Key"] == alloc_id)


async def test_45_alloc_event_shape(agent: AgentThread) -> None:
    alloc_id = agent.create(job="events-45")[0]
    lines = await _events_after_change(agent, {"topic": "Allocation:events-45"}, [alloc_id], 2)
    event = _first_event_for(lines, alloc_id)
    assert event["Topic"] == "Allocation" and event["Key"] == alloc_id
    assert event["Type"] in {"PlanResult", "AllocationUpdated", "AllocationUpdateDesiredStatus"}
    assert event["FilterKeys"][0] == "events-45" and event["Payload"]["Allocation"]["ID"] == alloc_id


async def test_46_payload_has_no_job(agent: AgentThread) -> None:
    alloc_id = agent.create(job="events-46")[0]
    lines = await _events_after_change(agent, {"topic": "Allocation:events-46"}, [alloc_id], 2)
    assert _first_event_for(lines, alloc_id)["Payload"]["Allocation"].get("Job") is None


async def test_47_topic_key_filters_by_job(agent: AgentThread) -> None:
    mine, other = agent.create(job="events-47")[0], agent.create(job="events-47-other")[0]
    lines = await _events_after_change(agent, {"topic": "Allocation:events-47"}, [other, mine], 2)
    events = json.loads(lines[1])["Events"]
    assert [e["Key"] for e in events] == [mine]


async def test_48_replay_includes_index(agent: AgentThread) -> None:
    alloc_id = agent.create(job="events-48")[0]
    index = agent.control("POST", f"alloc/{alloc_id}/update", {"event": {"type": "Driver", "message": "r"}})["index"]
    async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:
        lines = await read_lines(
            client, "/v1/event/stream", {"namespace": "*", "index": index, "topic": "Allocation"}, 2, 5
        )
    assert json.loads(lines[1])["Index"] == index


def test_49_stream_errors(agent: AgentThread) -> None:
    response = agent.client.get("/v1/event/stream", params={"topic": "a:b:c"})
    assert response.status_code == 400 and response.text.startswith("Invalid topic query")
    response = agent.client.get("/v1/event/stream", params={"index": "x"})
    assert response.status_code == 400 and response.text.startswith("Unable to parse index")


# ----- 50-55: exec -----------------------------------------------------------------------------------


async def test_50_exec_echo(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    result = await run_exec(exec_url(agent.url, alloc_id, "logger", ["echo", "hi"], tty=False))
    assert result.stdout == b"hi\n"
    assert result.exited == {"exited": True, "result": {}}


async def test_51_exec_exit_code(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    result = await run_exec(exec_url(agent.url, alloc_id, "logger", ["sh", "-c", "exit 3"], tty=False))
    assert result.frames[-1] == {"exited": True, "result": {"exit_code": 3}}


async def test_52_exec_not_running(agent: AgentThread) -> None:
    alloc_id = agent.create(job="exec-52", client_status="complete")[0]
    result = await run_exec(exec_url(agent.url, alloc_id, "main", ["true"], tty=False))
    assert result.close_code == 1008 and "is not running" in result.close_reason


async def test_53_exec_unknown_alloc(agent: AgentThread) -> None:
    result = await run_exec(exec_url(agent.url, UNKNOWN, "main", ["true"], tty=False))
    assert result.close_code == 1008 and "Unknown allocation" in result.close_reason


async def test_54_exec_bad_handshake(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["true"], tty=False, handshake=True)
    result = await run_exec(url, send=[{"version": 2, "auth_token": ""}])
    assert (result.close_code, result.close_reason) == (1008, "unexpected handshake value: 2")


async def test_55_exec_heartbeats_and_sizes(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["sh", "-c", "read line; echo got $line"], tty=False)
    frames = [
        {},
        {"tty_size": {"height": 30, "width": 100}},
        {},
        {"stdin": {"data": base64.b64encode(b"ok\n").decode()}},
    ]
    result: ExecResult = await run_exec(url, send=frames)
    assert result.stdout == b"got ok\n" and result.exited is not None


# ----- 56-60: ACL and encoding ---------------------------------------------------------------------


def test_56_acl_anonymous_read_is_denied(acl_agent: AgentThread) -> None:
    response = acl_agent.client.get("/v1/allocations")
    assert (response.status_code, response.text) == (403, "Permission denied")


def test_57_bearer_equals_header_and_query_token_is_ignored(acl_agent: AgentThread) -> None:
    by_header = acl_agent.client.get("/v1/allocations", headers={"X-Nomad-Token": "read-secret"})
    by_bearer = acl_agent.client.get("/v1/allocations", headers={"Authorization": "Bearer read-secret"})
    assert by_header.status_code == by_bearer.status_code == 200 and by_header.content == by_bearer.content
    assert acl_agent.client.get("/v1/allocations", params={"token": "read-secret"}).status_code == 403


def test_58_gzip_and_vary(agent: AgentThread) -> None:
    with httpx.Client(base_url=agent.url) as client:
        response = client.get("/v1/allocations", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip" and isinstance(response.json(), list)
        for path in ("/v1/allocations", f"/v1/allocation/{UNKNOWN}", "/v1/agent/self"):
            plain = client.get(path, headers={"Accept-Encoding": "identity"})
            assert plain.headers["Vary"] == "Accept-Encoding" and "Content-Encoding" not in plain.headers
    raw = httpx.get(f"{agent.url}/v1/regions", headers={"Accept-Encoding": "gzip"})
    assert json.loads(gzip.decompress(raw.read()) if raw.headers.get("content-encoding") != "gzip" else raw.content)


def test_59_pretty(agent: AgentThread) -> None:
    pretty = agent.client.get("/v1/allocations", params={"pretty": ""}).content
    compact = agent.client.get("/v1/allocations").content
    assert pretty.startswith(b"[\n    {") and pretty.endswith(b"\n")
    assert b"\n" not in compact and not compact.endswith(b"\n")


def test_60_keys_in_byte_order(agent: AgentThread) -> None:
    stub = json.loads(agent.client.get("/v1/allocations").content, object_pairs_hook=list)[0]
    keys = [k for k, _ in stub]
    assert keys == sorted(keys, key=str.encode)
    assert keys.index("ClientDescription") < keys.index("ClientStatus") < keys.index("CreateIndex")
    full = json.loads(
        agent.client.get(f"/v1/allocation/{keys and stub[keys.index('ID')][1]}").content, object_pairs_hook=list
    )
    full_keys = [k for k, _ in full]
    assert full_keys == sorted(full_keys, key=str.encode)
