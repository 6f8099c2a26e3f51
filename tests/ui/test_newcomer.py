"""What a new user trips over (issue 12): prompts, key bursts, filters, focus, dialogs, feedback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ACL_ARGS, Control, screen_lines, send_burst, settings_for, until
from textual import events

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.namespace_picker import NamespacePickerScreen
from nomad_tui.ui.widgets.prompt import PromptLine


def dashboard(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def test_prompts_show_what_is_typed_at_every_size(agent: AgentProcess) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        for size in ((80, 24), (180, 50)):
            await pilot.resize_terminal(*size)
            await pilot.press("slash", "w", "e", "b")
            line = screen.query_one("#filter-line", PromptLine)
            await until(pilot, lambda: any("/ web" in row for row in screen_lines(app)), what=f"/ at {size}")
            assert line.region.height == 1 and line.input.has_focus
            await pilot.press("escape")
            await pilot.press("colon", "n", "s")
            await until(pilot, lambda: any(": ns" in row for row in screen_lines(app)), what=f": at {size}")
            await pilot.press("escape")
            await until(pilot, lambda: not screen.command_line.is_open, what="the command line to close")
        # tab completes inside the prompt; it never leaves the prompt drawn with the focus elsewhere
        await pilot.press("colon", "j", "o", "tab")
        await pilot.pause()
        assert screen.command_line.input.has_focus and screen.command_line.input.value == "jobs"
        await pilot.press("escape")


@pytest.mark.parametrize(
    ("burst", "filtered", "sort"),
    [
        ("/status running\r", "status running", None),
        (":sort job\r", "", "job"),
        (":filter job:web e\r", "job:web e", None),
    ],
)
async def test_a_key_burst_after_slash_or_colon_all_goes_to_the_prompt(
    agent: AgentProcess, control: Control, burst: str, filtered: str, sort: str | None
) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        await control.clear_requests()
        send_burst(app, burst)
        await until(pilot, lambda: screen.table.has_focus and not screen.command_line.is_open, what="the burst")
        await pilot.pause()
        assert app.screen is screen, "a dialog or another screen opened"
        assert not screen.table.marks
        assert screen.view.filter.text == filtered
        if sort:
            assert screen.view.sort.column == sort
        paths = [r["path"] for r in await control.requests()]
        assert not [p for p in paths if "/exec" in p or "/logs" in p or "/stop" in p or "/restart" in p]


async def test_a_paste_never_reaches_the_dashboard_keys(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        app._driver.send_message(events.Paste("ls -l\rs l x r\n"))  # onto the list: nothing happens
        await pilot.pause(0.1)
        assert app.screen is screen and not screen.table.marks
        send_burst(app, "/")
        app._driver.send_message(events.Paste("status running\nsl"))  # into the open prompt: its first line
        await until(pilot, lambda: screen.filter_line.input.value == "status running", what="the pasted text")
        assert app.screen is screen and screen.filter_line.input.has_focus


async def test_filter_shown_empty_state_from_its_cause_and_namespaces_from_the_cluster(
    agent: AgentProcess, control: Control
) -> None:
    everything = await control.allocs()
    namespaces = sorted({a["Namespace"] for a in everything})
    chosen = namespaces[-1]
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        screen = dashboard(app)
        table = screen.table
        await until(pilot, lambda: len(screen.store) == len(everything), what="the list")
        # A filter that hides everything: shown in the status bar, and the empty list says so.
        send_burst(app, "/zzz\r")
        await until(pilot, lambda: screen.view.filter.text == "zzz" and table.has_focus, what="the filter")
        assert "ns * [zzz]" in screen.status_bar.text().plain
        hidden = len(everything)
        assert table.empty_message == f"No allocation matches the filter 'zzz' ({hidden} hidden; esc clears it)"
        await pilot.press("escape")
        await until(pilot, lambda: not screen.view.filter.text, what="the filter to clear")
        assert "[zzz]" not in screen.status_bar.text().plain
        # An unknown namespace is said, and nothing switches.
        send_burst(app, ":ns nosuch\r")
        await until(pilot, lambda: any("'nosuch' does not exist" in n.message for n in app._notifications), what="no")
        assert screen.namespace == "*"
        # `:ns` alone offers the cluster's namespaces; choosing one switches, and j/k work at once.
        send_burst(app, ":ns\r")
        await until(pilot, lambda: isinstance(app.screen, NamespacePickerScreen), what="the namespace list")
        picker = app.screen
        assert isinstance(picker, NamespacePickerScreen) and picker.choices == ["*", *namespaces]
        await pilot.press(*["down"] * len(namespaces), "enter")
        expected = {a["ID"] for a in everything if a["Namespace"] == chosen}
        await until(pilot, lambda: set(screen.store.stubs) == expected, what=f"namespace {chosen}")
        await until(pilot, lambda: table.has_focus, what="the list to have the focus back")
        before = table.cursor_id
        await pilot.press("j")
        assert table.cursor_id != before
        # The palette offers every namespace of the cluster, not only those loaded now.
        assert screen.seen_namespaces() == namespaces


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, "no ACL token was given (NOMAD_TOKEN is not set), and anonymous access cannot read allocations"),
        ("not-a-real-token", "the cluster does not know this token (wrong, expired or revoked"),
    ],
)
async def test_a_denial_says_whether_the_token_is_missing_or_unknown(
    start_agent: Callable[..., AgentProcess], token: str | None, expected: str
) -> None:
    agent = start_agent("--allocs", "4", "--seed", "7", "--churn", "0", "--no-processes", *ACL_ARGS)
    app = NomadTuiApp(settings_for(agent.url, token=token))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: expected in screen.table.empty_message, what="the worded denial")


async def test_columns_by_content_namespace_column_header_click_and_wide_characters(
    agent: AgentProcess, control: Control
) -> None:
    cjk = "日本語のジョブ名がとても長い-payments"
    [cjk_id] = (await control.post("allocs", {"namespace": "default", "job": cjk, "group": "グループ"}))["ids"]
    [emoji_id] = (await control.post("allocs", {"namespace": "default", "job": "emoji-🚀🚀🚀-job"}))["ids"]
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        table = screen.table
        await until(pilot, lambda: cjk_id in screen.store and emoji_id in screen.store, what="the list")
        header = table.render_line(0).text
        assert "Namespace" in header  # `*` with several namespaces in view

        # Every row is exactly as wide as the table, wide characters included: later columns stay put.
        def modified_under_its_title(alloc_id: str) -> bool:
            # Header and row read in the same frame: a usage column may join (and widths change) once
            # the first stats sample arrives.
            rows = [table.render_line(y) for y in range(table.size.height)]
            line = next(strip for strip in rows[1:] if alloc_id[:8] in strip.text)
            assert line.cell_length == table.size.width
            start = rows[0].text.index("Modified")
            return line.crop(start, start + len("Modified")).text.strip().endswith(("s", "m", "h", "d"))

        for alloc_id in (cjk_id, emoji_id):
            assert table.select_id(alloc_id)
            # Every row is exactly as wide as the table and Modified is still where its title is (by
            # cells: the names are wide).
            await until(pilot, lambda a=alloc_id: modified_under_its_title(a), what="Modified under its title")
        # Clicking a header sorts by it (again: the other way round); the arrow shows on narrow columns.
        x = table.render_line(0).text.index("Modified")
        await pilot.click(table, offset=(x + 1, 0))
        await until(pilot, lambda: screen.view.sort.column == "modified", what="sorted by Modified")
        assert "▼" in table.render_line(0).text or "▲" in table.render_line(0).text
        await pilot.press("colon", *"ns default", "enter")
        await until(pilot, lambda: screen.namespace == "default" and len(screen.store) > 0, what="one namespace")
        await until(pilot, lambda: "Namespace" not in table.render_line(0).text, what="no Namespace column")


async def test_detail_tabs_have_direct_keys_and_show_the_focus(agent: AgentProcess) -> None:
    from textual.widgets import TabbedContent

    from nomad_tui.ui.widgets.detail import DetailPanel

    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0 and screen.table.cursor_id is not None, what="the list")
        detail = screen.query_one(DetailPanel)
        tabs = detail.query_one(TabbedContent)
        for key, tab in (("3", "tab-events"), ("2", "tab-tasks"), ("6", "tab-placement"), ("1", "tab-summary")):
            await pilot.press(key)
            await until(pilot, lambda t=tab: tabs.active == t and detail.has_focus_within, what=f"{key}: {tab}")
            assert detail.styles.border_top[0] == "thick"  # the focused pane shows it
            await pilot.press("escape")
            await until(pilot, lambda: screen.table.has_focus, what="back to the list")
            assert detail.styles.border_top[0] != "thick"


async def test_help_is_grouped_by_context_and_keeps_its_descriptions_at_60_columns(agent: AgentProcess) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(60, 20)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        await pilot.press("question_mark")
        await until(pilot, lambda: any("move the cursor" in row for row in screen_lines(app)), what="descriptions")
        rows = screen_lines(app)
        assert sum("Allocation list" in row for row in rows) == 1  # a heading, not a column repeated per row


async def test_the_status_bar_keeps_state_count_and_badges_when_narrow(agent: AgentProcess) -> None:
    app = NomadTuiApp(settings_for(agent.url, read_only=True))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        send_burst(app, "/web\r")
        await until(pilot, lambda: screen.view.filter.text == "web", what="the filter")
        for width in (80, 60):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            bar = screen_lines(app)[0]
            for part in ("ns * [web]", "● live", "allocs", "read-only"):
                assert part in bar, (width, part, bar)
