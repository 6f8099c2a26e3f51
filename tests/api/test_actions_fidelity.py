"""Actions as real Nomad answers them: signal-all with a finished task, typed signal names, AllTasks on
old agents, the allocation's own namespace, and errors in words."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from devagent.agents import AgentThread, make_config

from nomad_tui.actions import ActionKind, TaskChoice, execute, explain, known_signal, plan
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import PermissionDenied, Throttled, Unauthorized, error_for_status
from nomad_tui.api.logs import stream_logs
from nomad_tui.settings import resolve
from nomad_tui.state.rows import AllocRow, build_row


@pytest.fixture(scope="module")
def agent() -> Iterator[AgentThread]:
    thread = AgentThread(make_config(real_processes=False))
    yield thread
    thread.stop()


def _lifecycle_alloc(agent: AgentThread, namespace: str = "default") -> str:
    alloc_id = agent.create(job="lifecycle", tasks=["init", "main"], namespace=namespace)[0]
    agent.control("POST", f"alloc/{alloc_id}/update", {"finished_task": "init"})
    return alloc_id


async def _row(client: NomadClient, alloc_id: str, *, task_states: bool = True) -> AllocRow:
    stubs = (await client.list_allocations(namespace="*", task_states=task_states)).value
    return build_row(next(s for s in stubs if s.id == alloc_id))


def _requests(agent: AgentThread, alloc_id: str, action: str) -> list[dict[str, list[str]]]:
    log = agent.control("GET", "requests")
    return [parse_qs(r["query"]) for r in log if r["path"].endswith(f"{alloc_id}/{action}")]


@pytest.mark.parametrize("task_states", [True, False])
async def test_signal_all_with_a_finished_task_is_a_success_that_names_it(
    agent: AgentThread, task_states: bool
) -> None:
    alloc_id = _lifecycle_alloc(agent)
    async with NomadClient(resolve({"address": agent.url}, {}, {})) as client:
        row = await _row(client, alloc_id, task_states=task_states)
        [outcome] = await execute(client, plan(ActionKind.SIGNAL, [row], signal="SIGHUP"))
    assert outcome.ok, outcome.message
    assert "SIGHUP sent to" in outcome.message and "skipped: init" in outcome.message
    body = agent.client.get(f"/v1/allocation/{alloc_id}").json()
    assert body["TaskStates"]["main"]["Events"][-1]["Type"] == "Signaling"


async def test_per_allocation_calls_carry_the_allocations_namespace(agent: AgentThread) -> None:
    alloc_id = agent.create(job="ns-calls", namespace="staging")[0]
    agent.control("DELETE", "requests")
    async with NomadClient(resolve({"address": agent.url}, {}, {})) as client:  # dashboard namespace: *
        row = await _row(client, alloc_id)
        await execute(client, plan(ActionKind.SIGNAL, [row], signal="SIGHUP", tasks=TaskChoice("main")))
        await execute(client, plan(ActionKind.RESTART, [row]))
        async for _ in stream_logs(client, alloc_id, "main", follow=False, namespace=row.namespace):
            break
        await client.read_allocation(alloc_id, namespace=row.namespace)
    for action in ("signal", "restart"):
        [query] = _requests(agent, alloc_id, action)
        assert query["namespace"] == ["staging"], action
    log = agent.control("GET", "requests")
    for prefix in (f"/v1/client/fs/logs/{alloc_id}", f"/v1/allocation/{alloc_id}"):
        queries = [parse_qs(r["query"]) for r in log if r["path"] == prefix]
        assert queries and all(q["namespace"] == ["staging"] for q in queries), prefix


async def test_all_tasks_restart_is_worded_by_the_agents_version() -> None:
    thread = AgentThread(make_config(real_processes=False, nomad_version="1.3.2"))
    try:
        alloc_id = _lifecycle_alloc(thread)
        async with NomadClient(resolve({"address": thread.url}, {}, {})) as client:
            await client.agent_info()
            row = await _row(client, alloc_id)
            [outcome] = await execute(client, plan(ActionKind.RESTART, [row], tasks=TaskChoice(all_tasks=True)))
        assert outcome.ok and "running tasks" in outcome.message and "1.3.2" in outcome.message
    finally:
        thread.stop()


def test_typed_signal_names_are_nomads() -> None:
    assert known_signal("usr1") == "SIGUSR1"
    assert known_signal(" SIGWINCH ") == "SIGWINCH"
    assert known_signal("SIGNULL") == "SIGNULL"
    for unknown in ("SIGUSR3", "SIGRTMIN+1", "SIGCHLD", "", "KILL9"):
        assert known_signal(unknown) is None, unknown


def test_errors_in_words() -> None:
    assert isinstance(error_for_status(401, "Unauthorized"), Unauthorized)
    assert isinstance(error_for_status(429, "Your IP is issuing too many concurrent connections"), Throttled)
    forwarded = error_for_status(500, "Permission denied")
    assert isinstance(forwarded, PermissionDenied)  # server-forwarded logs: not a server error to retry
    assert isinstance(error_for_status(500, "rpc error: Permission denied"), PermissionDenied)
    target = plan(ActionKind.STOP, []).targets
    assert target == ()
    row_target = plan(ActionKind.STOP, [_fake_row()]).targets[0]
    words = explain(error_for_status(403, "ACL token not found"), row_target)
    assert "alloc-lifecycle" in words and "unknown or expired" in words
    assert "too many connections" in explain(error_for_status(429, "x"), row_target)
    assert "no token" in explain(error_for_status(401, "Unauthorized"), row_target)


def _fake_row() -> AllocRow:
    from nomad_tui.api.models import AllocStub

    return build_row(AllocStub(id="aaaaaaaa-0000-0000-0000-000000000000", namespace="prod", client_status="running"))
