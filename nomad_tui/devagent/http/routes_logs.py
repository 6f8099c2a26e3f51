"""/v1/client/fs/logs/:alloc_id — back-to-back JSON frames (or raw bytes with plain=true).

Frames batch what was read in a 200 ms window, at most 64 KiB of raw bytes each; a `{}` heartbeat goes
out every second when nothing else does. With gzip asked for, each frame is flushed through the
compressor (Nomad's whole mux sits behind gorilla's compress handler).
"""

from __future__ import annotations

import asyncio
import base64
import zlib
from pathlib import Path

from aiohttp import web

from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import HttpError, agent_of, authorize, check_region, require_method
from nomad_tui.devagent.http.compression import choose_encoding
from nomad_tui.devagent.http.compression import compressor as new_compressor

BATCH_S = 0.2
HEARTBEAT_S = 1.0
MAX_FRAME = 64 * 1024


def _parse(request: web.Request) -> tuple[str, str, bool, bool, int, str]:
    q = request.query
    task = q.get("task", "")
    if not task:
        raise HttpError(400, "must provide task name")
    kind = q.get("type", "")
    if kind not in ("stdout", "stderr"):
        raise HttpError(400, "must provide log type (stdout/stderr)")
    follow = plain = False
    if q.get("follow"):
        try:
            follow = goparse.parse_bool(q["follow"])
        except goparse.GoParseError as exc:
            raise HttpError(400, f"failed to parse follow field to boolean: {exc}") from exc
    if q.get("plain"):
        try:
            plain = goparse.parse_bool(q["plain"])
        except goparse.GoParseError as exc:
            raise HttpError(400, f"failed to parse plain field to boolean: {exc}") from exc
    offset = 0
    if q.get("offset"):
        try:
            offset = goparse.parse_int(q["offset"], 64)
        except goparse.GoParseError as exc:
            raise HttpError(400, f"error parsing offset: {exc}") from exc
    origin = q.get("origin", "") or "start"
    if origin not in ("start", "end"):
        raise HttpError(400, "origin must be start or end")
    return task, kind, follow, plain, offset, origin


async def logs(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    alloc_id = request.match_info["tail"]
    task, kind, follow, plain, offset, origin = _parse(request)
    check_region(request)
    agent = agent_of(request)
    alloc = agent.cluster.get(alloc_id)
    if alloc is None:
        raise HttpError(404, f'Unknown allocation "{alloc_id}"')
    authorize(request, Capability.READ)
    if task not in {t.name for t in agent.cluster.group_of(alloc).tasks}:
        raise HttpError(400, f'unknown task name "{task}"')
    state = (alloc.TaskStates or {}).get(task)
    if state is None or state.StartedAt is None:
        raise HttpError(404, f'task "{task}" not started yet. No logs available')
    path = agent.log_file(alloc, task, kind)
    if not path.exists():
        raise HttpError(404, f'log entry for task "{task}" and log type "{kind}" not found')

    size = path.stat().st_size
    position = max(0, size - offset) if origin == "end" else min(max(0, offset), size)
    response = web.StreamResponse(status=200)
    response.content_type = "text/plain" if plain else "application/json"
    response.headers["Vary"] = "Accept-Encoding"
    encoding = choose_encoding(request.headers.get("Accept-Encoding", ""))
    compressor = None
    if encoding is not None:
        response.headers["Content-Encoding"] = encoding
        compressor = new_compressor(encoding)
    await response.prepare(request)
    writer = _Writer(response, compressor)
    file_name = f"alloc/logs/{path.name}"
    simulated = not agent.is_real(alloc)
    if follow and simulated:
        agent.follow(path, +1)
    try:
        await _stream(writer, path, position, follow, plain, file_name)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if follow and simulated:
            agent.follow(path, -1)
    try:
        await writer.finish()
    except ConnectionError:
        pass
    return response


class _Writer:
    def __init__(self, response: web.StreamResponse, compressor: zlib._Compress | None) -> None:
        self.response = response
        self.compressor = compressor

    async def write(self, data: bytes) -> None:
        if self.compressor is not None:
            data = self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.response.write(data)

    async def finish(self) -> None:
        if self.compressor is not None:
            await self.response.write(self.compressor.flush())
        await self.response.write_eof()


async def _stream(writer: _Writer, path: Path, position: int, follow: bool, plain: bool, file_name: str) -> None:
    loop = asyncio.get_running_loop()
    last_sent = loop.time()
    with open(path, "rb") as fh:
        fh.seek(position)
        while True:
            data = fh.read(MAX_FRAME)
            if data:
                position += len(data)
                if plain:
                    await writer.write(data)
                else:
                    frame = (
                        b'{"Data":"'
                        + base64.b64encode(data)
                        + b'","File":"'
                        + file_name.encode()
                        + b'","Offset":'
                        + str(position).encode()
                        + b"}"
                    )
                    await writer.write(frame)
                last_sent = loop.time()
                continue
            if not follow:
                return
            if fh.tell() > path.stat().st_size:
                # The file shrank under us: say so, as Nomad's framer does, and start over.
                if not plain:
                    await writer.write(b'{"File":"' + file_name.encode() + b'","FileEvent":"file truncated"}')
                fh.seek(0)
                position = 0
            await asyncio.sleep(BATCH_S)
            if not plain and loop.time() - last_sent >= HEARTBEAT_S:
                await writer.write(b"{}")
                last_sent = loop.time()
