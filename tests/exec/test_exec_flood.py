"""A flood of output and ^C (issue 17.3): the dev agent's output queue is bounded, so the remote's
writes block as on a real terminal; the client hands output on still encoded and decodes only what
it will show; after ^C the prompt comes back (waited on, never timed)."""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

import pytest
from conftest import FIXED_START, Control, until

from nomad_tui.devagent.driver.exec_process import OUTPUT_QUEUE_CHUNKS, READ_CHUNK, ExecProcess
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.settings import resolve
from nomad_tui.term.backends import available
from nomad_tui.ui.sessions import ExecTarget
from nomad_tui.ui.widgets.exec_pane import ExecPane
from nomad_tui.ui.widgets.terminal import TerminalView


async def test_agent_output_queue_is_bounded_and_loses_nothing(tmp_path: Any) -> None:
    """A command that writes far more than the queue holds: the queue fills and stays at its bound
    while nobody reads (the PTY reader waits, so the kernel's PTY buffer blocks the writer), then
    every byte arrives once it is read."""
    total = 2 * 1024 * 1024
    process = ExecProcess(tty=False, queue_chunks=4)
    await process.start(["head", "-c", str(total), "/dev/zero"], str(tmp_path), dict(os.environ))
    try:
        while not process.output.full():
            await asyncio.sleep(0.01)
        assert process.output.qsize() == 4
        received = 0
        ends = 0
        while ends < process.streams:
            name, data = await asyncio.wait_for(process.output.get(), 30)
            assert process.output.qsize() <= 4
            if not data:
                ends += 1
            elif name == "stdout":
                received += len(data)
        assert received == total
        assert await process.wait() == 0
    finally:
        process.close()
    assert OUTPUT_QUEUE_CHUNKS * READ_CHUNK <= 256 * 1024  # the agent default: a few hundred KiB at most


async def test_closing_a_session_with_a_full_queue_does_not_hang(tmp_path: Any) -> None:
    process = ExecProcess(tty=True, queue_chunks=2)
    await process.start(["yes"], str(tmp_path), dict(os.environ))
    while not process.output.full():
        await asyncio.sleep(0.01)
    readers = list(process._readers)
    process.close()
    await asyncio.wait_for(asyncio.gather(*readers, return_exceptions=True), 10)
    assert all(reader.done() for reader in readers)


async def test_input_the_remote_does_not_read_yet_waits_without_blocking_the_agent(tmp_path: Any) -> None:
    """More input than the tty holds while the remote reads none: write() returns at once with the
    rest kept, which goes in as the remote reads; nothing is lost."""
    total = 300_000
    script = f"stty raw -echo; echo ready; while [ ! -e go ]; do sleep 0.02; done; head -c {total} | wc -c"
    process = ExecProcess(tty=True)
    await process.start(["sh", "-c", script], str(tmp_path), dict(os.environ))
    try:
        output = b""

        async def read_until(marker: bytes) -> None:
            nonlocal output
            while marker not in output:
                data = (await asyncio.wait_for(process.output.get(), 30))[1]
                assert data, f"ended early: {output[-200:]!r}"
                output += data

        await read_until(b"ready")
        process.write(b"x" * total)  # nobody reads until `go` exists: the tty takes some 70 KiB
        assert process._input, "write() returned only once the remote had read everything"
        (tmp_path / "go").touch()
        await read_until(str(total).encode())
        assert not process._input
    finally:
        process.close()


def test_exec_shells_get_no_developer_prompt_or_startup_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent runs as a service would: an activated venv's PS1, or an ENV/BASH_ENV startup file
    of the developer's shell, does not reach a task or an exec session."""
    from nomad_tui.devagent.driver.spawn import task_env

    monkeypatch.setenv("PS1", "(.venv) ")
    monkeypatch.setenv("ENV", "/home/dev/.shrc")
    monkeypatch.setenv("BASH_ENV", "/home/dev/.bashrc")
    env = task_env({"NOMAD_TASK_NAME": "web"})
    assert not {"PS1", "ENV", "BASH_ENV"} & set(env)
    assert env["NOMAD_TASK_NAME"] == "web" and env["PATH"] == os.environ["PATH"]


