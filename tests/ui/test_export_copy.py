"""Export (`ctrl+s` in the list): the filtered, sorted view as CSV; copy (`c`): the full allocation ID
through the terminal's clipboard sequence; `o`: the web UI link, shown when no browser can open it."""

from __future__ import annotations

import base64
import csv
from pathlib import Path
from typing import Any

import pytest
from conftest import Control, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.state.export import HEADER, cell, row_cells
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.save_dialogs import SavePathScreen


def notices(app: NomadTuiApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_export_copy_and_open(
    agent: AgentProcess, control: Control, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = NomadTuiApp(settings_for(agent.url))
    app.save_dir = tmp_path
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(pilot, lambda: len(screen.store) == 24, what="the list")
        screen.run_filter("ns:prod")
        await pilot.press("I")  # sort by ID
        await until(pilot, lambda: screen.view.sort.column == "id", what="the sort")
        wanted = [row_cells(screen.store.row(alloc_id)) for alloc_id in screen.view.ids()]
        assert 0 < len(wanted) < 24 and all(r[2] == "prod" for r in wanted)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, SavePathScreen), what="the export dialog")
        dialog = app.screen
        assert isinstance(dialog, SavePathScreen)
        assert dialog.suggested.parent == tmp_path and dialog.suggested.suffix == ".csv"
        await pilot.press("enter")
        await until(pilot, dialog.suggested.exists, what="the CSV file")
        with open(dialog.suggested, newline="") as fh:
            header, *rows = list(csv.reader(fh))
        assert tuple(header) == HEADER
        assert rows == wanted
        ids = [r[0] for r in rows]
        assert ids == sorted(ids, reverse=screen.view.sort.descending) and all(len(i) == 36 for i in ids)
        assert any(str(dialog.suggested) in n for n in notices(app))

        # Copy: the clipboard sequence with the full ID of the selected allocation.
        alloc_id = screen.table.cursor_id
        assert alloc_id is not None and len(alloc_id) == 36
        written: list[str] = []
        driver: Any = app._driver
        real_write = driver.write
        monkeypatch.setattr(driver, "write", lambda data: (written.append(data), real_write(data)))
        await pilot.press("c")
        sequence = f"\x1b]52;c;{base64.b64encode(alloc_id.encode()).decode()}\a"
        assert sequence in written
        assert app.clipboard == alloc_id
        await pilot.press("o")
        url = f"{agent.url}/ui/allocations/{alloc_id}"
        await until(pilot, lambda: any(url in n for n in notices(app)), what="the URL")
        assert app.clipboard == url


def test_formula_cells_are_data() -> None:
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and cell("-1") == "'-1" and cell("web") == "web"
    assert cell(None) == "" and cell(3) == "3"
