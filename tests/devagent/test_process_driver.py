"""The process driver: real commands under a PTY or pipes, signals, restarts and real log files."""

from __future__ import annotations

import base64
import os
import signal
from typing import Any

from .agents import AgentThread
from .helpers import alloc as get_alloc
from .helpers import exec_url, find, poll, run_exec, task_events


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _plain_log(agent: AgentThread, alloc_id: str, task: str, kind: str = "stdout") -> bytes:
    params = {"task": task, "type": kind, "plain": "true"}
    return agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params=params).content


async def test_exec_echo_through_a_pty(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["sh"], tty=True)
    result = await run_exec(
        url,
        send=[{"stdin": {"data": _b64("echo $TERM; tty; exit 7\n")}}],
        until=lambda r: r.exited is not None,
    )
    out = result.stdout.replace(b"\r\n", b"\n")
    assert b"xterm-256color\n" in out and b"/dev/pts/" in out
    assert result.exited == {"exited": True, "result": {"exit_code": 7}}
    assert all("stderr" not in f or "close" in f["stderr"] for f in result.frames)


async def test_resize_then_stty_size(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["sh", "-c", "read go; stty size"], tty=True)
    result = await run_exec(
        url,
        send=[{"tty_size": {"height": 33, "width": 101}}, {"stdin": {"data": _b64("go\n")}}],
        until=lambda r: r.exited is not None,
    )
    assert b"33 101" in result.stdout


async def test_first_tty_size_is_the_initial_pty_size(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["stty", "size"], tty=True)
    result = await run_exec(
        url, send=[{"tty_size": {"height": 40, "width": 132}}], until=lambda r: r.exited is not None
    )
    assert result.stdout.strip() == b"40 132"


async def test_stdin_close_ends_cat_with_pipes(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["sh", "-c", "cat; echo done >&2"], tty=False)
    result = await run_exec(url, send=[{"stdin": {"data": _b64("abc")}}, {"stdin": {"close": True}}])
    stderr = b"".join(base64.b64decode(f["stderr"]["data"]) for f in result.frames if f.get("stderr", {}).get("data"))
    assert result.stdout == b"abc" and stderr == b"done\n"
    assert result.frames[-3:] == [{"stdout": {"close": True}}, {"stderr": {"close": True}}, result.exited]


async def test_exec_runs_in_the_task_directory_of_a_simulated_alloc(agent: AgentThread) -> None:
    alloc_id = agent.create(job="exec-sim", tasks=["main"])[0]
    result = await run_exec(exec_url(agent.url, alloc_id, "main", ["sh", "-c", "pwd; echo $NOMAD_ALLOC_ID"], tty=False))
    lines = result.stdout.decode().split()
    assert lines[0].endswith(f"{alloc_id}/main") and lines[1] == alloc_id


