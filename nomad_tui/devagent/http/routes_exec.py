"""/v1/client/allocation/:id/exec — Nomad's exec WebSocket (2.0.3+ behaviour).

The socket is upgraded before any check, so every error after the handshake is a close frame: code
1011 for what Nomad codes 500 and 1008 for everything else, with the error text as the reason (no
close frame at all if the reason would not fit in 123 bytes). A session that ends normally sends the
stdout/stderr close frames and `{"exited":true,"result":{...}}`, then drops the TCP connection
without a close frame, as Nomad does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

import msgspec
from aiohttp import WSMsgType, web

from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability
from nomad_tui.devagent.driver.exec_process import ExecProcess
from nomad_tui.devagent.driver.spawn import task_env
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import LOG_ENTRY, agent_of, token
from nomad_tui.devagent.model.cluster import Commit

log = logging.getLogger("nomad_tui.devagent.exec")
MAX_REASON = 123
FRAME_BYTES = 4096
# The socket's send buffer: the kernel would grow it to MBs during a flood, and output queued there
# still has to reach the client after ^C.  The output queue (exec_process.py) holds the rest.
SEND_BUFFER = 64 * 1024


class ExecError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code  # Nomad's HTTP-style code: 500 → close 1011, anything else → 1008
        self.message = message


def _origin_ok(request: web.Request) -> bool:
    """gorilla/websocket's default CheckOrigin: no Origin, or an Origin whose host is the request's Host."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


async def exec_socket(request: web.Request, alloc_id: str) -> web.StreamResponse:
    if not _origin_ok(request):
        return web.Response(status=403, text="Forbidden", content_type="text/plain", charset="utf-8")
    ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
    await ws.prepare(request)
    sock = request.transport.get_extra_info("socket") if request.transport is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    try:
        await _run(request, ws, alloc_id)
    except ExecError as exc:
        await _close_with_error(request, ws, exc)
    except (ConnectionError, asyncio.CancelledError):
        pass
    return ws


async def _close_with_error(request: web.Request, ws: web.WebSocketResponse, exc: ExecError) -> None:
    reason = exc.message.encode()
    if len(reason) > MAX_REASON:
        _drop(request)
        return
    code = 1011 if exc.code == 500 else 1008
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.close(code=code, message=reason)


