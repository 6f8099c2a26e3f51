"""Make the README screenshots from the demo: one SVG per scene, and a PNG rendered from each.

    python screenshots/make.py            # needs rsvg-convert (Debian: librsvg2-bin) for the PNGs

Every image comes from this script driving the real app against the dev agent (fixed seed and
clock, fixed terminal size); none is edited by hand.  Re-run it after UI changes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.settings import resolve
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.detail import DetailPanel

HERE = Path(__file__).resolve().parent
START = 1795348800.0  # 2026-11-22 12:00:00 UTC: the simulated clock's origin
SIZE = (132, 38)
SHOWN_ADDRESS = "http://127.0.0.1:4646"


async def until(pilot: Any, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(str(predicate))
        await pilot.pause(0.05)


def dashboard(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, DashboardScreen)
    return screen


async def settle(pilot: Any) -> None:
    app: NomadTuiApp = pilot.app
    screen = dashboard(app)
    await until(
        pilot, lambda: len(screen.store) > 0 and screen.list_watcher is not None and screen.list_watcher.task_states
    )
    await until(
        pilot,
        lambda: all(screen.store.row(a).tasks for a in screen.store.stubs if screen.store.row(a).status == "running"),
    )
    await select(pilot, lambda row: row.job == "web" and row.status == "running")
    # the CPU and memory of the rows on screen
    stats = screen.stats
    await until(pilot, lambda: stats is None or (bool(stats.wanted) and stats.wanted <= set(screen.usage.latest)))
    screen.status_bar.address = SHOWN_ADDRESS  # the demo's real port differs on every run
    screen.status_bar.refresh()
    await pilot.pause(0.3)


async def select(pilot: Any, wanted: Callable[[Any], bool]) -> None:
    screen = dashboard(pilot.app)
    table = screen.query_one(AllocTable)
    target = next(a for a in screen.view.ids() if wanted(screen.store.row(a)))
    table.select_id(target)
    detail = screen.query_one(DetailPanel)
    await until(pilot, lambda: detail.alloc is not None and detail.alloc.id == target)
    await pilot.pause(0.3)


@dataclass
class Scene:
    name: str
    caption: str
    steps: Callable[[Any], Awaitable[None]]
    size: tuple[int, int] = SIZE


async def scene_dashboard(pilot: Any) -> None:
    await settle(pilot)


async def scene_detail(pilot: Any) -> None:
    await settle(pilot)
    screen = dashboard(pilot.app)
    screen.query_one("#detail-tabs").active = "tab-events"  # type: ignore[attr-defined]
    await pilot.press("enter")
    await pilot.pause(0.3)


async def scene_stop(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("ctrl+d")
    await pilot.pause(0.5)


async def scene_signal(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("x")
    await pilot.pause(0.3)
    await pilot.press("down", "down", "down")
    await pilot.pause(0.3)


async def scene_help(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await pilot.pause(0.5)


async def scene_jobs(pilot: Any) -> None:
    from nomad_tui.ui.screens.resources import ResourceScreen

    app = pilot.app
    await settle(pilot)
    await pilot.press("J")  # the jobs view, on the selected allocation's job
    await until(pilot, lambda: isinstance(app.screen, ResourceScreen) and len(app.screen.view) > 0)
    await pilot.pause(1.0)


async def scene_small(pilot: Any) -> None:
    await settle(pilot)
    await pilot.pause(0.5)


async def scene_logs(pilot: Any) -> None:
    await settle(pilot)
    await select(pilot, lambda row: row.job == "worker" and row.status == "running")
    await pilot.press("l")
    await pilot.pause(3.0)
    await pilot.press("slash", *"tick 1", "enter")
    await pilot.pause(0.5)


async def scene_exec(pilot: Any) -> None:
    from textual import events

    from nomad_tui.ui.screens.exec import ExecScreen
    from nomad_tui.ui.screens.exec_dialogs import ExecCommandScreen

    app = pilot.app
    await settle(pilot)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, ExecCommandScreen))
    app.screen.query_one("#exec-command").value = "/bin/bash --norc"
    await pilot.press("enter")
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, ExecScreen)
            and app.screen.active_pane is not None
            and app.screen.active_pane.session is not None
            and app.screen.active_pane.session.connected
        ),
    )
    pane = app.screen.active_pane
    line = (
        "PS1='\\[\\e[1;32m\\]\\u@web\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]$ '; clear; "
        "ls --color=always -F /usr/lib/python3* 2>/dev/null | head -12; "
        "printf '\\e[31mred \\e[32mgreen \\e[33myellow \\e[34mblue \\e[1;35mbold magenta\\e[0m "
        "\\e[38;5;208m256-colour \\e[38;2;120;200;255mtruecolor\\e[0m\\n'"
    )
    pane.terminal.post_message(events.Paste(line))
    await pilot.press("enter")
    await until(pilot, lambda: "truecolor" in "\n".join(pane.terminal.emulator.display()))
    await pilot.pause(0.5)


SCENES = [
    Scene("dashboard", "The live allocation list with the selected allocation's details", scene_dashboard),
    Scene("detail-events", "Detail panes: recent task events, newest first", scene_detail),
    Scene("stop-confirmation", "Every action asks first; Cancel has the focus", scene_stop),
    Scene("signal-picker", "Signals: the common ones, or type any name", scene_signal),
    Scene("help", "? lists every key by context, and the : commands", scene_help),
    Scene("jobs", "J or :jobs: every job with its allocation counts; enter lists its allocations", scene_jobs),
    Scene("small-terminal", "80x24: columns drop and shrink by value; count and state stay", scene_small, (80, 24)),
    Scene("exec", "An exec session in a tab: a real shell, colours and all, inside the dashboard", scene_exec),
    Scene("logs", "Logs pane: a task's stdout from the tail, with a search", scene_logs),
]


async def shoot(agent: AgentProcess, scene: Scene, out: Path) -> Path:
    start_ns = int(START * 1e9)
    app = NomadTuiApp(resolve({"address": agent.url}, {}, {}), clock_ns=lambda: start_ns + 90 * 10**9)
    async with app.run_test(size=scene.size) as pilot:
        await scene.steps(pilot)
        path = out / f"{scene.name}.svg"
        app.save_screenshot(filename=path.name, path=str(out))
    return path


def to_png(svg: Path) -> Path | None:
    converter = shutil.which("rsvg-convert")
    if converter is None:
        print("rsvg-convert not found (Debian: apt install librsvg2-bin); SVGs only", file=sys.stderr)
        return None
    # librsvg drops leading spaces of each text run unless whitespace is preserved explicitly.
    text = svg.read_text().replace("<svg ", '<svg xml:space="preserve" ', 1)
    fixed = svg.with_suffix(".tmp.svg")
    fixed.write_text(text)
    png = svg.with_suffix(".png")
    subprocess.run([converter, "-w", "1400", str(fixed), "-o", str(png)], check=True)
    fixed.unlink()
    return png


async def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    agent = AgentProcess.start("--allocs", "36", "--seed", "11", "--churn", "0", "--start-time", str(START))
    try:
        for scene in SCENES:
            svg = await shoot(agent, scene, HERE)
            png = to_png(svg)
            print(f"{scene.name}: {svg.name}" + (f", {png.name}" if png else ""))
    finally:
        agent.stop()


if __name__ == "__main__":
    asyncio.run(main())
