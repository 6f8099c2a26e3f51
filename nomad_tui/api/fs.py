"""An allocation's files: GET /v1/client/fs/{ls,stat,cat,readat,stream}/:alloc_id (Nomad's
command/agent/fs_endpoint.go, client/fs_endpoint.go, client/allocdir/alloc_dir.go).

All need the `read-fs` capability.  `cat` and `readat` answer raw bytes; `stream` answers the same
back-to-back JSON frames as the logs endpoint (so `LogFrameDecoder` reads it), following by default.
File content is untrusted: callers sanitise before showing it, exactly as for logs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from nomad_tui.api.client import NomadClient
from nomad_tui.api.decode import decode
from nomad_tui.api.logs import LogFrame, stream_frames
from nomad_tui.api.models import NomadStruct
from nomad_tui.api.paths import path_segment

PAGE_BYTES = 256 * 1024  # one readat page; files up to this size are read whole with cat


class AllocFileInfo(NomadStruct):
    name: str = ""
    is_dir: bool = False
    size: int = 0
    file_mode: str = ""
    mod_time: str = ""
    content_type: str = ""  # stat only, Nomad 0.9+


def _path(kind: str, alloc_id: str) -> str:
    return f"/v1/client/fs/{kind}/{path_segment(alloc_id)}"


def _params(client: NomadClient, **extra: str) -> dict[str, str]:
    params = client.common_params()
    params.pop("namespace", None)  # the allocation says which namespace it is in
    params.update(extra)
    return params


async def list_dir(client: NomadClient, alloc_id: str, path: str) -> list[AllocFileInfo]:
    response = await client.send("GET", _path("ls", alloc_id), params=_params(client, path=path or "/"))
    return decode(response.content, list[AllocFileInfo], path=_path("ls", alloc_id))


async def stat_file(client: NomadClient, alloc_id: str, path: str) -> AllocFileInfo:
    response = await client.send("GET", _path("stat", alloc_id), params=_params(client, path=path))
    return decode(response.content, AllocFileInfo, path=_path("stat", alloc_id))


async def cat_file(client: NomadClient, alloc_id: str, path: str) -> bytes:
    """The whole file: only for small files (see PAGE_BYTES); big ones are read in pages."""
    response = await client.send("GET", _path("cat", alloc_id), params=_params(client, path=path))
    return response.content


async def read_at(client: NomadClient, alloc_id: str, path: str, offset: int, limit: int = PAGE_BYTES) -> bytes:
    params = _params(client, path=path, offset=str(max(0, offset)), limit=str(max(1, limit)))
    response = await client.send("GET", _path("readat", alloc_id), params=params)
    return response.content[:limit]


async def stream_file(
    client: NomadClient, alloc_id: str, path: str, *, origin: str = "end", offset: int = 0, follow: bool = True
) -> AsyncIterator[LogFrame]:
    """Frames of a file from `offset` (from the end with origin=end), following it as it grows."""
    params = _params(client, path=path, origin=origin, offset=str(max(0, offset)), follow="true" if follow else "false")
    async for frame in stream_frames(client, _path("stream", alloc_id), params, what="file stream"):
        yield frame
