"""Start the dev agent as a child process and stop it again (used by `--demo` and the tests).

The agent prints exactly one line containing its URL on stdout when it is ready; everything else it
says goes to stderr, which we send to a log file so it never scribbles over the TUI.  Without a
`log_path` that file is anonymous: unlinked as soon as the agent has it open, so no run (or crashed
test) leaves one behind; its tail is still read through our descriptor when the agent fails to start.  The agent is
started with `--exit-with-parent`: it watches its stdin pipe and exits when we die, so a crashed
dashboard never leaves an agent (and its exec shells) behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

_URL = re.compile(r"https?://[0-9.]+:\d+|unix://\S+")


class AgentStartError(RuntimeError):
    pass


class AgentProcess:
    """A running `nomad-tui devagent`; `url` is its base URL (http://127.0.0.1:PORT)."""

    def __init__(self, popen: subprocess.Popen[bytes], url: str, log_path: Path | None) -> None:
        self.popen = popen
        self.url = url
        self.log_path = log_path  # None: the log was anonymous and is gone

    @property
    def port(self) -> int:
        """The TCP port (not for an agent on a unix socket)."""
        return int(self.url.rsplit(":", 1)[1])

    @classmethod
    def start(cls, *args: str, timeout: float = 30.0, log_path: Path | None = None) -> AgentProcess:
        """Start an agent; its stderr goes to `log_path` (truncated), or to an anonymous file."""
        if log_path is None:
            fd, log_name = tempfile.mkstemp(prefix="nomad-tui-devagent-", suffix=".log")
            os.unlink(log_name)
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(log_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        argv = [sys.executable, "-m", "nomad_tui", "devagent", "--port", "0", "--exit-with-parent", *args]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fd, env=env)
        except BaseException:
            os.close(fd)
            raise
        assert popen.stdout is not None
        deadline = time.monotonic() + timeout
        url: str | None = None
        lines: list[str] = []
        # readline() blocks; a watchdog kills the child if it never becomes ready.
        timer = threading.Timer(timeout, popen.kill)
        timer.daemon = True
        timer.start()
        try:
            while time.monotonic() < deadline:
                raw = popen.stdout.readline()
                if not raw:
                    break
                line = raw.decode(errors="replace").strip()
                lines.append(line)
                match = _URL.search(line)
                if match:
                    url = match.group()
                    break
        finally:
            timer.cancel()
        if url is None:
            popen.kill()
            popen.wait()
            size = os.lseek(fd, 0, os.SEEK_END)
            tail = os.pread(fd, 2000, max(0, size - 2000)).decode(errors="replace")
            os.close(fd)
            raise AgentStartError(f"dev agent did not start: stdout={lines!r} log tail:\n{tail}")
        os.close(fd)
        # Keep draining stdout so a chatty agent can never block on a full pipe.
        threading.Thread(target=_drain, args=(popen.stdout,), daemon=True).start()
        return cls(popen, url, log_path)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it has not gone within `timeout`; returns the exit status."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.popen.stdin is not None:
            self.popen.stdin.close()
        return self.popen.returncode

    def __enter__(self) -> AgentProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _drain(stream: object) -> None:
    read = getattr(stream, "read", None)
    if read is None:
        return
    try:
        while read(65536):
            pass
    except (OSError, ValueError):
        pass
