"""Run the app (and, for --demo, the dev agent beside it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from nomad_tui.contexts import ContextCatalog
from nomad_tui.settings import Settings


def demo_log_path() -> Path:
    """The demo agent's log: one file in the cache directory, replaced by each run (never one per run)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nomad-tui" / "demo-devagent.log"


@contextmanager
def drawing_on_the_terminal() -> Iterator[None]:
    """Textual draws on stderr (its Linux driver writes to `sys.__stderr__`) and measures the terminal on
    stdout, so `nomad-tui 2>file` painted the whole screen into the file and left the terminal blank.
    With stderr (or stdout) redirected and a terminal to type on, fds 1 and 2 point at the terminal
    while the app runs (stdout if it is one, else /dev/tty); the files get them back when the app ends,
    so what is written after it (a traceback, an error) still lands there.  Without a terminal on
    stdin nothing changes."""
    if (os.isatty(2) and os.isatty(1)) or not os.isatty(0):
        yield
        return
    opened: int | None = None
    if os.isatty(1):
        terminal = 1
    elif os.isatty(2):
        terminal = 2
    else:
        try:
            opened = terminal = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY)
        except OSError:
            yield
            return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2) if not os.isatty(fd)}
    for fd in saved:
        os.dup2(terminal, fd)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        if opened is not None:
            os.close(opened)


def run_app(settings: Settings, *, demo: bool = False, catalog: ContextCatalog | None = None) -> int:
    agent = None
    if demo:
        from nomad_tui.devagent.launcher import AgentProcess

        agent = AgentProcess.start("--allocs", "60", "--churn", "0.5", log_path=demo_log_path())
        settings = replace(settings, address=agent.url)
        if catalog is not None:  # switching back to the implicit context finds the demo agent
            catalog = replace(catalog, file_values={**catalog.file_values, "address": agent.url})
    try:
        from nomad_tui.audit import AuditLog, default_path
        from nomad_tui.ui.app import NomadTuiApp

        app = NomadTuiApp(settings, catalog=catalog, audit=AuditLog(default_path()))
        with drawing_on_the_terminal():
            app.run()
        return app.return_code or 0
    finally:
        if agent is not None:
            agent.stop()