async def test_a_terminal_far_behind_drops_encoded_output_without_decoding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App, ComposeResult

    from nomad_tui.ui.widgets import terminal as terminal_module

    decoded: list[int] = []
    real_decode = terminal_module._decode_base64

    def counting_decode(encoded: bytes) -> bytes:
        decoded.append(len(encoded))
        return real_decode(encoded)

    monkeypatch.setattr(terminal_module, "_decode_base64", counting_decode)
    view = TerminalView(keep_tail=4096, backlog_limit=64 * 1024, max_lag=100.0)

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield view

    chunks = [base64.b64encode(f"line {n:05d}\r\n".encode() * 300) for n in range(100)]
    async with Host().run_test(size=(40, 10)) as pilot:
        for chunk in chunks:  # ~370 KB arrive at once, far more than the backlog may hold
            view.feed_base64(chunk)
        await view.wait_idle()
        await pilot.pause()
        assert view.skips >= 1 and view.skipped_bytes > 300_000
        assert sum(decoded) < sum(map(len, chunks)) // 4  # only tails were ever decoded
        assert view.emulator.display()[-2] == "line 00099"
        assert view.bytes_received == 100 * 300 * len(b"line 00000\r\n")


@pytest.mark.parametrize("backend", sorted(available()))
async def test_ctrl_c_after_a_flood_brings_the_prompt_back(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`yes` through the dev agent, the real ExecSession and the terminal (on each VT backend),
    until several MB have crossed the socket; then ^C and a command: its output appears."""
    from textual.app import App, ComposeResult

    monkeypatch.setenv("NOMAD_TUI_TERM_BACKEND", backend)

    agent = AgentProcess.start(
        "--allocs", "4", "--seed", "5", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )
    try:
        control = Control(agent.url)
        try:
            for stub in await control.allocs():
                alloc = await control.alloc(stub["ID"])
                running = [n for n, state in (alloc.get("TaskStates") or {}).items() if state["State"] == "running"]
                if stub["ClientStatus"] == "running" and running:
                    break
            else:
                raise AssertionError("no running task")
        finally:
            await control.aclose()
        target = ExecTarget(alloc["ID"], alloc["Namespace"], alloc["JobID"], running[0], "/bin/sh", ("/bin/sh",))
        pane = ExecPane(resolve({"address": agent.url}, {}, {}), target)

        class Host(App[None]):
            def compose(self) -> ComposeResult:
                yield pane

        async with Host().run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: pane.session is not None and pane.session.connected, what="connected")
            session = pane.session
            assert session is not None
            terminal = pane.terminal
            assert type(terminal.emulator) is available()[backend]

            def state() -> str:
                shown = [line for line in terminal.emulator.display() if line.strip()][-4:]
                return f"received {session.bytes_in} B, {terminal.skips} skips, outcome {pane.outcome}, screen {shown}"

            await until(pilot, lambda: session.bytes_in > 0, what=lambda: f"the prompt: {state()}")
            session.write(b"yes\r")
            # Only the amount that crossed the socket is waited on: whether the terminal also had to
            # skip depends on how fast this machine parses compared with how fast the agent sends
            # (test_a_terminal_far_behind_drops_encoded_output_without_decoding_it covers skipping).
            await until(pilot, lambda: session.bytes_in > 4_000_000, timeout=60, what=lambda: f"a flood: {state()}")
            session.write(b"\x03")
            polls = 0

            def prompt_is_back() -> bool:
                nonlocal polls
                # The command's output, not its echo (`DONE-''42`); typed right after ^C it may land
                # on the prompt's line, because the tty echoes it before the shell prints the prompt.
                if any(line.endswith("DONE-42") for line in terminal.emulator.display()):
                    return True
                if polls % 25 == 0:
                    session.write(b"echo DONE-''42\r")
                polls += 1
                return False

            await until(pilot, prompt_is_back, timeout=60, what=lambda: f"the prompt after ^C: {state()}")
            session.write(b"exit\r")
            await until(pilot, lambda: pane.outcome is not None, what="the end")
    finally:
        agent.stop()
