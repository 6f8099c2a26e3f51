"""Streaming task logs: GET /v1/client/fs/logs/:alloc_id (docs/nomad-wire.md §7).

With plain=false the body is JSON objects written back to back with no separator (`{…}{…}`), not
NDJSON, and `{}` heartbeats arrive every second.  `LogFrameDecoder` cuts frames out of arbitrary
network chunks; `stream_logs` yields decoded frames (heartbeats dropped) until the server or the
caller ends the stream.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import BadResponse, NomadTimeout, Unreachable, error_for_status
from nomad_tui.api.paths import path_segment

# Heartbeats come every second; this much silence means the stream is dead.
LOG_READ_TIMEOUT = 30.0
MAX_PENDING = 1 << 20  # a frame carries at most 64 KiB of data; 1 MiB without a frame end is garbage


@dataclass(frozen=True, slots=True)
class LogFrame:
    data: bytes
    offset: int
    file: str = ""
    file_event: str = ""  # "file deleted" / "file truncated"


_FRAME_SYNTAX = re.compile(r'["{}\[\]]')
_STRING_END = re.compile(r'["\\]')
SKIPPED = "malformed frame skipped"


def frame_end(buffer: str, start: int) -> int | None:
    """Where the JSON value starting at `buffer[start]` ends (one past its last character), found
    by matching brackets outside strings; None if the buffer ends first.  Used only after the real
    decoder failed, to tell an incomplete frame (wait for more bytes) from a malformed one (skip)."""
    if buffer[start] not in "{[":
        return start + 1  # not an object or array: one bad character, skip it
    depth = 0
    position = start
    while True:
        match = _FRAME_SYNTAX.search(buffer, position)
        if match is None:
            return None
        char = match.group()
        position = match.end()
        if char == '"':
            while True:
                quote = _STRING_END.search(buffer, position)
                if quote is None:
                    return None
                position = quote.end()
                if quote.group() == '"':
                    break
                position += 1  # a backslash escapes the next character
        elif char in "{[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return position


class LogFrameDecoder:
    """Splits a byte stream of back-to-back JSON objects into frames.  A frame that is complete but
    not valid JSON (a raw control character in a string, nesting too deep, a bad Data field) is
    skipped and reported as a `SKIPPED` frame; the frames after it are decoded as usual."""

    def __init__(self) -> None:
        self._pending = ""
        self._decoder = json.JSONDecoder()
        self._utf8 = b""
        self.skipped = 0

    def feed(self, chunk: bytes) -> list[LogFrame]:
        data = self._utf8 + chunk
        # JSON frames are ASCII (Data is base64), but keep a split multi-byte sequence for the next chunk.
        try:
            text = data.decode("utf-8")
            self._utf8 = b""
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 3:
                text = data.decode("utf-8", "replace")  # the frame holding it will fail and be skipped
                self._utf8 = b""
            else:
                text, self._utf8 = data[: exc.start].decode("utf-8", "replace"), data[exc.start :]
        self._pending += text
        frames: list[LogFrame] = []
        buffer = self._pending
        position = 0
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position >= len(buffer):
                break
            try:
                obj, end = self._decoder.raw_decode(buffer, position)
                frame = _to_frame(obj)
            except (ValueError, RecursionError, BadResponse):
                end_of_frame = frame_end(buffer, position)
                if end_of_frame is None:
                    break  # incomplete: wait for more bytes
                frame = self._lenient(buffer[position:end_of_frame])
                end = end_of_frame
            position = end
            if frame is not None:
                frames.append(frame)
        self._pending = buffer[position:]
        if len(self._pending) > MAX_PENDING:
            raise BadResponse("log stream sent more than 1 MiB without a complete frame")
        return frames

    def _lenient(self, text: str) -> LogFrame | None:
        """A complete frame the strict decoder refused: control characters inside strings are
        accepted (Nomad escapes them, a broken agent may not); anything else is skipped."""
        try:
            return _to_frame(json.loads(text, strict=False))
        except (ValueError, RecursionError, BadResponse):
            self.skipped += 1
            return LogFrame(data=b"", offset=0, file=f"{len(text)} bytes", file_event=SKIPPED)


def _to_frame(obj: object) -> LogFrame | None:
    if not isinstance(obj, dict):
        raise BadResponse("log stream frame is not a JSON object")
    if not obj:
        return None  # heartbeat
    raw = obj.get("Data") or ""
    try:
        data = base64.b64decode(raw, validate=True) if isinstance(raw, str) else b""
    except (binascii.Error, ValueError):
        raise BadResponse("log stream frame has invalid base64 Data") from None
    offset = obj.get("Offset")
    return LogFrame(
        data=data,
        offset=offset if isinstance(offset, int) and not isinstance(offset, bool) else 0,
        file=str(obj.get("File") or ""),
        file_event=str(obj.get("FileEvent") or ""),
    )


async def stream_logs(
    client: NomadClient,
    alloc_id: str,
    task: str,
    *,
    kind: str = "stdout",
    follow: bool = True,
    origin: str = "end",
    offset: int = 50_000,
    namespace: str | None = None,
) -> AsyncIterator[LogFrame]:
    """Yield log frames; starting `offset` bytes back from the end (origin=end) tails the log.
    `namespace` is the allocation's own (as the CLI sends it); without it the dashboard's."""
    params = client.common_params(namespace)
    params.update(
        {
            "task": task,
            "type": kind,
            "follow": "true" if follow else "false",
            "origin": origin,
            "offset": str(max(0, offset)),
            "plain": "false",
        }
    )
    path = f"/v1/client/fs/logs/{path_segment(alloc_id)}"
    async for frame in stream_frames(client, path, params, what="log stream"):
        yield frame


async def stream_frames(
    client: NomadClient, path: str, params: dict[str, str], *, what: str
) -> AsyncIterator[LogFrame]:
    """GET a framed stream (logs, or a file with /v1/client/fs/stream) and yield its frames, heartbeats
    dropped; an error status, silence past LOG_READ_TIMEOUT or a lost connection raise NomadErrors."""
    decoder = LogFrameDecoder()
    timeout = httpx.Timeout(LOG_READ_TIMEOUT, connect=5.0)
    try:
        async with client.http.stream("GET", path, params=params, timeout=timeout) as response:
            if response.status_code >= 300:
                body = (await response.aread()).decode("utf-8", "replace")
                raise error_for_status(response.status_code, body, path=path, secrets=client.secrets)
            async for chunk in response.aiter_bytes():
                for frame in decoder.feed(chunk):
                    yield frame
    except httpx.TimeoutException:
        raise NomadTimeout(f"{what} went silent (no heartbeat)", path=path) from None
    except (httpx.HTTPError, OSError) as exc:  # a transport failure, or a body httpx cannot decode
        raise Unreachable(f"{what} lost: {type(exc).__name__}", path=path) from None
