"""/v1/client/fs/{ls,stat,cat,readat,stream}/:alloc_id — an allocation's files, as a Nomad client
serves them (command/agent/fs_endpoint.go; client/fs_endpoint.go `List`, `Stat`, `stream`,
`streamFile`; client/allocdir/alloc_dir.go).

- The HTTP layer checks its own parameters first (400 `must provide a file name`; `offset`/`limit`
  parse errors are uncoded, so 500), then the client: unknown allocation 404, then `read-fs` (403).
- ls/stat: a missing path is 404 (the error text has "no such file or directory"); other errors 500.
- cat/readat/stream: a stat error is 400, a directory 400 `file "p" is a directory`, reading under a
  task's secrets/ 500.  cat and readat send the raw bytes (readat at most `limit` from `offset`), with
  the untrusted-content headers (sniffed type, HTML never; nosniff, CSP).  stream sends the same
  back-to-back JSON frames as the logs endpoint ({} heartbeat each second, `File` is the path asked
  for, `Offset` the position after the frame's data), follows by default, and says `file truncated`
  (and starts again at 0) or `file deleted` (and ends).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

from aiohttp import web

from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.driver import allocfs
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import HttpError, Routes, agent_of, authorize, check_region, json_response
from nomad_tui.devagent.http.streaming import StreamWriter
from nomad_tui.devagent.model.records import Allocation
from nomad_tui.devagent.model.timefmt import rfc3339nano

BATCH_S = 0.2
HEARTBEAT_S = 1.0
MAX_FRAME = 64 * 1024
UNTRUSTED_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
}


async def fs_routes(request: web.Request) -> web.StreamResponse:
    kind, _, alloc_id = request.match_info["tail"].partition("/")
    handler = _HANDLERS.get(kind)
    if handler is None or request.method != "GET":
        raise HttpError(404 if handler is None else 405, "Invalid method")
    if not alloc_id:
        raise HttpError(400, "must provide a valid alloc id")
    return await handler(request, alloc_id)


# ----- shared checks -------------------------------------------------------------------------------


def _path_param(request: web.Request) -> str:
    path = request.query.get("path", "")
    if not path:
        raise HttpError(400, "must provide a file name")
    return path


def _int_param(request: web.Request, name: str, required: bool) -> int:
    raw = request.query.get(name, "")
    if not raw and not required:
        return 0
    try:
        return goparse.parse_int(raw, 64)
    except goparse.GoParseError as exc:
        raise HttpError(500, f"error parsing {name}: {exc}") from exc


def _alloc_dir(request: web.Request, alloc_id: str) -> tuple[Path, Allocation]:
    """The allocation's directory after the client's checks: known allocation (404), then read-fs (403)."""
    check_region(request)
    agent = agent_of(request)
    alloc = agent.cluster.get(alloc_id)
    if alloc is None:
        raise HttpError(404, f'Unknown allocation "{alloc_id}"')
    authorize(request, Capability.READ_FS)
    return agent.alloc_dir(alloc), alloc


def _resolve(alloc_dir: Path, path: str, escape_status: int) -> Path:
    try:
        return allocfs.resolve(alloc_dir, path)
    except allocfs.PathEscapes as exc:
        raise HttpError(escape_status, str(exc)) from exc


def file_info(path: Path, info: os.stat_result, *, with_type: bool) -> dict[str, Any]:
    """An AllocFileInfo: Name, IsDir, Size, FileMode (Go's FileMode.String), ModTime (RFC 3339)."""
    entry: dict[str, Any] = {
        "Name": path.name,
        "IsDir": stat.S_ISDIR(info.st_mode),
        "Size": info.st_size,
        "FileMode": stat.filemode(info.st_mode),
        "ModTime": rfc3339nano(info.st_mtime_ns),
    }
    if with_type:
        head = b""
        if not entry["IsDir"]:
            try:
                with open(path, "rb") as fh:
                    head = fh.read(512)
            except OSError:
                pass
        entry["ContentType"] = "application/json" if path.name.endswith(".json") else allocfs.content_type(head)
    return entry


# ----- ls / stat ------------------------------------------------------------------------------------


async def _ls(request: web.Request, alloc_id: str) -> web.StreamResponse:
    path = request.query.get("path", "") or "/"
    alloc_dir, _ = _alloc_dir(request, alloc_id)
    target = _resolve(alloc_dir, path, 500)
    if not target.exists():
        raise HttpError(404, f"open {target}: no such file or directory")
    if not target.is_dir():
        raise HttpError(500, f"readdirent {target}: not a directory")
    entries = []
    for child in sorted(target.iterdir(), key=lambda p: p.name):
        try:
            entries.append(file_info(child, child.stat(), with_type=False))
        except OSError:
            continue  # vanished between the listing and the stat
    return json_response(request, entries)


async def _stat(request: web.Request, alloc_id: str) -> web.StreamResponse:
    path = _path_param(request)
    alloc_dir, _ = _alloc_dir(request, alloc_id)
    target = _resolve(alloc_dir, path, 500)
    try:
        info = target.stat()
    except FileNotFoundError as exc:
        raise HttpError(404, f"stat {target}: no such file or directory") from exc
    return json_response(request, file_info(target, info, with_type=True))


# ----- cat / readat / stream -------------------------------------------------------------------------


def _readable(request: web.Request, alloc_id: str, path: str) -> tuple[Path, int]:
    """The file to read and its size, after the stream RPC's checks (stat error and directory: 400)."""
    alloc_dir, alloc = _alloc_dir(request, alloc_id)
    target = _resolve(alloc_dir, path, 400)
    try:
        info = target.stat()
    except FileNotFoundError as exc:
        raise HttpError(400, f"stat {target}: no such file or directory") from exc
    if stat.S_ISDIR(info.st_mode):
        raise HttpError(400, f'file "{path}" is a directory')
    tasks = [t.name for t in agent_of(request).cluster.group_of(alloc).tasks]
    if allocfs.is_secret(alloc_dir, target, tasks):
        raise HttpError(500, f"Reading secret file prohibited: {path}")
    return target, info.st_size


async def _cat(request: web.Request, alloc_id: str) -> web.StreamResponse:
    path = _path_param(request)
    target, _ = _readable(request, alloc_id, path)
    return await _send_plain(request, target, 0, 0)


async def _readat(request: web.Request, alloc_id: str) -> web.StreamResponse:
    path = _path_param(request)
    offset = _int_param(request, "offset", required=True)
    limit = _int_param(request, "limit", required=False)
    target, _ = _readable(request, alloc_id, path)
    if offset < 0:
        raise HttpError(500, f"can't seek to offset {offset}: seek {target}: invalid argument")
    return await _send_plain(request, target, offset, limit)


async def _send_plain(request: web.Request, target: Path, offset: int, limit: int) -> web.StreamResponse:
    """Raw bytes from `offset` to the end of the file (at most `limit` when > 0)."""
    with open(target, "rb") as fh:
        fh.seek(offset)
        data = fh.read(limit) if limit > 0 else fh.read()
    response = web.Response(body=data, headers=UNTRUSTED_HEADERS)
    response.content_type = (
        "text/plain" if allocfs.content_type(data[:512]).startswith("text/") else "application/octet-stream"
    )
    return response


async def _stream(request: web.Request, alloc_id: str) -> web.StreamResponse:
    path = _path_param(request)
    follow = True
    if request.query.get("follow"):
        try:
            follow = goparse.parse_bool(request.query["follow"])
        except goparse.GoParseError as exc:
            raise HttpError(500, f"failed to parse follow field to boolean: {exc}") from exc
    offset = _int_param(request, "offset", required=False)
    origin = request.query.get("origin", "") or "start"
    if origin not in ("start", "end"):
        raise HttpError(400, "origin must be start or end")
    target, size = _readable(request, alloc_id, path)
    position = max(size - offset, 0) if origin == "end" else max(offset, 0)
    writer = await StreamWriter.start(request, "application/json")
    try:
        await _frames(writer, target, path, position, follow)
    except (ConnectionError, asyncio.CancelledError):
        pass
    await writer.finish()
    return writer.response


def _frame(path: str, offset: int, data: bytes = b"", event: str = "") -> bytes:
    # Nomad's framer leaves every empty field out (an Offset of 0 too).
    frame: dict[str, Any] = {"File": path}
    if offset:
        frame["Offset"] = offset
    if data:
        frame["Data"] = base64.b64encode(data).decode()
    if event:
        frame["FileEvent"] = event
    return json.dumps(frame, separators=(",", ":")).encode()


async def _frames(writer: StreamWriter, target: Path, path: str, position: int, follow: bool) -> None:
    loop = asyncio.get_running_loop()
    last_sent = loop.time()
    fh = open(target, "rb")  # noqa: SIM115 (reopened on truncation)
    try:
        fh.seek(position)
        while True:
            data = fh.read(MAX_FRAME)
            if data:
                position += len(data)
                await writer.write(_frame(path, position, data))
                last_sent = loop.time()
                continue
            if not follow:
                return
            await asyncio.sleep(BATCH_S)
            try:
                size = os.stat(target).st_size
            except FileNotFoundError:
                await writer.write(_frame(path, position, event="file deleted"))
                return
            if size < position:
                fh.close()
                fh = open(target, "rb")  # noqa: SIM115
                position = 0
                await writer.write(_frame(path, position, event="file truncated"))
                last_sent = loop.time()
            elif loop.time() - last_sent >= HEARTBEAT_S:
                await writer.write(b"{}")
                last_sent = loop.time()
    finally:
        fh.close()


_HANDLERS = {"ls": _ls, "stat": _stat, "cat": _cat, "readat": _readat, "stream": _stream}


ROUTES: Routes = (("/v1/client/fs/{tail:.*}", fs_routes),)  # after routes_logs.ROUTES
