"""One interactive exec session over Nomad's exec WebSocket (docs/nomad-wire.md §6); no Textual here.

    session = ExecSession(settings, alloc_id, "web", ["/bin/sh"], namespace="default", on_output=feed)
    session.resize(cols, rows)        # any time; the first size goes out before the first stdin
    session.write(b"ls\\r")            # queued, sent in order by one writer task
    session.close()                   # from our side (`~.`); run() then returns ClosedByUser
    outcome = await session.run()     # Exited(code) | ClosedByServer | ConnectionLost | ConnectFailed | ClosedByUser

Wire rules kept here:
- URL `ws(s)://…/v1/client/allocation/<id>/exec?task=…&tty=true&command=<JSON argv>&ws_handshake=true`
  plus region and namespace; unix-socket addresses connect over the socket with `ws://127.0.0.1/…`.
- The ACL token travels in the first frame, `{"version":1,"auth_token":…}`, and the same token in
  `X-Nomad-Token` on the upgrade request, as Nomad's Go api does: Nomad 0.11+ accepts a header token
  equal to the handshake's, Nomad 0.10 and older read only the header, and the Task API unix socket
  answers 401 before the upgrade without one (docs/nomad-wire.md, exec).  Never in the URL, a log
  line or an error text (scrubbed).  Basic auth, when configured, is an Authorization header (the
  token then goes in X-Nomad-Token only).
- TLS, server name and proxy: the same as every HTTP request (api/transport.py).
- `tty_size` before the first stdin and on every change; `{}` every `heartbeat_interval` seconds
  (10 s, as the CLI and the web UI do; load balancers cut idle sockets, nomad#8727).
- The end: an `exited` frame is the end of a session (Nomad then drops TCP without a close frame);
  a close frame with code 1008/1011 carries the error text; anything else before `exited` means the
  connection was lost.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import shlex
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from nomad_tui import __version__
from nomad_tui.api.errors import clean_message
from nomad_tui.api.paths import path_segment
from nomad_tui.api.transport import websocket_options
from nomad_tui.sanitize import truncate
from nomad_tui.settings import Settings

HEARTBEAT_INTERVAL = 10.0
OPEN_TIMEOUT = 10.0
# Nomad sends at most a few KiB per frame; a generous cap still stops a runaway peer.
MAX_FRAME = 4 * 1024 * 1024
# The socket's receive buffer: without a cap the kernel grows it to several MB during a flood,
# and all of that output, already on its way, must be read before the prompt that follows ^C.
# 256 KiB still carries a few MB/s at WAN round trips (ssh's channel window is of that order).
RECEIVE_BUFFER = 256 * 1024
DEFAULT_SIZE = (80, 24)
# How Nomad (and the dev agent) spell an output frame: `{"stdout":{"data":"<base64>"}}`.  A frame
# spelt exactly so is handed over without JSON or base64 decoding when the consumer takes encoded
# output (it decodes only what it will show); anything else goes through the full decoder.
_DATA_FRAME_PREFIXES = (b'{"stdout":{"data":"', b'{"stderr":{"data":"')
_DATA_FRAME_SUFFIX = b'"}}'


class CommandError(ValueError):
    """The command line cannot be split into an argv (unbalanced quotes) or is empty."""


def build_argv(command: str) -> list[str]:
    """Split a command line as a POSIX shell would, without running a shell: the argv goes to
    Nomad as a JSON array, so nothing after the command can be taken for one of our flags."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise CommandError(f"cannot parse the command: {exc}") from None
    if not argv:
        raise CommandError("the command is empty")
    return argv


# ------------------------------------------------------------------------------ outcomes


@dataclass(frozen=True, slots=True)
class Exited:
    """The command ended; Nomad reported its exit code (a missing code means 0, as in Go's zero
    value).  `code` is None when the agent sent something that is not an integer: never "success"."""

    code: int | None

    def describe(self) -> str:
        return "exited (exit code unknown)" if self.code is None else f"exited with code {self.code}"


