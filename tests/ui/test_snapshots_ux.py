"""SVG snapshots of what a newcomer reads first in a small terminal: the `?` help at 80x24 and 60x20
(key and description columns both readable, no scrollbar glyphs beside the text).  Update with
`pytest tests/ui/test_snapshots_ux.py -n 0 --snapshot-update`."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import until
from test_snapshots import frozen_app, settled

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.screens.help import HelpScreen


async def help_open(pilot: Any) -> None:
    await settled(pilot)
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="the help")
    await until(pilot, lambda: "scroll" in str(pilot.app.screen.query_one("VerticalScroll").border_subtitle))
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
def test_help_snapshot(agent: AgentProcess, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(agent), terminal_size=size, run_before=help_open)