def test_signal_reaches_the_real_process(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    response = agent.client.post(
        f"/v1/client/allocation/{alloc_id}/signal", json={"Signal": "SIGUSR1", "Task": "logger"}
    )
    assert response.status_code == 200
    assert task_events(get_alloc(agent, alloc_id), "logger")[-1]["Details"] == {"signal": "SIGUSR1"}
    poll(lambda: b"logger: got SIGUSR1" in _plain_log(agent, alloc_id, "logger"), timeout=5)


def test_signal_errors(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    base = f"/v1/client/allocation/{alloc_id}/signal"
    assert agent.client.post(base, json={"Signal": "SIGHUP", "Task": "nope"}).text == "Task not found"
    assert agent.client.post(base, content=b"{nope").status_code == 400
    dead = agent.create(job="signal-dead", client_status="complete")[0]
    response = agent.client.post(f"/v1/client/allocation/{dead}/signal", json={"Signal": "SIGHUP", "Task": "main"})
    assert (response.status_code, response.text) == (500, "Task not running")


def test_restart_really_restarts_the_process(agent: AgentThread) -> None:
    alloc_id = find(agent, "web")["ID"]
    before = get_alloc(agent, alloc_id)["TaskStates"]["http"]
    pid_before = _pid_of(agent, alloc_id, "http")
    response = agent.client.put(f"/v1/client/allocation/{alloc_id}/restart", json={"TaskName": "http"})
    assert response.status_code == 200

    def restarted() -> dict[str, Any] | None:
        state = get_alloc(agent, alloc_id)["TaskStates"]["http"]
        return state if state["Restarts"] == before["Restarts"] + 1 else None

    state = poll(restarted, timeout=10)
    types = [e["Type"] for e in state["Events"][-4:]]
    assert types == ["Restart Signaled", "Terminated", "Restarting", "Started"]
    assert state["State"] == "running" and state["LastRestart"] is not None
    assert state["Events"][-4]["DisplayMessage"] == "User requested task to restart"
    pid_after = _pid_of(agent, alloc_id, "http")
    assert pid_after != pid_before
    os.kill(pid_after, 0)  # the new process is alive
    assert b"http: shutting down" in _plain_log(agent, alloc_id, "http")  # it got SIGTERM, then came back
    poll(lambda: _plain_log(agent, alloc_id, "http", "stderr").count(b"http: ready") >= 2, timeout=5)


def _pid_of(agent: AgentThread, alloc_id: str, task: str) -> int:
    pid = agent.server.agent.driver.pid(alloc_id, task)
    assert pid is not None
    return pid


def test_real_process_logs_and_offsets(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    poll(lambda: _plain_log(agent, alloc_id, "logger").count(b"tick") >= 2, timeout=5)
    before = _plain_log(agent, alloc_id, "logger")
    tail = agent.client.get(
        f"/v1/client/fs/logs/{alloc_id}",
        params={"task": "logger", "type": "stdout", "plain": "true", "origin": "end", "offset": "10"},
    ).content
    after = _plain_log(agent, alloc_id, "logger")
    # The logger keeps writing: the tail is the last 10 bytes at some moment between the two reads, so it
    # sits in `after` no earlier than the end of `before` minus 10 (the log's start would not).
    assert len(tail) == 10 and after.find(tail, len(before) - 10) >= 0, (tail, before[-40:])
    start = agent.client.get(
        f"/v1/client/fs/logs/{alloc_id}",
        params={"task": "logger", "type": "stdout", "plain": "true", "offset": "5"},
    ).content
    assert start[: len(before) - 5] == before[5:]


def test_stop_kills_the_real_process_and_places_a_real_replacement(agent: AgentThread) -> None:
    web = [a for a in agent.client.get("/v1/allocations").json() if a["JobID"] == "web" and a["DesiredStatus"] == "run"]
    alloc_id = web[-1]["ID"]
    pid = _pid_of(agent, alloc_id, "http")
    agent.client.post(f"/v1/allocation/{alloc_id}/stop")
    final = poll(lambda: (b := get_alloc(agent, alloc_id))["ClientStatus"] == "complete" and b, timeout=10)
    replacement = final["NextAllocation"]
    assert replacement
    poll(lambda: get_alloc(agent, replacement)["ClientStatus"] == "running", timeout=10)
    new_pid = _pid_of(agent, replacement, "http")
    assert new_pid != pid
    poll(lambda: not _alive(pid), timeout=5)
    assert [e["Type"] for e in task_events(final, "http")[-3:]] == ["Killing", "Terminated", "Killed"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_signal_names_map_like_raw_exec() -> None:
    from nomad_tui.devagent.driver.tasks import signal_number

    assert signal_number("SIGUSR1") == signal.SIGUSR1
    assert signal_number("sighup") == signal.SIGHUP
    assert signal_number("SIGBOGUS") == signal.SIGINT


async def test_session_ends_with_the_command_even_if_a_child_holds_the_pty(agent: AgentThread) -> None:
    alloc_id = find(agent, "worker")["ID"]
    url = exec_url(agent.url, alloc_id, "logger", ["sh", "-c", "sleep 30 & echo bye; exit 4"], tty=True)
    result = await run_exec(url, until=lambda r: r.exited is not None, timeout=5)
    assert b"bye" in result.stdout and result.exited == {"exited": True, "result": {"exit_code": 4}}
