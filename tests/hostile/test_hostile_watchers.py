"""A watcher that crashes on every start is restarted with a growing delay, said once, and shown in
the status bar — not restarted at once in a hot loop with a notification each time."""

from __future__ import annotations

import pytest
from conftest import settings_for, until
from scripted_server import Reply, ScriptedServer

from nomad_tui.state.connection import Phase
from nomad_tui.ui import watchers
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens import dashboard
from nomad_tui.ui.screens.dashboard import DashboardScreen, watcher_restart_delay

pytestmark = pytest.mark.hostile


def test_restart_delays_grow_and_are_capped() -> None:
    delays = [watcher_restart_delay(n) for n in range(1, 12)]
    assert delays[0] > 0 and delays == sorted(delays) and delays[-1] == dashboard.WATCHER_RESTART_CAP


async def test_a_crashing_list_watcher_restarts_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    starts: list[int] = []
    delays: list[float] = []

    async def crash(self: watchers.AllocListWatcher) -> None:
        starts.append(self.generation)
        raise RecursionError("maximum recursion depth exceeded while decoding")

    def short_delay(attempt: int) -> float:
        delays.append(watcher_restart_delay(attempt))
        return 0.01

    monkeypatch.setattr(watchers.AllocListWatcher, "run", crash)
    monkeypatch.setattr(dashboard, "watcher_restart_delay", short_delay)
    async with ScriptedServer([Reply.json([], 1)]) as server:
        app = NomadTuiApp(settings_for(server.url))
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await until(pilot, lambda: len(starts) >= 4, what="four crashes")
            assert delays[:3] == [watcher_restart_delay(1), watcher_restart_delay(2), watcher_restart_delay(3)]
            assert delays[0] > 0
            messages = [n.message for n in app._notifications if "Internal error" in n.message]
            assert len(messages) == 1, messages
            state = screen.list_state
            assert state.phase is Phase.RETRYING and state.error_kind == "internal error"
            assert "RecursionError" in state.error
