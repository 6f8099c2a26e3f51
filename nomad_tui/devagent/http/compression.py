"""gzip/deflate as gorilla/handlers' CompressHandler does it for every Nomad HTTP response."""

from __future__ import annotations

import zlib

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
    """Level 1 for big bodies: a 100k-allocation list is ~70 MB and level 6 would take seconds."""
    comp = compressor(encoding, 1 if len(body) > BIG_BODY else 6)
    return comp.compress(body) + comp.flush()
