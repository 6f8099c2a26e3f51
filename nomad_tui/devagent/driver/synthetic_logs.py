"""Log files for simulated tasks: deterministic lines written on first use, grown while followed."""

from __future__ import annotations

import random
from pathlib import Path

_STDOUT = [
    "GET /health 200 {ms}ms",
    "processed batch {n} ({k} items)",
    "cache hit ratio {pct}%",
    "connected to upstream {host}",
    "flushed {k} records in {ms}ms",
]
_STDERR = ["warning: slow request ({ms}ms)", "retrying upstream {host} (attempt {a})", "deprecated config key ignored"]


def synthetic_line(alloc_id: str, task: str, kind: str, n: int) -> str:
    rng = random.Random(f"{alloc_id}/{task}/{kind}/{n}")
    templates = _STDOUT if kind == "stdout" else _STDERR
    text = templates[rng.randrange(len(templates))].format(
        ms=rng.randrange(1, 900),
        n=n,
        k=rng.randrange(1, 5000),
        pct=rng.randrange(50, 100),
        host=f"10.0.{rng.randrange(255)}.{rng.randrange(255)}",
        a=rng.randrange(1, 4),
    )
    level = "INFO" if kind == "stdout" else "WARN"
    return f"{level} [{task}] {text}\n"


def initial_lines(alloc_id: str, task: str, kind: str, lines: int = 40) -> bytes:
    """What a simulated task has logged by the time its log is first read."""
    count = lines if kind == "stdout" else lines // 4
    return "".join(synthetic_line(alloc_id, task, kind, n) for n in range(count)).encode()


def next_line(alloc_id: str, task: str, kind: str, current: Path) -> bytes:
    """One more line for a followed simulated log (numbered from the current file's size)."""
    try:
        size = current.stat().st_size
    except OSError:
        size = 0
    return synthetic_line(alloc_id, task, kind, 1000 + size).encode()
