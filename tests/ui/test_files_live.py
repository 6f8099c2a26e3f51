"""The file browser (`f`) against the dev agent: directories, sizes, a text file, a big file in pages,
a binary file as a hex dump, a hostile file made inert, a growing file followed, and 403 explained."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from conftest import ACL_ARGS, FIXED_START, READ_TOKEN, Control, settings_for, terminal_output, until
from test_hostile import INJECTED, OSC52, TITLE
from textual import events

from nomad_tui.api.fs import PAGE_BYTES
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.files import FileBrowserScreen, FileViewScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

HOSTILE = (
    f"\x1b[31mRED\x1b[0m [b]markup[/b] [@click=app.quit]x[/] {OSC52}{TITLE} \x9b31m \u202eRTL \x1b[2J\x1b[5m end\n"
).encode() + b"\xff bad utf8\n"


async def open_browser(pilot: Any, app: NomadTuiApp, alloc_id: str) -> FileBrowserScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    await until(pilot, lambda: alloc_id in screen.store, what="the list")
    assert screen.query_one(AllocTable).select_id(alloc_id)
    await pilot.press("f")
    await until(pilot, lambda: isinstance(app.screen, FileBrowserScreen), what="the file browser")
    browser = app.screen
    assert isinstance(browser, FileBrowserScreen)
    await until(pilot, lambda: bool(browser.entries), what="the allocation directory")
    return browser


async def enter(pilot: Any, browser: FileBrowserScreen, name: str) -> None:
    names = [e.name for e in browser.entries]
    browser.table.move_cursor(row=names.index(name))
    await pilot.press("enter")


def names(browser: FileBrowserScreen) -> set[str]:
    return {e.name for e in browser.entries}


async def test_browse_view_page_hexdump_hostile_and_follow(agent: AgentProcess, control: Control) -> None:
    alloc_id = next(a["ID"] for a in await control.allocs() if a["JobID"] == "api" and a["ClientStatus"] == "running")
    await control.post(
        f"alloc/{alloc_id}/file", {"path": "alloc/data/evil.txt", "data_b64": base64.b64encode(HOSTILE).decode()}
    )
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 30)) as pilot:
        browser = await open_browser(pilot, app, alloc_id)
        assert {"alloc", "app", "envoy"} <= names(browser)
        # the allocation list's keys move the cursor here too
        table = browser.table
        await pilot.press("G")
        await until(pilot, lambda: table.cursor_row == len(browser.entries) - 1, what="G: the last entry")
        await pilot.press("g", "j")
        await until(pilot, lambda: table.cursor_row == 1, what="g, j: the second entry")
        await pilot.press("k")
        await until(pilot, lambda: table.cursor_row == 0, what="k: the first entry")
        # `j⏎` in one read opens the row `j` moved to (enter is a priority key, so "⏎ Open" is in the footer)
        second = browser.entries[1]
        assert second.is_dir
        for name in ("j", "enter"):
            app.post_message(events.Key(name, name if name == "j" else None))
        await until(pilot, lambda: browser.path == f"/{second.name}", what="j⏎: the second entry opened")
        await pilot.press("backspace")
        await until(pilot, lambda: browser.path == "/" and bool(browser.entries), what="back to /")
        await enter(pilot, browser, "alloc")
        await until(pilot, lambda: browser.path == "/alloc" and "logs" in names(browser), what="/alloc")
        await enter(pilot, browser, "data")
        await until(pilot, lambda: "history.log" in names(browser), what="/alloc/data")
        history = next(e for e in browser.entries if e.name == "history.log")
        assert history.size > PAGE_BYTES and not history.is_dir

        # A big file: the first readat page, then the next.
        await enter(pilot, browser, "history.log")
        await until(pilot, lambda: isinstance(app.screen, FileViewScreen), what="the file view")
        view = app.screen
        assert isinstance(view, FileViewScreen)
        await until(pilot, lambda: "of " in view.state_text and len(view.buffer) > 100, what="the first page")
        assert view.buffer.line(0) == "000000 event=" + view.buffer.line(0).split("event=")[1]  # type: ignore[union-attr]
        # A page ends at a line's end: the line that straddles 256 KiB starts the next page whole.
        first_end = view.page_end
        assert PAGE_BYTES - 200 < first_end <= PAGE_BYTES
        assert f"bytes 0–{first_end:,} of {history.size:,}" in view.state_text
        last = view.buffer.line(len(view.buffer) - 1) or ""
        assert re.fullmatch(r"\d{6} event=\S+.*", last), last
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: f"bytes {first_end:,}–" in view.state_text, what="the second page")
        await until(pilot, lambda: len(view.buffer) > 0, what="the second page's lines")
        assert int((view.buffer.line(0) or "x").split()[0]) == int(last.split()[0]) + 1
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: f"bytes 0–{first_end:,} of" in view.state_text, what="back to the first page")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is browser, what="back to the browser")

        # A binary file: a hex dump, never the raw bytes.
        await enter(pilot, browser, "cache.bin")
        await until(pilot, lambda: isinstance(app.screen, FileViewScreen) and app.screen.binary, what="binary")
        binary = app.screen
        assert isinstance(binary, FileViewScreen)
        await until(pilot, lambda: len(binary.buffer) == 4096 // 16, what="the hex dump")
        assert (binary.buffer.line(0) or "").startswith("00000000  ")
        assert "binary file, 4,096 bytes" in binary.state_text
        await until(pilot, lambda: "4.0 KiB received" in binary.counts_text(), what="bytes received")
        await pilot.press("escape")

        # A hostile text file: shown, inert.
        await until(pilot, lambda: app.screen is browser, what="back to the browser")
        await enter(pilot, browser, "evil.txt")
        await until(pilot, lambda: isinstance(app.screen, FileViewScreen), what="the hostile file")
        evil = app.screen
        assert isinstance(evil, FileViewScreen)
        await until(pilot, lambda: evil.buffer.find("markup", -1) is not None, what="its text")
        await pilot.pause(0.1)
        output = terminal_output(app)
        assert "[b]markup[/b]" in output, re.sub(r"\x1b\[[0-9;]*[mH]", "", output)
        assert not [seq for seq in INJECTED if seq in output]
        await pilot.press("escape")

        # A growing file, followed from the browser with F.
        await control.post(f"alloc/{alloc_id}/file", {"path": "alloc/data/grow.txt", "data": "first\n"})
        await until(pilot, lambda: app.screen is browser, what="back to the browser")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "grow.txt" in names(browser), what="the new file")
        browser.table.move_cursor(row=[e.name for e in browser.entries].index("grow.txt"))
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, FileViewScreen), what="the followed file")
        grow = app.screen
        assert isinstance(grow, FileViewScreen) and grow.following
        await until(pilot, lambda: grow.buffer.line(0) == "first", what="the first line")
        await control.post(
            f"alloc/{alloc_id}/file", {"path": "alloc/data/grow.txt", "data": "second\n", "append": True}
        )
        await until(pilot, lambda: grow.buffer.line(1) == "second", what="the appended line")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is browser, what="back to the browser")
        await pilot.press("backspace")
        await until(pilot, lambda: browser.path == "/alloc", what="up a directory")


async def test_a_token_without_read_fs_is_told_so(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent(
        "--allocs", "6", "--seed", "3", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START), *ACL_ARGS
    )
    app = NomadTuiApp(settings_for(agent.url, token=READ_TOKEN))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FileBrowserScreen), what="the file browser")
        browser = app.screen
        assert isinstance(browser, FileBrowserScreen)
        await until(pilot, lambda: "read-fs" in browser.state_text, what="the explanation")
        assert browser.state_text.startswith("Permission denied") and READ_TOKEN not in terminal_output(app)
