"""Run the app (and, for --demo, the dev agent beside it)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from nomad_tui.contexts import ContextCatalog
from nomad_tui.settings import Settings


def demo_log_path() -> Path:
    """The demo agent's log: one file in the cache directory, replaced by each run (never one per run)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nomad-tui" / "demo-devagent.log"


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
        app.run()
        return app.return_code or 0
    finally:
        if agent is not None:
            agent.stop()
