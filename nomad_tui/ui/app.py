"""The Textual application (placeholder: the dashboard lands with issue 4)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from nomad_tui.settings import Settings


class NomadTuiApp(App[int]):
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        yield Static(f"nomad-tui: {self.settings.display_address}", markup=False)
        yield Footer()