def _drop(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


async def _handshake(request: web.Request, ws: web.WebSocketResponse) -> str:
    """The session's token, as Nomad's `readWsHandshake` (command/agent/websockets.go) finds it."""
    header_token = token(request)
    if not agent_of(request).config.at_least(0, 11):
        # Before 0.11 there is no handshake: the token is the header's, and a handshake frame the client
        # sends anyway is read later as an ordinary input frame (a heartbeat).
        return header_token
    raw = request.query.get("ws_handshake", "")
    if not raw:
        return header_token
    try:
        wants = goparse.parse_bool(raw)
    except goparse.GoParseError as exc:
        raise ExecError(400, f"ws_handshake value is not a boolean: {exc}") from exc
    if not wants:
        return header_token
    msg = await ws.receive()
    if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        raise ConnectionError("closed before the handshake")
    try:
        frame = msgspec.json.decode(msg.data if isinstance(msg.data, bytes) else msg.data.encode())
    except msgspec.DecodeError as exc:
        raise ExecError(400, f"failed to read handshake: {exc}") from exc
    if not isinstance(frame, dict):
        raise ExecError(400, "failed to read handshake: not an object")
    handshake_token = str(frame.get("auth_token") or "")
    entry = request.get(LOG_ENTRY)
    if entry is not None:
        entry["handshake_token"] = bool(handshake_token)
    # Any non-empty header token must equal the handshake's (an identical one is fine); this is
    # checked before the version.
    if header_token and header_token != handshake_token:
        raise ExecError(400, "handshake auth token mismatched auth header token")
    version = frame.get("version")
    if version != 1:
        raise ExecError(400, f"unexpected handshake value: {version}")
    return handshake_token


def _parse_params(request: web.Request) -> tuple[list[str], str, bool]:
    q = request.query
    try:
        command = msgspec.json.decode(q.get("command", "").encode(), type=list[str])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ExecError(500, f"failed to marshal command into json: {exc}") from exc
    tty = False
    if q.get("tty"):
        try:
            tty = goparse.parse_bool(q["tty"])
        except goparse.GoParseError as exc:
            raise ExecError(500, "tty value is not a boolean") from exc
    return command, q.get("task", ""), tty


async def _run(request: web.Request, ws: web.WebSocketResponse, alloc_id: str) -> None:
    secret = await _handshake(request, ws)
    command, task, tty = _parse_params(request)
    agent = agent_of(request)
    alloc = agent.cluster.get(alloc_id)
    if alloc is None:
        raise ExecError(404, f'Unknown allocation "{alloc_id}"')
    # alloc-exec, and alloc-node-exec for a driver without filesystem isolation: every task here is
    # raw_exec-like (client/alloc_endpoint.go execImpl).
    if not agent.acl.allows(secret, Capability.ALLOC_EXEC) or not agent.acl.allows(secret, Capability.ALLOC_NODE_EXEC):
        raise ExecError(500, PERMISSION_DENIED)
    if not task:
        raise ExecError(400, "must provide task name")
    if not command:
        raise ExecError(400, "command is not present")
    if task not in {t.name for t in agent.cluster.group_of(alloc).tasks}:
        raise ExecError(500, "task not found")
    state = (alloc.TaskStates or {}).get(task)
    if state is None or state.StartedAt is None:
        raise ExecError(404, f'task "{task}" not started yet.')
    if state.State != "running":
        raise ExecError(404, f'task "{task}" is not running.')

    env = task_env(agent.driver.task_vars(alloc.ID, task, alloc.Namespace, alloc.JobID))
    if tty:
        env["TERM"] = "xterm-256color"
    cwd = str(agent.driver.task_dir(alloc.ID, task))
    rows, cols, early = await _early_frame(ws) if tty else (24, 80, None)
    process = ExecProcess(tty)
    try:
        await process.start(command, cwd, env, rows, cols)
    except OSError as exc:
        raise ExecError(500, f"failed to start command: {exc.strerror or exc}") from exc
    if early is not None:
        _apply(early, process)

    def end_with_the_task(commit: Commit) -> None:
        # The command runs inside the task: when the task stops (allocation stopped, task killed or
        # restarted, allocation collected) the command dies with it and the session ends, as in Nomad.
        if alloc_id in commit.deleted:
            process.kill()
            return
        for _, changed in commit.changes:
            if alloc_id == changed.ID:
                state = (changed.TaskStates or {}).get(task)
                if state is None or state.State != "running":
                    process.kill()

    agent.cluster.listeners.append(end_with_the_task)
    try:
        code = await _pump(ws, process)
    finally:
        agent.cluster.listeners.remove(end_with_the_task)
        process.close()
    if code is None:
        return
    result = {"exit_code": code} if code else {}
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_str(msgspec.json.encode({"exited": True, "result": result}).decode())
    _drop(request)


async def _pump(ws: web.WebSocketResponse, process: ExecProcess) -> int | None:
    """Shuttle frames both ways until the process ends; returns its exit code (None if the client went).

    The session ends with the command, as in Nomad: once it has exited, output still buffered is sent
    (up to DRAIN_S of silence), but a background child that keeps the PTY or a pipe open does not hold
    the session."""
    loop = asyncio.get_running_loop()
    reader = loop.create_task(_client_frames(ws, process))
    assert process.process is not None
    exited = loop.create_task(process.process.wait())
    open_streams = process.streams
    try:
        while open_streams:
            item = loop.create_task(process.output.get())
            waiting = {item} if exited.done() else {item, exited}
            done, _ = await asyncio.wait(
                waiting, timeout=DRAIN_S if exited.done() else None, return_when="FIRST_COMPLETED"
            )
            if item not in done:
                item.cancel()
                if exited.done() and not done:
                    break  # exited and quiet: whatever still holds the streams is not the session
                continue
            name, data = item.result()
            if not data:
                open_streams -= 1
                continue
            for start in range(0, len(data), FRAME_BYTES):
                chunk = base64.b64encode(data[start : start + FRAME_BYTES]).decode()
                await ws.send_str('{"' + name + '":{"data":"' + chunk + '"}}')
        code = await exited
        if reader.done() and not reader.cancelled() and isinstance(reader.exception(), ExecError):
            raise reader.exception()  # type: ignore[misc]
        await ws.send_str('{"stdout":{"close":true}}')
        await ws.send_str('{"stderr":{"close":true}}')
        return code if code >= 0 else 128 - code
    except (ConnectionError, RuntimeError):
        return None
    finally:
        reader.cancel()
        exited.cancel()


DRAIN_S = 0.2
EARLY_FRAME_S = 0.1


async def _early_frame(ws: web.WebSocketResponse) -> tuple[int, int, dict[str, Any] | None]:
    """Clients send their terminal size first; waiting briefly for it lets the PTY start at that size,
    so a command that reads its size at once (`stty size`) sees it. Anything else is kept for later."""
    try:
        msg = await ws.receive(timeout=EARLY_FRAME_S)
    except TimeoutError:
        return 24, 80, None
    frame = _decode(msg)
    size = frame.get("tty_size") if isinstance(frame, dict) else None
    if isinstance(size, dict) and int(size.get("height") or 0) > 0 and int(size.get("width") or 0) > 0:
        return int(size["height"]), int(size["width"]), None
    if frame is None:
        raise ConnectionError("closed before the first frame")
    return 24, 80, frame


def _decode(msg: Any) -> Any:
    if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return None
    try:
        return msgspec.json.decode(msg.data if isinstance(msg.data, bytes) else msg.data.encode())
    except msgspec.DecodeError:
        return "invalid"


def _apply(frame: Any, process: ExecProcess) -> None:
    if not isinstance(frame, dict):
        process.kill()
        raise ExecError(500, "unexpected message type")
    stdin = frame.get("stdin")
    size = frame.get("tty_size")
    if isinstance(stdin, dict):
        if stdin.get("data"):
            process.write(base64.b64decode(stdin["data"]))
        if stdin.get("close"):
            process.close_stdin()
    elif isinstance(size, dict):
        process.resize(int(size.get("height") or 0), int(size.get("width") or 0))
    # Any other object (unknown keys are dropped by Go's decoder) is a heartbeat
    # (plugins/drivers/execstreaming.go `isHeartbeat`): a handshake frame sent to a pre-0.11 agent, too.


async def _client_frames(ws: web.WebSocketResponse, process: ExecProcess) -> None:
    async for msg in ws:
        frame = _decode(msg)
        if frame is None:
            break
        _apply(frame, process)
    # The client closed the socket: the session's process goes with it.
    process.kill()
