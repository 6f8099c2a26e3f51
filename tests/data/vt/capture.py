"""Record the golden-screen corpus for the terminal emulator tests.

Each program runs in a detached tmux pane with TERM=xterm-256color.  `tmux pipe-pane` records the
exact bytes the program writes (what Nomad's exec stream would carry for the same program), and at
each checkpoint `tmux capture-pane` records how tmux, an independent emulator, shows them: screen
text, cursor, alternate-screen flag and, for `ls`, the scrollback.  The tests feed the bytes into
our emulator and compare.

This is a developer tool: it needs tmux, ls, top, htop, vim and less, and it is never run by the
tests or CI, which only read the committed `<name>.bin` / `<name>.json` files.

    python tests/data/vt/capture.py            # all captures
    python tests/data/vt/capture.py vim less   # some of them
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOCKET_PREFIX = f"nomad-tui-capture-{os.getpid()}"
SESSION = "capture"

SAMPLE_PY = '''\
"""A sample module for the vim and less captures."""

import asyncio
from dataclasses import dataclass


@dataclass
class Allocation:
    id: str
    job: str
    status: str = "running"  # pending, running, complete, failed

    def short_id(self) -> str:
        return self.id[:8]


async def watch(index: int = 0) -> None:
    while True:
        await asyncio.sleep(1)
        index += 1
        print(f"index={index} ok 日本語 ✓")


if __name__ == "__main__":
    asyncio.run(watch())
'''


@dataclass
class Capture:
    name: str
    command: str
    cols: int
    rows: int
    # (description, tmux send-keys arguments) for each checkpoint after the first.
    steps: list[tuple[str, list[str]]] = field(default_factory=list)
    history: bool = False  # record tmux's scrollback too


_socket = SOCKET_PREFIX


def _tmux(*args: str, check: bool = True) -> str:
    result = subprocess.run(["tmux", "-L", _socket, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def _wait_quiet(path: Path, settle: float = 0.8, timeout: float = 15.0) -> None:
    """Wait until the program stops writing (the file stops growing)."""
    deadline = time.monotonic() + timeout
    size = -1
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        current = path.stat().st_size if path.exists() else 0
        if current != size:
            size = current
            stable_since = time.monotonic()
        elif time.monotonic() - stable_since >= settle:
            return
        time.sleep(0.05)


def _checkpoint(description: str, path: Path, rows: int, history: bool) -> dict[str, object]:
    cursor_x, cursor_y, alternate, history_size = _tmux(
        "display-message", "-p", "-t", SESSION, "#{cursor_x} #{cursor_y} #{alternate_on} #{history_size}"
    ).split()
    screen = _tmux("capture-pane", "-p", "-t", SESSION).split("\n")[:rows]
    screen += [""] * (rows - len(screen))
    point: dict[str, object] = {
        "after": description,
        "offset": path.stat().st_size,
        "cursor": [int(cursor_x), int(cursor_y)],
        "alternate": alternate == "1",
        "screen": screen,
    }
    if history:
        lines = _tmux("capture-pane", "-p", "-t", SESSION, "-S", "-", "-E", "-1").split("\n")
        point["history"] = lines[: int(history_size)]
    return point


def capture(spec: Capture, workdir: Path) -> None:
    global _socket
    _socket = f"{SOCKET_PREFIX}-{spec.name}"  # one server per capture: kill-server is asynchronous
    raw = HERE / f"{spec.name}.bin"
    raw.unlink(missing_ok=True)
    # The pane waits for a line before running the program, so the pipe is attached first, and it
    # stays open after the program exits, so the restored main screen can be captured.
    # Something on the main screen first, so the tests can see it come back after the alternate one.
    script = f"stty -echo; read _; stty echo; printf '$ {spec.name}\\n'; {spec.command}; stty -echo; read _"
    env = f"env TERM=xterm-256color COLORTERM=truecolor LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME={workdir}"
    _tmux(
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        str(spec.cols),
        "-y",
        str(spec.rows),
        "-c",
        str(workdir),
        f"{env} sh -c {shlex.quote(script)}",
    )
    try:
        _tmux("set-option", "-t", SESSION, "status", "off")
        _tmux("set-option", "-t", SESSION, "history-limit", "2000")
        _tmux("resize-window", "-t", SESSION, "-x", str(spec.cols), "-y", str(spec.rows), check=False)
        _tmux("pipe-pane", "-o", "-t", SESSION, f"cat > {raw}")
        time.sleep(0.3)
        _tmux("send-keys", "-t", SESSION, "Enter")
        _wait_quiet(raw)
        points = [_checkpoint("start", raw, spec.rows, spec.history)]
        for description, keys in spec.steps:
            _tmux("send-keys", "-t", SESSION, *keys)
            _wait_quiet(raw)
            points.append(_checkpoint(description, raw, spec.rows, spec.history))
    finally:
        _tmux("kill-server", check=False)
    size = raw.stat().st_size
    manifest = {
        "command": spec.command,
        "cols": spec.cols,
        "rows": spec.rows,
        "bytes": size,
        "note": "screens as tmux showed them (capture-pane -p: trailing blanks trimmed)",
        "checkpoints": points,
    }
    (HERE / f"{spec.name}.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"{spec.name}: {size} bytes, {len(points)} checkpoints")


def _prepare(workdir: Path) -> None:
    (workdir / "sample.py").write_text(SAMPLE_PY)
    listing = workdir / "listing"
    listing.mkdir()
    for i in range(30):
        (listing / f"file-{i:02d}.txt").write_text("x" * i)
    (listing / "archive.tar.gz").write_bytes(b"\x1f\x8b")
    (listing / "picture.png").write_bytes(b"\x89PNG")
    (listing / "subdir").mkdir()
    (listing / "run.sh").write_text("#!/bin/sh\n")
    (listing / "run.sh").chmod(0o755)
    (listing / "link").symlink_to("run.sh")
    (listing / "dangling").symlink_to("missing")


CAPTURES = [
    Capture("ls", "ls --color=always -la --time-style=+%Y listing", 80, 24, history=True),
    Capture(
        "vim",
        "vim -u DEFAULTS -i NONE -n -c 'syntax on' sample.py",
        80,
        24,
        steps=[
            ("open a line below the last and type", ["G", "o", "print('done') # 完", "Escape"]),
            ("page to the top", ["g", "g"]),
            ("quit without saving", [":q!", "Enter"]),
        ],
    ),
    Capture("less", "less sample.py", 80, 24, steps=[("page down", ["Space"]), ("quit", ["q"])]),
    Capture("top", "top -d 100 -p $$", 100, 30, steps=[("quit", ["q"])]),
    Capture("htop", "htop -d 600 -p $$", 100, 30, steps=[("quit", ["q"])]),
]


def main(names: list[str]) -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed to record the corpus")
    with tempfile.TemporaryDirectory(prefix="vt-capture-") as tmp:
        workdir = Path(tmp)
        _prepare(workdir)
        for spec in CAPTURES:
            if not names or spec.name in names:
                capture(spec, workdir)


if __name__ == "__main__":
    main(sys.argv[1:])
