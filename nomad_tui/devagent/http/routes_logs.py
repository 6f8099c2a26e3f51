"""/v1/client/fs/logs/:alloc_id — back-to-back JSON frames (or raw bytes with plain=true).

Frames batch what was read in a 200 ms window, at most 64 KiB of raw bytes each; a `{}` heartbeat goes
out every second on its own ticker, data or not (client/lib/streamframer/framer.go). With gzip asked
for, each frame is flushed through the compressor (Nomad's whole mux sits behind gorilla's compress
handler).

The log is a set of rotated files `<task>.<type>.<N>` (driver/logfiles.py). As in Nomad's `logsImpl`
and `findClosest` (client/fs_endpoint.go): `origin=start&offset=K` counts K bytes from the start of the
lowest retained file across the files; `origin=end&offset=K` counts back from the end of the newest;
a frame's `File` names the file its data came from and its `Offset` is the position in that file.
Following moves to file N+1 once it exists and N is read to its end.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability
from nomad_tui.devagent.driver.logfiles import log_indexes, log_name
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import HttpError, Routes, agent_of, check_region, require_method, token
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
    acl = agent.acl
    secret = token(request)
    if not (acl.allows(secret, Capability.READ_LOGS) or acl.allows(secret, Capability.READ_FS)):
        # read-logs or read-fs (client/fs_endpoint.go); a server forwarding the stream to the node answers
        # the node's refusal as 500 (nomad/client_fs_endpoint.go handleStreamResultError).
        raise HttpError(500 if agent.config.forwarded_logs else 403, PERMISSION_DENIED)
    if task not in {t.name for t in agent.cluster.group_of(alloc).tasks}:
        raise HttpError(400, f'unknown task name "{task}"')
    state = (alloc.TaskStates or {}).get(task)
    if state is None or state.StartedAt is None:
        raise HttpError(404, f'task "{task}" not started yet. No logs available')
    current = agent.log_file(alloc, task, kind)
    directory = current.parent
    if not log_indexes(directory, task, kind):
        raise HttpError(404, f'log entry for task "{task}" and log type "{kind}" not found')

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
    simulated = not agent.is_real(alloc)
    if follow and simulated:
        agent.follow(current, +1)
    heartbeat = None if plain else asyncio.get_running_loop().create_task(_heartbeats(writer))
    try:
        await _stream_log(writer, _LogSet(directory, task, kind), follow, plain, origin, offset)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if heartbeat is not None:
            heartbeat.cancel()
        if follow and simulated:
            agent.follow(current, -1)
    try:
        await writer.finish()
    except ConnectionError:
        pass
    return response


async def _heartbeats(writer: _Writer) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await writer.write(b"{}")


@dataclass(frozen=True)
class _LogSet:
    directory: Path
    task: str
    kind: str

    def sizes(self) -> list[tuple[int, int]]:
        """(index, size) of the retained files, lowest index first."""
        found = []
        for index in log_indexes(self.directory, self.task, self.kind):
            with contextlib.suppress(OSError):
                found.append((index, self.path(index).stat().st_size))
        return found

    def path(self, index: int) -> Path:
        return self.directory / log_name(self.task, self.kind, index)

    def has_after(self, index: int) -> bool:
        return any(i > index for i in log_indexes(self.directory, self.task, self.kind))


def find_closest(files: list[tuple[int, int]], wanted_index: int, offset: int) -> tuple[int, int]:
    """Nomad's `findClosest`: from the first file whose index is >= `wanted_index` (else the last),
    walk `offset` bytes forward (or back, if negative) across the files; returns (index, position)."""
    i = next((n for n, (index, _) in enumerate(files) if index >= wanted_index), len(files) - 1)
    while offset != 0:
        size = files[i][1]
        if offset < 0:
            if size + offset >= 0:
                offset = size + offset
                break
            if i == 0:
                offset = 0
                break
            offset += size
            i -= 1
        else:
            if offset <= size:
                break
            if i == len(files) - 1:
                offset = size
                break
            offset -= size
            i += 1
    return files[i][0], offset


async def _stream_log(writer: _Writer, logs: _LogSet, follow: bool, plain: bool, origin: str, offset: int) -> None:
    next_index, wanted = (0, offset) if origin == "start" else (sys.maxsize, -offset)
    while True:
        files = logs.sizes()
        if not files:
            return
        last_index = files[-1][0]
        index, position = find_closest(files, next_index, wanted)
        if not follow and index > last_index:
            return
        try:
            await _stream_file(writer, logs, index, position, follow, plain)
        except FileNotFoundError:
            continue  # rotated out between listing and opening: list again
        if not follow and index >= last_index:
            return
        next_index, wanted = index + 1, 0


class _Writer:
    def __init__(self, response: web.StreamResponse, compressor: zlib._Compress | None) -> None:
        self.response = response
        self.compressor = compressor
        self._lock = asyncio.Lock()  # frames and heartbeats come from two tasks

    async def write(self, data: bytes) -> None:
        async with self._lock:
            if self.compressor is not None:
                data = self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            await self.response.write(data)

    async def finish(self) -> None:
        if self.compressor is not None:
            await self.response.write(self.compressor.flush())
        await self.response.write_eof()


def _json_string(text: str) -> bytes:
    """A JSON string literal: a task name may hold quotes, backslashes or control characters."""
    return json.dumps(text).encode()


def encode_frame(file_name: str, offset: int, data: bytes) -> bytes:
    """One StreamFrame as Nomad's framer writes it (Data base64, the file name escaped)."""
    return (
        b'{"Data":"'
        + base64.b64encode(data)
        + b'","File":'
        + _json_string(file_name)
        + b',"Offset":'
        + str(offset).encode()
        + b"}"
    )


async def _stream_file(writer: _Writer, logs: _LogSet, index: int, position: int, follow: bool, plain: bool) -> None:
    """One file from `position`: to its end, or (following) until a newer file exists and this one is
    read to its end."""
    path = logs.path(index)
    file_name = f"alloc/logs/{path.name}"
    with open(path, "rb") as fh:
        fh.seek(position)
        while True:
            data = fh.read(MAX_FRAME)
            if data:
                position += len(data)
                if plain:
                    await writer.write(data)
                else:
                    await writer.write(encode_frame(file_name, position, data))
                continue
            if not follow or logs.has_after(index):
                return  # the read that just came back empty was the last one after rotation
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                return  # rotated out while we were at its end
            if fh.tell() > size:
                # The file shrank under us: say so, as Nomad's framer does, and start over.
                if not plain:
                    await writer.write(b'{"File":' + _json_string(file_name) + b',"FileEvent":"file truncated"}')
                fh.seek(0)
                position = 0
            await asyncio.sleep(BATCH_S)


ROUTES: Routes = (("/v1/client/fs/logs/{tail:.*}", logs),)
