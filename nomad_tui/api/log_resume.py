"""Where to pick a broken log stream up again, across log rotation (docs/nomad-wire.md, logs).

A frame's `Offset` counts inside its own file (`alloc/logs/<task>.<type>.<N>`), while a request's
`origin=start&offset=K` counts from the start of the oldest file still kept, across files (Nomad's
client/fs_endpoint.go `findClosest`). Resuming with the frame's offset alone jumps back into an older
file after any rotation and replays everything since (up to max_files × max_file_size). So the place
is remembered as (file index, position in it) and turned into a request offset with the sizes of the
retained files (`/v1/client/fs/ls`, which needs read-fs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INDEX = re.compile(r"\.(\d+)$")

# Without the file sizes, a resume after rotation starts this far back from the end (and says so).
BLIND_TAIL = 16 * 1024


@dataclass(frozen=True, slots=True)
class LogPosition:
    index: int  # N of `<task>.<type>.<N>`
    position: int  # bytes into that file


@dataclass(frozen=True, slots=True)
class Resume:
    origin: str
    offset: int
    gap: str = ""  # "" when exact; else words for a marker line (output may be missing or repeated)


def position_of(file: str, offset: int) -> LogPosition | None:
    """The place after a frame: its file's index and its offset (None if the file name has no index)."""
    match = _INDEX.search(file)
    return LogPosition(int(match.group(1)), offset) if match else None


def log_file_sizes(names_and_sizes: list[tuple[str, int]], task: str, kind: str) -> dict[int, int]:
    """{index: size} of one task's retained log files, from a listing of `alloc/logs`."""
    prefix = f"{task}.{kind}."
    sizes = {}
    for name, size in names_and_sizes:
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            sizes[int(name[len(prefix) :])] = size
    return sizes


def resume_exact(place: LogPosition) -> Resume | None:
    """Before any rotation (file 0) the request offset is the position itself."""
    return Resume("start", place.position) if place.index == 0 else None


def resume_from_sizes(place: LogPosition, sizes: dict[int, int]) -> Resume:
    if place.index in sizes:
        before = sum(size for index, size in sizes.items() if index < place.index)
        return Resume("start", before + place.position)
    newer = [index for index in sizes if index > place.index]
    if newer:
        return Resume("start", 0, "the log rotated past where the stream broke: output in between is lost")
    return Resume("end", BLIND_TAIL, "the log file being followed is gone; resumed near the end")


def resume_blind() -> Resume:
    return Resume(
        "end",
        BLIND_TAIL,
        "resumed near the end of the rotated log (no read-fs to find the place): output may be missing or repeated",
    )
