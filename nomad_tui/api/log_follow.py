"""Follow one task's log for as long as the caller wants: stream, and when the stream breaks, say so and
resume where it stopped (a slow retry for answers that will not change soon — task not started, no
permission — and full-jitter backoff for the rest).  Used by the logs pane and the job-wide tail.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from nomad_tui.api.backoff import jittered
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import BadRequest, NomadError, NotFound, PermissionDenied
from nomad_tui.api.fs import list_dir
from nomad_tui.api.log_resume import (
    LogPosition,
    Resume,
    log_file_sizes,
    position_of,
    resume_blind,
    resume_exact,
    resume_from_sizes,
)
from nomad_tui.api.logs import LogFrame, stream_logs

SLOW_RETRY = 5.0


async def follow_task_log(
    client: NomadClient,
    alloc_id: str,
    task: str,
    kind: str,
    *,
    start: tuple[str, int],
    on_frame: Callable[[LogFrame], None],
    on_state: Callable[[str], None],
    namespace: str | None = None,
) -> None:
    """Never returns by itself; cancel it.  `start` is (origin, offset) of the first request."""
    attempt = 0
    place: LogPosition | None = None
    while True:
        resuming = place is not None
        origin, offset = start
        if place is not None:
            resume = await _resume(client, alloc_id, task, kind, place)
            origin, offset = resume.origin, resume.offset
            if resume.gap:
                on_frame(LogFrame(b"", 0, file="alloc/logs", file_event=resume.gap))
        try:
            on_state("reconnecting…" if resuming else "connecting…")
            stream = stream_logs(client, alloc_id, task, kind=kind, origin=origin, offset=offset, namespace=namespace)
            # "streaming", not "following": following the tail is the view's state, shown in the header.
            on_state("streaming")
            async for frame in stream:
                attempt = 0
                on_frame(frame)
                if frame.data:
                    place = position_of(frame.file, frame.offset) or LogPosition(0, frame.offset)
            on_state("stream ended by the agent; reconnecting…")
        except (NotFound, BadRequest, PermissionDenied) as error:
            # Task not started yet, unknown task, log collection off, or no read-logs: say it, retry slowly.
            on_state(f"{error.kind}: {error.message}")
            await asyncio.sleep(SLOW_RETRY)
            continue
        except NomadError as error:
            attempt += 1
            delay = jittered(attempt + 1, random.random)
            on_state(f"{error.kind}: {error.message} · retrying in {delay:.0f}s")
            await asyncio.sleep(delay)
            continue
        await asyncio.sleep(0.5)


async def _resume(client: NomadClient, alloc_id: str, task: str, kind: str, place: LogPosition) -> Resume:
    """The request that continues after `place` (api/log_resume.py): exact before any rotation, from
    the retained files' sizes after one, else near the end with a gap said."""
    exact = resume_exact(place)
    if exact is not None:
        return exact
    try:
        listing = await list_dir(client, alloc_id, "alloc/logs")
    except NomadError:
        return resume_blind()
    return resume_from_sizes(place, log_file_sizes([(f.name, f.size) for f in listing], task, kind))
