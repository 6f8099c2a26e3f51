"""Hostile text from a look-alike server: a namespace name carrying OSC 52 / title sequences, and
job, group, node and allocation names with newline, CR and TAB.  Nothing raw reaches the terminal;
single-line places (table, detail, confirmation dialog) show the characters as visible symbols."""

from __future__ import annotations

import pytest
from conftest import settings_for, terminal_output, until
from scripted_server import Reply, ScriptedServer, Seen, alloc, stub

from nomad_tui.actions import ActionKind, plan
from nomad_tui.api.models import AllocStub
from nomad_tui.state.rows import build_row
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.palette import DashboardCommands
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen, target_lines
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.namespace_picker import NamespacePickerScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.detail import DetailPanel

pytestmark = pytest.mark.hostile

EVIL_NS = "team\x1b]52;c;SEFDS0VE\x07\x1b]2;NS-TITLE\x07"
LEAKS = ("\x1b]52;", "\x1b]2;NS-TITLE")
SPOOF_ID = "5900f00d-0000-4000-8000-000000000001"
SPOOF = {
    "JobID": "JOBA\nINJECTED-LINE\rMORE",
    "TaskGroup": "grp\tTAB\tTAB",
    "NodeName": "node\nNODE2",
    "Name": "JOBA\n.grp[0]",
}


def nomad(list_body: list[dict[str, object]], details: dict[str, dict[str, object]] | None = None):  # type: ignore[no-untyped-def]
    """A one-shot cluster: the list and each allocation answer once, then every blocking query hangs."""

    def answer(seen: Seen) -> Reply:
        if "index" in seen.query:
            return Reply(hang=True)
        if seen.path == "/v1/allocations":
            return Reply.json(list_body, 10)
        alloc_id = seen.path.rsplit("/", 1)[-1]
        if details and alloc_id in details:
            return Reply.json(details[alloc_id], 10)
        return Reply.error(404, "alloc not found")

    return answer


def row_line(table: AllocTable, needle: str) -> str:
    return next(table.render_line(y).text for y in range(table.size.height) if needle in table.render_line(y).text)


async def test_a_hostile_namespace_never_reaches_the_terminal() -> None:
    async with ScriptedServer(nomad([])) as server:
        app = NomadTuiApp(settings_for(server.url, namespace=EVIL_NS))
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await until(pilot, lambda: screen.first_list_seen, what="the empty list")
            await pilot.pause()
            table = screen.query_one(AllocTable)
            assert "No allocations in namespace team\u241b]52" in row_line(table, "No allocations")
            output = terminal_output(app)
            assert not [s for s in LEAKS if s in output], "empty-list message"

            await pilot.press("colon", *"ns", "enter")  # the namespace picker, the current one marked
            await until(pilot, lambda: isinstance(app.screen, NamespacePickerScreen), what=":ns")
            await pilot.pause()
            output = terminal_output(app)
            assert not [s for s in LEAKS if s in output], ":ns picker"


async def test_the_palette_offers_no_namespace_that_needs_sanitising() -> None:
    stubs = [stub(SPOOF_ID, Namespace=EVIL_NS), stub("7ab00000-0000-4000-8000-000000000002", Namespace="prod")]
    async with ScriptedServer(nomad(stubs)) as server:
        app = NomadTuiApp(settings_for(server.url))
        async with app.run_test(size=(120, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await until(pilot, lambda: len(screen.store) == 2, what="the list")
            provider = DashboardCommands(screen)
            names = [name for name, _, _ in provider._actions() if name.startswith("Switch namespace")]
            assert names == ["Switch namespace: all (*)", "Switch namespace: prod"]


def test_newline_cr_and_tab_in_names_become_visible_symbols_in_rows_and_the_confirmation() -> None:
    spoofed = AllocStub(
        id=SPOOF_ID,
        job_id=SPOOF["JobID"],
        task_group=SPOOF["TaskGroup"],
        node_name=SPOOF["NodeName"],
        name=SPOOF["Name"],
    )
    row = build_row(spoofed)
    for value in (row.job, row.group, row.node, row.name):
        assert not any(c in value for c in "\n\r\t"), value
    assert row.job == "JOBA\u240aINJECTED-LINE\u240dMORE" and row.group == "grp\u2409TAB\u2409TAB"
    text = target_lines(plan(ActionKind.STOP, [row, build_row(AllocStub(id="7ab00000-1", job_id="ok"))]))
    assert len(text.plain.split("\n")) == 2  # one line per allocation, whatever the names hold


async def test_newline_in_names_cannot_overwrite_other_rows_or_hide_detail_fields() -> None:
    others = [stub(f"{i}0000000-0000-4000-8000-00000000000{i}", 9) for i in range(1, 4)]
    stubs = [stub(SPOOF_ID, 12, **SPOOF), *others]
    details = {SPOOF_ID: alloc(SPOOF_ID, 12, **SPOOF)}
    async with ScriptedServer(nomad(stubs, details)) as server:
        app = NomadTuiApp(settings_for(server.url))
        async with app.run_test(size=(150, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            table = screen.query_one(AllocTable)
            await until(pilot, lambda: len(screen.store) == 4, what="the list")
            assert table.select_id(SPOOF_ID)
            detail = screen.query_one(DetailPanel)
            await until(pilot, lambda: detail.alloc is not None and detail.alloc.id == SPOOF_ID, what="detail")
            await pilot.pause()
            output = terminal_output(app)
            assert "INJECTED-LINE" in output
            lines = [table.render_line(y).text for y in range(table.size.height)]
            assert sum(SPOOF_ID[:8] in line for line in lines) == 1
            spoof_line = row_line(table, SPOOF_ID[:8])
            assert "JOBA\u240aINJECTED-LINE\u240dMORE" in spoof_line
            for other in others:  # every other row is still there, with its ID
                assert other["ID"][:8] in row_line(table, str(other["ID"])[:8])
            assert not any(line.startswith("INJECTED") for line in lines)

            screen.action_stop()
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
            await pilot.pause()
            confirm = terminal_output(app)
            assert "JOBA\u240aINJECTED-LINE\u240dMORE" in confirm and "grp\u2409TAB\u2409TAB" in confirm
            await pilot.press("escape")
