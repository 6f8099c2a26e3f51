"""Reading a response body with a cap on what it may cost: bytes on the wire and bytes after gzip.

A hostile or broken server can send an endless body, a huge one, or a gzip bomb (1 MB that inflates
to 1 GB).  The body is read chunk by chunk and inflated in bounded steps, so at most `limit` bytes
are ever held; past it, reading stops and `ResponseTooLarge` is raised.  Only identity and gzip are
decoded: the client asks for nothing else, and Nomad sends nothing else (see docs/nomad-wire.md).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable

from nomad_tui.api.errors import BadResponse, ResponseTooLarge

# Inflate at most this much per step, so one small compressed chunk cannot allocate a huge buffer.
INFLATE_STEP = 1 << 20


def _megabytes(limit: int) -> str:
    return f"{limit / 1e6:g} MB"


class BodyReader:
    """Accumulates one body, inflating gzip in bounded steps; `cut` keeps the first `limit` bytes
    instead of raising (for error texts, of which only the start is ever shown)."""

    def __init__(self, content_encoding: str, limit: int, *, path: str = "", cut: bool = False) -> None:
        encoding = content_encoding.strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip"):
            raise BadResponse(f"unsupported Content-Encoding {encoding[:40]!r}", path=path)
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if "gzip" in encoding else None
        self.limit = limit
        self.path = path
        self.cut = cut
        self.size = 0
        self.full = False  # `cut` mode: the limit was reached, nothing more is kept
        self._parts: list[bytes] = []

    def _keep(self, data: bytes) -> None:
        room = self.limit - self.size
        if len(data) > room:
            if not self.cut:
                raise ResponseTooLarge(
                    f"more than {_megabytes(self.limit)} after decompression; stopped reading", path=self.path
                )
            data = data[:room]
            self.full = True
        self.size += len(data)
        self._parts.append(data)

    def feed(self, raw: bytes) -> None:
        if self.full:
            return
        if self._inflate is None:
            self._keep(raw)
            return
        data = raw
        try:
            while data and not self.full and not self._inflate.eof:
                self._keep(self._inflate.decompress(data, INFLATE_STEP))
                data = self._inflate.unconsumed_tail
        except zlib.error as exc:
            raise BadResponse(f"bad gzip body: {exc}", path=self.path) from None

    def finish(self) -> bytes:
        if self._inflate is not None and not self.full:
            try:
                self._keep(self._inflate.flush())
            except zlib.error as exc:
                raise BadResponse(f"bad gzip body: {exc}", path=self.path) from None
            if not self._inflate.eof:
                raise BadResponse("truncated gzip body", path=self.path)
        return b"".join(self._parts)


async def read_body(
    chunks: AsyncIterator[bytes],
    content_encoding: str,
    limit: int,
    *,
    path: str = "",
    cut: bool = False,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Read a whole body within `limit`; `progress` hears the size of each chunk as received."""
    reader = BodyReader(content_encoding, limit, path=path, cut=cut)
    async for raw in chunks:
        if progress is not None:
            progress(len(raw))
        reader.feed(raw)
        if reader.full:
            break
    return reader.finish()
