"""The one key table (ui/keymap.py): every binding comes from it, and a `[keys]` remap shows the new key
in the footer, `?` and the palette alike; remaps onto a key that is taken are refused at start."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from conftest import settings_for, until
from rich.table import Table
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey

import nomad_tui.ui
from nomad_tui.cli import main
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.keymap import ACTIONS, BY_ID, DEFAULT_KEYS, remap_conflicts
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.help import HelpScreen

NOWHERE = "http://127.0.0.1:9"  # nobody listens: the dashboard keeps retrying, its keys still work


def test_every_action_is_bound_once_to_a_screen_that_has_its_method() -> None:
    for module in pkgutil.walk_packages(nomad_tui.ui.__path__, "nomad_tui.ui."):
        importlib.import_module(module.name)
    bound: dict[str, list[str]] = {}
    pending: list[type] = [Screen, NomadTuiApp]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if not cls.__module__.startswith("nomad_tui.") or "BINDINGS" not in vars(cls):
            continue
        for binding in vars(cls)["BINDINGS"]:
            if binding.id in BY_ID:
                bound.setdefault(binding.id, []).append(cls.__qualname__)
                method = BY_ID[binding.id].method
                assert inspect.isfunction(getattr(cls, f"action_{method}", None)), (cls, method)
    assert {action_id: len(where) for action_id, where in bound.items()} == dict.fromkeys(BY_ID, 1)
    assert len(BY_ID) == len(ACTIONS)  # ids are unique


def test_remaps_that_take_another_actions_key_are_refused() -> None:
    assert remap_conflicts(DEFAULT_KEYS) == []
    assert remap_conflicts({"stop": "ctrl+x"}) == []
    assert remap_conflicts({"stop": "r", "restart": "ctrl+d"}) == []  # a swap is fine
    assert remap_conflicts({"stop": "r"}) == ["[keys] stop = \"r\": 'r' is already the key of restart"]
    assert "move the cursor" in remap_conflicts({"stop": "j"})[0]  # the list's own keys count
    assert "quit-app" in remap_conflicts({"stop": "ctrl+c"})[0]  # and the app-wide ones
    assert remap_conflicts({"log-follow": "r"}) == []  # another context


def test_a_conflicting_remap_stops_the_start_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nstop = "x"\n')
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stop" in err and "already the key of signal" in err


def _footer(app: NomadTuiApp) -> dict[str, str]:
    return {key.description: key.key_display for key in app.screen.query(FooterKey)}


async def test_a_remapped_key_shows_in_the_footer_help_and_palette() -> None:
    app = NomadTuiApp(settings_for(NOWHERE, keymap={"stop": "ctrl+x"}))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await until(pilot, lambda: _footer(app).get("Stop") == "^x", what="^x in the footer")

        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        sections = app.screen.query(Static).first().content.renderables  # one table per context
        rows = {
            str(key): str(does)
            for table in sections
            if isinstance(table, Table)
            for key, does in zip(table.columns[0].cells, table.columns[1].cells, strict=True)
        }
        assert rows["^x"].startswith("stop the allocation")
        assert "^d" not in rows
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"stop alloc")
        palette = app.screen

        def stop_hit() -> str:
            options = palette.query_one("CommandList")
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            return next((p for p in prompts if "Stop allocation" in p), "")

        await until(pilot, lambda: "(^x)" in stop_hit(), what="the remapped key in the palette")


async def test_read_only_hides_mutating_actions_everywhere_but_help() -> None:
    app = NomadTuiApp(settings_for(NOWHERE, read_only=True))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await until(pilot, lambda: "Logs" in _footer(app), what="the footer")
        assert not {"Stop", "Restart", "Signal", "Exec"} & set(_footer(app))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        palette = app.screen  # with nothing typed it lists what it can do

        def prompts() -> list[str]:
            options = palette.query_one("CommandList")
            return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

        await until(pilot, lambda: any("Open logs" in p for p in prompts()), what="the hits")
        names = {p.split("\n")[0] for p in prompts()}
        assert "Open logs" in names and not names & {
            "Stop allocation",
            "Restart allocation",
            "Signal allocation",
            "Open exec",
        }
