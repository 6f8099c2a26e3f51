"""A streamed response flushed after every write, compressed when the client asks for it (Nomad's
whole mux sits behind gorilla's compress handler, streams included)."""

from __future__ import annotations

import zlib

from aiohttp import web

from nomad_tui.devagent.http.compression import choose_encoding
from nomad_tui.devagent.http.compression import compressor as new_compressor


class StreamWriter:
    def __init__(self, response: web.StreamResponse, compressor: zlib._Compress | None) -> None:
        self.response = response
        self.compressor = compressor

    @classmethod
    async def start(cls, request: web.Request, content_type: str) -> StreamWriter:
        response = web.StreamResponse(status=200)
        response.content_type = content_type
        response.headers["Vary"] = "Accept-Encoding"
        encoding = choose_encoding(request.headers.get("Accept-Encoding", ""))
        compressor = None
        if encoding is not None:
            response.headers["Content-Encoding"] = encoding
            compressor = new_compressor(encoding)
        await response.prepare(request)
        return cls(response, compressor)

    async def write(self, data: bytes) -> None:
        if self.compressor is not None:
            data = self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.response.write(data)

    async def finish(self) -> None:
        try:
            if self.compressor is not None:
                await self.response.write(self.compressor.flush())
            await self.response.write_eof()
        except ConnectionError:
            pass
