"""gzip/deflate as gorilla/handlers' CompressHandler does it for every Nomad HTTP response."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

BIG_BODY = 256 * 1024


def choose_encoding(accept_encoding: str) -> str | None:
    """The first exact `gzip` or `deflate` token, in the client's order (no q-value parsing)."""
    for part in accept_encoding.split(","):
        name = part.strip()
        if name in ("gzip", "deflate"):
            return name
    return None


def compressor(encoding: str, level: int = 6) -> zlib._Compress:
    # gzip framing for gzip; raw DEFLATE (no zlib header) for deflate, as Go's compress/flate writes.
    return zlib.compressobj(level, zlib.DEFLATED, 31 if encoding == "gzip" else -15)


def compress(encoding: str, body: bytes) -> bytes:
    return compress_chunks(encoding, (body,), len(body))


def compress_chunks(encoding: str, chunks: Iterable[bytes], length: int) -> bytes:
    """The body given as consecutive chunks of `length` bytes in all. Level 1 for big bodies: a
    100k-allocation list is ~90 MB and level 6 would take seconds. Feeding deflate in pieces without
    flushes gives the same bytes as feeding it the whole body at once."""
    comp = compressor(encoding, 1 if length > BIG_BODY else 6)
    out = [comp.compress(chunk) for chunk in chunks]
    out.append(comp.flush())
    return b"".join(out)
