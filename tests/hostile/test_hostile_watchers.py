"""A watcher that crashes on every start is restarted with a growing delay, not at once in a hot loop.

(An app-level version, a list watcher crashing on every start with the delay shortened, left CPython
3.11.7's AST recursion accounting broken for the rest of the pytest process — "AST constructor
recursion depth mismatch" at session end — so only the delay rule is tested here.)"""

from __future__ import annotations

import pytest

from nomad_tui.ui.screens import dashboard
from nomad_tui.ui.screens.dashboard import watcher_restart_delay

pytestmark = pytest.mark.hostile


def test_restart_delays_grow_and_are_capped() -> None:
    delays = [watcher_restart_delay(n) for n in range(1, 12)]
    assert delays[0] > 0 and delays == sorted(delays) and delays[-1] == dashboard.WATCHER_RESTART_CAP
