"""ExecSession against the dev agent's real exec endpoint (PTY, ACLs, Nomad's close codes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from conftest import ACL_ARGS, FIXED_START, MGMT_TOKEN, READ_TOKEN, Control, poll, settings_for

from nomad_tui.api.exec_session import ClosedByServer, ExecSession, Exited
from nomad_tui.devagent.launcher import AgentProcess


async def one_running_task(control: Control) -> tuple[str, str, str]:
    """(alloc ID, task, namespace) of a running allocation with one running task."""
    for stub in await control.allocs():
        if stub["ClientStatus"] != "running":
            continue
        alloc = await control.alloc(stub["ID"])
        running = [name for name, state in (alloc.get("TaskStates") or {}).items() if state["State"] == "running"]
        if len(running) == 1:
            return stub["ID"], running[0], stub["Namespace"]
    raise AssertionError("no running allocation with one running task")


def make_session(url: str, target: tuple[str, str, str], argv: list[str], **options: Any) -> ExecSession:
    alloc_id, task, namespace = target
    output = bytearray()
    session = ExecSession(
        settings_for(url, **options.pop("settings", {})),
        alloc_id,
        task,
        argv,
        namespace=namespace,
        on_output=output.extend,
        **options,
    )
    session.output = output  # type: ignore[attr-defined]
    return session


async def test_exit_code_and_the_1008_reason_of_a_task_that_is_not_running(
    start_agent: Callable[..., AgentProcess],
) -> None:
    agent = start_agent(
        "--allocs", "8", "--seed", "5", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )
    control = Control(agent.url)
    try:
        target = await one_running_task(control)
        session = make_session(agent.url, target, ["/bin/sh", "-c", "printf 'ok\\n'; exit 3"])
        assert await asyncio.wait_for(session.run(), 15) == Exited(3)
        assert b"ok\r\n" in session.output  # type: ignore[attr-defined]

        await control.post(f"alloc/{target[0]}/update", {"client_status": "failed"})
        dead = make_session(agent.url, target, ["/bin/sh"])
        outcome = await asyncio.wait_for(dead.run(), 15)
        assert outcome == ClosedByServer(1008, f'task "{target[1]}" is not running.')
        assert outcome.describe() == f'closed by the agent (1008): task "{target[1]}" is not running.'
    finally:
        await control.aclose()


async def test_with_acls_the_token_travels_in_the_handshake_and_the_header(
    start_agent: Callable[..., AgentProcess],
) -> None:
    agent = start_agent(
        "--allocs",
        "8",
        "--seed",
        "5",
        "--churn",
        "0",
        "--no-processes",
        "--start-time",
        str(FIXED_START),
        *ACL_ARGS,
    )
    control = Control(agent.url, token=MGMT_TOKEN)
    try:
        target = await one_running_task(control)
        await control.clear_requests()
        # Heartbeats every 50 ms while the command runs: the real endpoint takes `{}` and goes on.
        session = make_session(
            agent.url,
            target,
            ["/bin/sh", "-c", "sleep 0.4; exit 5"],
            settings={"token": MGMT_TOKEN},
            heartbeat_interval=0.05,
        )
        assert await asyncio.wait_for(session.run(), 15) == Exited(5)
        assert session.heartbeats_sent >= 3

        async def logged() -> bool:
            return any("/exec" in r["path"] and "handshake_token" in r for r in await control.requests())

        await poll(logged, what="the exec request in the agent's log")
        [entry] = [r for r in await control.requests() if "/exec" in r["path"]]
        assert entry["ws"] and entry["handshake_token"] is True
        assert entry["token"] is True  # the same token in X-Nomad-Token (Nomad 0.10 and the Task API need it)
        assert MGMT_TOKEN not in entry["query"] and "REDACTED" not in entry["query"]

        # A token without alloc-exec: Nomad answers with 1011 "Permission denied".
        denied = make_session(agent.url, target, ["/bin/sh"], settings={"token": READ_TOKEN})
        assert await asyncio.wait_for(denied.run(), 15) == ClosedByServer(1011, "Permission denied")
        # No token at all: the same.
        anonymous = make_session(agent.url, target, ["/bin/sh"])
        assert await asyncio.wait_for(anonymous.run(), 15) == ClosedByServer(1011, "Permission denied")
    finally:
        await control.aclose()


async def test_a_session_ends_when_its_allocation_is_stopped(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent(
        "--allocs", "8", "--seed", "5", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )
    control = Control(agent.url)
    try:
        target = await one_running_task(control)
        session = make_session(agent.url, target, ["/bin/sh", "-c", "echo started; sleep 60"])
        running = asyncio.ensure_future(session.run())

        async def started() -> bool:
            return b"started" in session.output  # type: ignore[attr-defined]

        await poll(started, what="the command to run")
        (await control.http.put(f"/v1/allocation/{target[0]}/stop")).raise_for_status()
        outcome = await asyncio.wait_for(running, 15)  # not the 60 s of the sleep
        assert isinstance(outcome, Exited) and outcome.code != 0
    finally:
        await control.aclose()
