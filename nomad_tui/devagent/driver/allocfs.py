"""An allocation's directory as a Nomad client lays it out, and path rules as Nomad applies them.

    <alloc dir>/alloc/{logs,data,tmp}        shared by the group's tasks (logs: <task>.<type>.<n>)
    <alloc dir>/<task>/{local,secrets,tmp}   each task's own directory

Real tasks get theirs from the driver when they start; a simulated allocation's directory is made
the first time someone looks at it, with a few deterministic files: a config file per task, a secret,
a small JSON state file, a larger text file (to page through) and a binary one.

Paths are relative to the allocation directory (a leading `/` is the allocation directory itself, as
in Nomad's `filepath.Join(allocDir, path)`); anything that would leave it is refused
(client/allocdir/alloc_dir.go, escapingfs.PathEscapesAllocDir).  Reading under a task's `secrets/`
is refused too (alloc_dir.go `ReadAt`), though listing it is allowed.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

SHARED_DIRS = ("logs", "data", "tmp")
TASK_DIRS = ("local", "secrets", "tmp")
HISTORY_LINES = 16_000  # alloc/data/history.log: ~340 KB, more than one readat page


class PathEscapes(Exception):
    """The path leaves the allocation directory."""


def resolve(alloc_dir: Path, path: str) -> Path:
    """`path` inside `alloc_dir`, or PathEscapes.  Symlinks are resolved before the check, so a link
    planted by a task cannot point the agent at the host's files."""
    joined = Path(os.path.normpath(os.path.join(alloc_dir, path.lstrip("/"))))
    root = alloc_dir.resolve()
    try:
        real = joined.resolve()
    except OSError:
        real = joined
    if real != root and root not in real.parents:
        raise PathEscapes("Path escapes the alloc directory")
    return joined


def is_secret(alloc_dir: Path, target: Path, tasks: list[str]) -> bool:
    """Under some task's secrets/ directory (compared case-insensitively, as Nomad does)."""
    text = str(target).lower()
    return any(text.startswith(str(alloc_dir / task / "secrets").lower()) for task in tasks)


def materialize(alloc_dir: Path, alloc_id: str, tasks: list[str]) -> None:
    """Make a simulated allocation's directories and sample files (once; existing files are kept)."""
    for name in SHARED_DIRS:
        (alloc_dir / "alloc" / name).mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"allocfs:{alloc_id}")
    data = alloc_dir / "alloc" / "data"
    _write_once(data / "state.json", f'{{"alloc_id": "{alloc_id}", "generation": {rng.randrange(1, 50)}}}\n'.encode())
    _write_once(data / "cache.bin", bytes(rng.randrange(256) for _ in range(4096)))
    history = data / "history.log"
    if not history.exists():
        lines = (f"{n:06d} event={rng.choice(('sync', 'flush', 'gc', 'rotate'))} ok\n" for n in range(HISTORY_LINES))
        history.write_text("".join(lines))
    for task in tasks:
        for name in TASK_DIRS:
            (alloc_dir / task / name).mkdir(parents=True, exist_ok=True)
        _write_once(
            alloc_dir / task / "local" / f"{task}.conf",
            f"# rendered by the dev agent for task {task}\nlisten = 0.0.0.0:{8000 + rng.randrange(1000)}\n"
            f"workers = {rng.randrange(1, 9)}\n".encode(),
        )
        _write_once(alloc_dir / task / "secrets" / "token", f"s.{rng.getrandbits(64):016x}\n".encode())


def set_times(alloc_dir: Path, unix_ns: int) -> None:
    """Give everything under `alloc_dir` the same modification time (a fixed simulated clock)."""
    for path in (alloc_dir, *alloc_dir.rglob("*")):
        os.utime(path, ns=(unix_ns, unix_ns), follow_symlinks=False)


def _write_once(path: Path, data: bytes) -> None:
    if not path.exists():
        path.write_bytes(data)


def looks_binary(head: bytes) -> bool:
    """Like Go's http.DetectContentType for our purpose: bytes no text file has mean binary."""
    return any(b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B) for b in head[:512])


def content_type(head: bytes) -> str:
    return "application/octet-stream" if looks_binary(head) else "text/plain; charset=utf-8"