@dataclass(frozen=True, slots=True)
class ClosedByServer:
    """The agent ended the session with a close frame (1008, 1011) and a reason, e.g.
    `task "web" is not running.` or `Permission denied`."""

    code: int
    reason: str

    def describe(self) -> str:
        return f"closed by the agent ({self.code}): {self.reason or 'no reason given'}"


@dataclass(frozen=True, slots=True)
class ConnectionLost:
    """The socket ended before the command's exit code arrived."""

    detail: str = ""

    def describe(self) -> str:
        return "connection lost" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, slots=True)
class ConnectFailed:
    """No session was opened: unreachable agent, TLS failure, an HTTP error instead of an upgrade."""

    message: str

    def describe(self) -> str:
        return f"could not connect: {self.message}"


@dataclass(frozen=True, slots=True)
class ClosedByUser:
    """We closed the session (`~.`, closing its tab)."""

    def describe(self) -> str:
        return "connection closed"


ExecOutcome = Exited | ClosedByServer | ConnectionLost | ConnectFailed | ClosedByUser


class _NoRedirects(connect):
    """`connect` that never follows a redirect.  The token goes in the first frame after the
    upgrade, so a followed redirect would hand it to whatever address the Location names; the
    library only strips headers on a cross-origin redirect.  A 3xx is raised as InvalidStatus."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        return exc


REDIRECT_STATUSES = frozenset({300, 301, 302, 303, 307, 308})


# ------------------------------------------------------------------------------ URL


def exec_url(settings: Settings, alloc_id: str, task: str, argv: Sequence[str], namespace: str | None) -> str:
    """The WebSocket URL; it carries no secret (the token goes in the handshake frame)."""
    params: dict[str, str] = {
        "task": task,
        "tty": "true",
        "command": json.dumps(list(argv)),
        "ws_handshake": "true",
    }
    if settings.region:
        params["region"] = settings.region
    if namespace:
        params["namespace"] = namespace
    base = settings.base_url  # http://127.0.0.1 for a unix socket, as the Go api does
    scheme, _, rest = base.partition("://")
    ws_scheme = "wss" if scheme == "https" else "ws"
    path = f"/v1/client/allocation/{path_segment(alloc_id)}/exec"
    return f"{ws_scheme}://{rest}{path}?{urlencode(params, quote_via=quote)}"


# ------------------------------------------------------------------------------ the session


def _cap_receive_buffer(connection: ClientConnection) -> None:
    sock = connection.transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)


class ExecSession:
    def __init__(
        self,
        settings: Settings,
        alloc_id: str,
        task: str,
        argv: Sequence[str],
        *,
        namespace: str | None = None,
        on_output: Callable[[bytes], None],
        on_open: Callable[[], None] | None = None,
        on_encoded_output: Callable[[bytes], None] | None = None,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        open_timeout: float = OPEN_TIMEOUT,
    ) -> None:
        if not argv:
            raise CommandError("the command is empty")
        self.settings = settings
        self.alloc_id = alloc_id
        self.task = task
        self.argv = tuple(argv)
        self.namespace = namespace
        self.on_output = on_output
        self.on_open = on_open
        # Optional: takes output still base64-encoded (see `_DATA_FRAME_PREFIXES`).
        self.on_encoded_output = on_encoded_output
        self.heartbeat_interval = heartbeat_interval
        self.open_timeout = open_timeout
        self._token = settings.token.reveal() if settings.token else ""

        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._pending: list[dict[str, Any]] = []  # stdin frames from before the socket was open
        self._size: tuple[int, int] | None = None
        self._size_sent: tuple[int, int] | None = None
        self._close_requested = asyncio.Event()
        self.outcome: ExecOutcome | None = None
        self.connected = False

        # Counters: the UI's status line, tests and the benchmark read them.
        self.bytes_in = 0
        self.bytes_out = 0
        self.heartbeats_sent = 0
        self.frames_sent = 0

    @property
    def url(self) -> str:
        return exec_url(self.settings, self.alloc_id, self.task, self.argv, self.namespace)

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    # -------------------------------------------------------------- input side (sync, queued)

    def write(self, data: bytes) -> None:
        """Queue bytes for the remote's stdin (typed before the socket is open: sent once it is)."""
        if data and not self.ended:
            self._send({"stdin": {"data": base64.b64encode(data).decode("ascii")}})

    def resize(self, cols: int, rows: int) -> None:
        if cols < 1 or rows < 1:
            return
        self._size = (cols, rows)
        if self.connected and (cols, rows) != self._size_sent:
            self._queue_size((cols, rows))

    def close_stdin(self) -> None:
        if not self.ended:
            self._send({"stdin": {"close": True}})

    def close(self) -> None:
        """End the session from our side; `run()` then returns `ClosedByUser`."""
        self._close_requested.set()

    def _send(self, frame: dict[str, Any]) -> None:
        if self.connected:
            self._queue(frame)
        else:
            self._pending.append(frame)

    def _queue(self, frame: dict[str, Any]) -> None:
        self._outgoing.put_nowait(json.dumps(frame, separators=(",", ":")))

    def _queue_size(self, size: tuple[int, int]) -> None:
        self._size_sent = size
        self._queue({"tty_size": {"height": size[1], "width": size[0]}})

    # -------------------------------------------------------------- running

    async def run(self) -> ExecOutcome:
        """Connect, shuttle frames until the session ends, and say how it ended.  Never raises
        (except CancelledError); each call runs one connection, so a reconnect is a new session."""
        if self.outcome is not None:
            return self.outcome
        try:
            self.outcome = await self._run()
        finally:
            self.connected = False
            if self.outcome is None:  # cancelled
                self.outcome = ClosedByUser()
        return self.outcome

    async def _run(self) -> ExecOutcome:
        opening = asyncio.ensure_future(self._open())
        closing = asyncio.ensure_future(self._close_requested.wait())
        try:
            await asyncio.wait({opening, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
        if not opening.done():
            opening.cancel()
            return ClosedByUser()
        try:
            connection = opening.result()
        except Exception as exc:  # OSError, TLS, an HTTP status, a bad URI: all "could not connect"
            return ConnectFailed(self._describe_connect_error(exc))
        try:
            return await self._session(connection)
        finally:
            # Nomad drops TCP after `exited`; do not wait long for a closing handshake.
            await connection.close()

    async def _open(self) -> ClientConnection:
        options: dict[str, Any] = {
            "open_timeout": self.open_timeout,
            "max_size": MAX_FRAME,
            "compression": None,  # Nomad's upgrader does not negotiate it; keystrokes are tiny anyway
            "user_agent_header": f"nomad-tui/{__version__}",
            "close_timeout": 1.0,
        }
        headers: dict[str, str] = {}
        if self._token:
            headers["X-Nomad-Token"] = self._token
        basic = self.settings.basic_auth
        if basic is not None:
            credentials = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {credentials}"
        if headers:
            options["additional_headers"] = headers
        url = self.url
        if self.settings.is_unix_socket:
            options["unix"] = True
            options["path"] = self.settings.unix_socket_path
            connection = await _NoRedirects(url, **options)
        else:
            connection = await _NoRedirects(url, **options, **websocket_options(self.settings))
        _cap_receive_buffer(connection)
        # The handshake is the first frame (the token goes nowhere else).
        await connection.send(json.dumps({"version": 1, "auth_token": self._token}))
        self.connected = True
        # The size before any stdin, so the remote's first screen has the right shape.
        self._queue_size(self._size or DEFAULT_SIZE)
        for frame in self._pending:
            self._queue(frame)
        self._pending.clear()
        if self.on_open is not None:
            self.on_open()
        return connection

    async def _session(self, connection: ClientConnection) -> ExecOutcome:
        reader = asyncio.ensure_future(self._read(connection))
        helpers = {
            asyncio.ensure_future(self._write(connection)),
            asyncio.ensure_future(self._heartbeat()),
            asyncio.ensure_future(self._close_requested.wait()),
        }
        try:
            done, _ = await asyncio.wait({reader, *helpers}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, *helpers):
                task.cancel()
            await asyncio.gather(reader, *helpers, return_exceptions=True)
        if reader in done:
            error = reader.exception()
            if error is None:
                return reader.result()
            return ConnectionLost(self._clean(f"internal error: {type(error).__name__}: {error}"))
        for task in done:
            error = task.exception()
            if isinstance(error, ConnectionClosed):  # a send found the socket gone
                return self._closed(error)
            if error is not None:
                return ConnectionLost(self._clean(f"{type(error).__name__}: {error}"))
        return ClosedByUser()

    async def _read(self, connection: ClientConnection) -> ExecOutcome:
        while True:
            try:
                message = await connection.recv(decode=False)
            except ConnectionClosed as exc:
                return self._closed(exc)
            if self.on_encoded_output is not None and self._hand_over_encoded(message):
                continue
            try:
                frame = json.loads(message)
            except ValueError:
                continue  # not JSON: nothing we can use; Nomad never sends it
            if not isinstance(frame, dict):
                continue
            if frame.get("exited"):
                result = frame.get("result")
                code = result.get("exit_code", 0) if isinstance(result, dict) else 0
                return Exited(code if isinstance(code, int) and not isinstance(code, bool) else None)
            for stream in ("stdout", "stderr"):
                part = frame.get(stream)
                if isinstance(part, dict) and part.get("data"):
                    try:
                        data = base64.b64decode(part["data"])
                    except (binascii.Error, TypeError, ValueError):
                        continue
                    self.bytes_in += len(data)
                    self.on_output(data)
            # Anything else (stream close frames, `{}`) needs no action.

    def _hand_over_encoded(self, message: bytes) -> bool:
        """Pass an output frame's base64 payload on undecoded; False if the frame is not spelt
        the usual way (the full decoder then handles it)."""
        if not message.endswith(_DATA_FRAME_SUFFIX) or not message.startswith(_DATA_FRAME_PREFIXES):
            return False
        payload = message[len(_DATA_FRAME_PREFIXES[0]) : -len(_DATA_FRAME_SUFFIX)]
        if b'"' in payload or b"\\" in payload:
            return False
        assert self.on_encoded_output is not None
        if payload:
            self.bytes_in += len(payload) * 3 // 4 - payload[-2:].count(b"=")
            self.on_encoded_output(payload)
        return True

    async def _write(self, connection: ClientConnection) -> None:
        while True:
            frame = await self._outgoing.get()
            await connection.send(frame)
            self.frames_sent += 1
            self.bytes_out += len(frame)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            self._queue({})
            self.heartbeats_sent += 1

    # -------------------------------------------------------------- describing the end

    def _closed(self, exc: ConnectionClosed) -> ExecOutcome:
        if self._close_requested.is_set():
            return ClosedByUser()
        received = exc.rcvd
        if received is not None and received.code not in (1000, 1001, 1005, 1006):
            return ClosedByServer(received.code, self._clean(received.reason))
        if received is not None and received.reason:
            return ConnectionLost(self._clean(f"closed {received.code}: {received.reason}"))
        return ConnectionLost()

    def _describe_connect_error(self, exc: BaseException) -> str:
        if isinstance(exc, InvalidStatus) and exc.response.status_code in REDIRECT_STATUSES:
            response = exc.response
            where = response.headers.get("Location", "")
            return self._clean(
                f"the agent answered with a redirect (HTTP {response.status_code}"
                + (f" to {truncate(where, 120)}" if where else "")
                + "); exec never follows a redirect, so the token was not sent"
            )
        if isinstance(exc, InvalidStatus):
            response = exc.response
            body = bytes(response.body or b"").decode("utf-8", "replace").strip()
            return self._clean(f"HTTP {response.status_code}" + (f" ({body})" if body else ""))
        if isinstance(exc, TimeoutError):
            return "timed out"
        return self._clean(str(exc) or type(exc).__name__)

    def _clean(self, text: str) -> str:
        return clean_message(text, secrets=(self._token,) if self._token else ())
