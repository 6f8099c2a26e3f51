"""Contexts (issue 16) against two real dev agents: live switching with each context's own token, exec tabs
labelled with their context, `danger = "type-name"`, the audit log, and failing token commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXED_START, Control, settings_for, until

from nomad_tui import cli
from nomad_tui.audit import AuditLog, read_tail
from nomad_tui.config_file import load
from nomad_tui.contexts import ContextCatalog, catalog_from
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.sessions import ExecTarget
from nomad_tui.ui.widgets.status_bar import StatusBar

TOKEN_A = "aaaaaaaa-1111-2222-3333-444444444444"
TOKEN_B = "bbbbbbbb-5555-6666-7777-888888888888"
QUIET = ("--allocs", "6", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START))
SIZE = (140, 36)


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def catalog(tmp_path: Path, body: str, env: dict[str, str] | None = None) -> ContextCatalog:
    return catalog_from(load(write_config(tmp_path, body)), env or {}, {})


def dashboard(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def agent_ids(url: str, token: str = "") -> set[str]:
    control = Control(url, token or None)
    try:
        return {a["ID"] for a in await control.allocs()}
    finally:
        await control.aclose()


async def test_switching_context_shows_the_other_cluster_with_its_own_token(
    start_agent: Callable[..., AgentProcess], tmp_path: Path
) -> None:
    a = start_agent(*QUIET, "--seed", "3", "--acl", "--acl-token", TOKEN_A)
    b = start_agent(*QUIET, "--seed", "4", "--acl", "--acl-token", TOKEN_B)
    config = f"""
