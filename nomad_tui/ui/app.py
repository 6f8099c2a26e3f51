"""The Textual application: owns the Nomad client and shows the dashboard."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from nomad_tui.api.client import NomadClient
from nomad_tui.settings import Settings
from nomad_tui.ui.palette import DashboardCommands
from nomad_tui.ui.screens.dashboard import DashboardScreen


def stylesheet_path() -> Path:
    """styles/app.tcss: inside the wheel (nomad_tui/styles) or, from a checkout, at the repository top."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "styles" / "app.tcss", package.parent / "styles" / "app.tcss"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("styles/app.tcss is missing from the installation")


class NomadTuiApp(App[int]):
    TITLE = "nomad-tui"
    CSS_PATH = stylesheet_path()
    COMMANDS = App.COMMANDS | {DashboardCommands}
    # ctrl+c quits like in k9s; the exec terminal captures it first when it has focus.
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False)]

    def __init__(
        self,
        settings: Settings,
        *,
        client: NomadClient | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
        watch_wait: float = 300.0,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.client = client or NomadClient(settings)
        # Injectable clocks: snapshot tests freeze wall time so ages render the same on every run.
        self.clock_ns = clock_ns
        self.monotonic = monotonic
        self.watch_wait = watch_wait

    def on_mount(self) -> None:
        if self.settings.keymap:
            # [keys] in the config file: binding IDs (see ui/keymap.py) to key strings.
            self.set_keymap(dict(self.settings.keymap))
        self.push_screen(DashboardScreen(self.client))

    async def on_unmount(self) -> None:
        await self.client.aclose()

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)
