"""The process contract: one stdout line with the URL, clean stops that take every child along,
--exit-with-parent, loopback-only binds, and 100k allocations ready within 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx
import pytest

from nomad_tui.devagent.launcher import AgentProcess

from .helpers import poll


def _children_alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(pid)
        except OSError:
            pass
    return alive


def _children_of(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _is_child_of(int(entry), parent):
            children.append(int(entry))
    return children


@pytest.fixture(scope="module")
def big_agent() -> Iterator[Future[Any]]:
    """Started at once in a thread, so the 100k start overlaps the other tests of this module."""
    future: Future[Any] = Future()

    def run() -> None:
        try:
            agent = AgentProcess.start("--allocs", "100000", "--churn", "0", "--no-processes", timeout=60)
            future.set_result(agent)
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    yield future
    future.result(90).stop()


def test_one_stdout_line_and_sigterm_kills_every_child(big_agent: Future[Any], tmp_path: Path) -> None:
    with AgentProcess.start("--allocs", "6", "--churn", "0", log_path=tmp_path / "agent.log") as agent:
        assert agent.url.startswith("http://127.0.0.1:") and agent.port > 0
        assert httpx.get(f"{agent.url}/v1/status/leader").json() == "127.0.0.1:4647"
        # The three demo task processes (two HTTP servers and the logging loop) are its children.
        pids = poll(lambda: len(c := _children_of(agent.popen.pid)) >= 3 and c, timeout=10)
        assert agent.stop() == 0
    poll(lambda: not _children_alive(pids), timeout=5)
    log = (tmp_path / "agent.log").read_text()
    assert "listening on" not in log  # the URL line went to stdout, everything else to stderr
    assert "stopping" in log


def _is_child_of(pid: int, parent: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1]) == parent
    except OSError:
        return False


def test_exit_with_parent_on_stdin_eof(big_agent: Future[Any]) -> None:
    agent = AgentProcess.start("--allocs", "3", "--churn", "0")
    assert agent.popen.stdin is not None
    agent.popen.stdin.close()
    assert agent.popen.wait(10) == 0


def test_sigint_stops_cleanly(big_agent: Future[Any]) -> None:
    agent = AgentProcess.start("--allocs", "3", "--churn", "0", "--no-processes")
    agent.popen.send_signal(signal.SIGINT)
    assert agent.popen.wait(10) == 0


def test_non_loopback_bind_needs_acl(big_agent: Future[Any]) -> None:
    argv = [sys.executable, "-m", "nomad_tui", "devagent", "--bind", "0.0.0.0", "--port", "0"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "without --acl" in result.stderr and result.stdout == ""
    result = subprocess.run([*argv[:4], "--acl"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--acl-token" in result.stderr


def test_100k_allocations_ready_and_served(big_agent: Future[Any]) -> None:
    # How fast it is ready (goal: 10 s) is measured by bench/devagent.py, not asserted here.
    agent = big_agent.result(90)
    with httpx.Client(base_url=agent.url, timeout=60) as client:
        response = client.get("/v1/allocations", params={"namespace": "*", "task_states": "false"})
        assert response.status_code == 200 and len(response.json()) == 100_000
        page = client.get("/v1/allocations", params={"namespace": "*", "per_page": 10})
        assert len(page.json()) == 10 and page.headers["X-Nomad-NextToken"]


def test_an_agent_leaves_no_log_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # re-read TMPDIR
    try:
        with AgentProcess.start("--allocs", "2", "--no-processes") as agent:
            assert agent.log_path is None
            assert not list(tmp_path.glob("*.log"))  # anonymous from the start: nothing to clean up
        kept = tmp_path / "cache" / "demo.log"
        with AgentProcess.start("--allocs", "2", "--no-processes", log_path=kept) as agent:
            assert agent.log_path == kept and kept.exists()
        assert not list(tmp_path.glob("*.log")) and kept.exists()
    finally:
        tempfile.tempdir = None