context = "a"
[contexts.a]
address = "{a.url}"
token_env = "A_TOKEN"
[contexts.b]
address = "{b.url}"
token_command = "printf '%s\\n' {TOKEN_B}"
danger = "confirm"
color = "red"
"""
    contexts = catalog(tmp_path, config, {"A_TOKEN": TOKEN_A, "NOMAD_TOKEN": "must-not-be-sent"})
    audit = AuditLog(tmp_path / "audit.jsonl")
    app = NomadTuiApp(contexts.settings_for(contexts.initial(), at_start=True), catalog=contexts, audit=audit)
    ids_a, ids_b = await agent_ids(a.url, TOKEN_A), await agent_ids(b.url, TOKEN_B)
    assert ids_a and ids_b and not ids_a & ids_b
    control_a, control_b = Control(a.url, TOKEN_A), Control(b.url, TOKEN_B)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: set(dashboard(app).store.stubs) == ids_a, what="context a's allocations")
            assert "a" in str(app.screen.query_one(StatusBar).text())
            # An exec session in context a, then back to the dashboard.
            running_a = sorted(ids_a)[0]
            target = ExecTarget(running_a, "default", "job", "task", "sh", ("/bin/sh",))
            await app.open_exec(target)
            await until(pilot, lambda: bool(app.exec_sessions()), what="the exec tab")
            await until(pilot, lambda: app.exec_screen.panes[0].session is not None, what="the session to start")
            await pilot.press("ctrl+right_square_bracket")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard again")
            await control_b.clear_requests()

            await pilot.press("colon", *"ctx b", "enter")
            await until(pilot, lambda: set(dashboard(app).store.stubs) == ids_b, what="context b's allocations")
            bar = str(app.screen.query_one(StatusBar).text())
            assert " b " in bar and b.url.removeprefix("http://") in bar
            requests_b = await control_b.requests()
            assert requests_b and all(r["token"] for r in requests_b)
            assert all(r["status"] != 403 for r in requests_b if r["status"])
            # The exec tab of context a is still there, labelled with its context.
            [(_, label, _)] = app.exec_sessions()
            assert label.startswith("a:"), label
            await control_a.clear_requests()
            await pilot.press("colon", *"ctx nosuch", "enter")
            await until(pilot, lambda: any("unknown context" in n.message for n in app._notifications))
            assert set(dashboard(app).store.stubs) == ids_b
    finally:
        await control_a.aclose()
        await control_b.aclose()
    assert audit.flush()
    records = read_tail(audit.path)
    assert [r["action"] for r in records][:1] == ["exec-open"]
    assert records[0]["context"] == "a" and records[0]["allocation"] == running_a
    text = audit.path.read_text()
    for secret in (TOKEN_A, TOKEN_B, "must-not-be-sent"):
        assert secret not in text


async def test_type_name_refuses_a_wrong_name_and_accepts_the_job_name(
    agent: AgentProcess, control: Control, tmp_path: Path
) -> None:
    contexts = catalog(tmp_path, f'[contexts.prod]\naddress = "{agent.url}"\ndanger = "type-name"\n')
    audit = AuditLog(tmp_path / "audit.jsonl")
    app = NomadTuiApp(contexts.settings_for("prod", at_start=True), catalog=contexts, audit=audit)
    [stub] = [a for a in await control.allocs() if a["ClientStatus"] == "running"][:1]
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: stub["ID"] in screen.store, what="the allocation")
        assert screen.table.select_id(stub["ID"])
        await control.clear_requests()
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and dialog.require_typed == stub["JobID"]
        await pilot.press("y")  # typed into the name box: it does not confirm
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press(*("backspace",) * 3, *"wrong-name", "enter")
        await pilot.pause()
        assert app.screen is dialog
        assert not [r for r in await control.requests() if r["method"] in ("PUT", "POST")]
        await pilot.press(*("backspace",) * 20, *stub["JobID"], "enter")
        await until(pilot, lambda: any("stop requested" in n.message for n in app._notifications), what="stop")
    assert audit.flush()
    [record] = read_tail(audit.path)
    assert record["action"] == "stop" and record["context"] == "prod" and record["allocation"] == stub["ID"]
    assert record["job"] == stub["JobID"] and "stop requested" in record["result"]
    assert set(json.loads(audit.path.read_text().splitlines()[0])) >= {"time", "address", "namespace"}


def test_a_failing_token_command_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(
        tmp_path,
        '[contexts.prod]\naddress = "http://127.0.0.1:1"\n'
        'token_command = "echo vault: permission denied >&2; exit 3"\n',
    )
    assert cli.main(["--config", str(config), "--context", "prod"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "nomad-tui: context 'prod': token_command exited with status 3: vault: permission denied"
    assert cli.main(["--config", str(config), "--context", "staging"]) == 2
    assert "unknown context 'staging' (known: env, prod)" in capsys.readouterr().err


async def test_a_failing_token_command_on_a_live_switch_keeps_the_current_context(
    agent: AgentProcess, tmp_path: Path
) -> None:
    contexts = catalog(tmp_path, '[contexts.prod]\naddress = "http://127.0.0.1:1"\ntoken_command = "exit 1"\n')
    contexts = catalog_from({**contexts.file_values, "contexts": contexts.specs}, {}, {})
    settings = settings_for(agent.url)
    app = NomadTuiApp(settings, catalog=contexts)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: len(dashboard(app).store) > 0, what="the list")
        before = app.screen
        await app.switch_context("prod")
        await until(pilot, lambda: any("token_command exited with status 1" in n.message for n in app._notifications))
        assert app.screen is before and app.settings is settings


async def test_region_shows_the_agents_own_and_switches_live(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "region global" in str(app.screen.query_one(StatusBar).text()))
        await pilot.press("colon", *"region mars", "enter")
        await until(pilot, lambda: any("No region 'mars' (known: global)" in n.message for n in app._notifications))
        first = app.screen
        await control.clear_requests()
        await pilot.press("colon", *"region global", "enter")
        await until(pilot, lambda: app.screen is not first and app.settings.region == "global")
        await until(pilot, lambda: len(dashboard(app).store) > 0, what="the list in the region")
        # (A `prefix=` read is the old dashboard's index probe of a held list query, from before the switch.)
        lists = [r for r in await control.requests() if r["path"] == "/v1/allocations" and "prefix=" not in r["query"]]
        assert lists and all("region=global" in r["query"] for r in lists)
