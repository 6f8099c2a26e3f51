"""Small, frequent GETs (the resource usage of the rows on screen) over a few kept-alive HTTP/1.1
connections, at a fraction of the general client's cost.

The stats of ~40 rows every 3 s are ~13 requests a second of ~1 KB each.  Through httpx each costs
~1 ms of CPU on the build machine (request building, the connection pool, h11's state machine), which
made resource usage cost more than the dashboard's whole idle; this reader costs ~0.07 ms.  It speaks
only what those reads need: GET, `Content-Length`, chunked or close-delimited bodies, gzip if the agent
sends it anyway, keep-alive.  It goes straight to the agent (TCP, TLS with the same context and server
name as every other request, or a unix socket), so it is used only when no proxy applies; the caller
falls back to the general client otherwise.  The token travels only in its header; error texts are
scrubbed of it.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import zlib
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from nomad_tui.api.errors import NomadError, NomadTimeout, Unreachable, clean_message, error_for_status
from nomad_tui.api.tls import ssl_context
from nomad_tui.api.transport import proxy_for
from nomad_tui.settings import Settings

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
MAX_HEADER_LINES = 100


class _Stale(Exception):
    """A kept-alive connection the agent had closed: nothing was read, the GET may be sent again."""


class QuickGet:
    def __init__(
        self,
        settings: Settings,
        headers: Mapping[str, str],
        *,
        secrets: tuple[str, ...] = (),
        connections: int = 4,
        connect_timeout: float = 5.0,
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.connections = connections
        self.connect_timeout = connect_timeout
        parts = urlsplit(settings.base_url)
        self._prefix = parts.path.rstrip("/")
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        lines = {"Host": parts.netloc or "127.0.0.1", **headers, "Accept-Encoding": "identity"}
        if settings.basic_auth:
            pair = ":".join(settings.basic_auth).encode()
            lines["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in lines.items())
        self._idle: list[Stream] = []

    @staticmethod
    def usable(settings: Settings) -> bool:
        """Whether requests may go straight to the agent (no proxy in the way)."""
        return proxy_for(settings) is None

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()

    async def get(self, path: str, params: Mapping[str, str], *, timeout: float, max_bytes: int) -> bytes:
        """The body of a 2xx answer; any other status, or any failure, raises a NomadError."""
        target = self._prefix + path + (f"?{urlencode(params)}" if params else "")
        request = f"GET {target} HTTP/1.1\r\n{self._headers}\r\n".encode()
        try:
            async with asyncio.timeout(timeout):
                for attempt in range(2):
                    reused = bool(self._idle)
                    stream = self._idle.pop() if reused else await self._open()
                    try:
                        status, body, keep = await self._exchange(stream, request, max_bytes)
                    except _Stale:
                        stream[1].close()
                        if reused and attempt == 0:
                            continue
                        raise Unreachable("the agent closed the connection", path=path, maybe_sent=True) from None
                    except BaseException:
                        stream[1].close()  # half-read (or cancelled): never reused
                        raise
                    if keep and len(self._idle) < self.connections:
                        self._idle.append(stream)
                    else:
                        stream[1].close()
                    break
        except TimeoutError:
            raise NomadTimeout(f"no answer within {timeout:g}s", path=path, maybe_sent=True) from None
        except NomadError:
            raise
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError, zlib.error) as exc:
            text = clean_message(f"{type(exc).__name__}: {exc}", secrets=self.secrets)
            raise Unreachable(text, path=path, maybe_sent=True) from None
        if status >= 300:
            text = body.decode("utf-8", "replace")
            raise error_for_status(status, text, path=path, secrets=self.secrets)
        return body

    async def _open(self) -> Stream:
        settings = self.settings
        async with asyncio.timeout(self.connect_timeout):
            if settings.is_unix_socket:
                return await asyncio.open_unix_connection(settings.unix_socket_path or "")
            if settings.uses_tls:
                server_name = settings.tls_server_name or self._host
                return await asyncio.open_connection(
                    self._host, self._port, ssl=ssl_context(settings), server_hostname=server_name
                )
            return await asyncio.open_connection(self._host, self._port)

    @staticmethod
    async def _exchange(stream: Stream, request: bytes, max_bytes: int) -> tuple[int, bytes, bool]:
        """(status, body, whether the connection may be reused)."""
        reader, writer = stream
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise _Stale()
        version, _, rest = status_line.decode("latin-1").partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError(f"not an HTTP/1.x answer: {status_line[:40]!r}")
        status = int(rest[:3])
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADER_LINES):
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ValueError("too many header lines")
        keep = headers.get("connection", "").lower() != "close" and version != "HTTP/1.0"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            size = 0
            while True:
                length = int((await reader.readline()).split(b";")[0].strip(), 16)
                if length == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                size += length
                if size > max_bytes:
                    raise ValueError(f"answer larger than {max_bytes} bytes")
                parts.append(await reader.readexactly(length))
                await reader.readline()
            body = b"".join(parts)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if length > max_bytes:
                raise ValueError(f"answer larger than {max_bytes} bytes")
            body = await reader.readexactly(length)
        else:
            chunks: list[bytes] = []
            size = 0
            while chunk := await reader.read(65536):  # the body ends when the agent closes
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError(f"answer larger than {max_bytes} bytes")
                chunks.append(chunk)
            body = b"".join(chunks)
            keep = False
        if headers.get("content-encoding", "").lower() == "gzip":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            body = inflater.decompress(body, max_bytes + 1)
            if len(body) > max_bytes or inflater.unconsumed_tail:
                raise ValueError(f"answer larger than {max_bytes} bytes")
        return status, body, keep
