"""The `?` help screen: every key by context, and the `:` commands."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from nomad_tui.ui import commands
from nomad_tui.ui.keymap import CONTEXTS, bindings, help_rows


class HelpScreen(ModalScreen[None]):
    """Every key; with `only`, the keys of one context (`?` inside the logs shows the log keys)."""

    BINDINGS = bindings("help")

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: round $primary;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, only: str | tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.only = only

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._keys_table())
            if self.only is None:
                yield Static(self._commands_table())

    def _keys_table(self) -> Table:
        contexts = CONTEXTS if self.only is None else (self.only,) if isinstance(self.only, str) else self.only
        title = "Keys" if self.only is None else f"Keys: {contexts[0]}"
        table = Table(title=title, expand=True, box=box.SIMPLE_HEAD, title_style="bold")
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        keymap = getattr(self.app, "settings", None)
        for row in help_rows(keymap.keymap if keymap is not None else {}, contexts):
            keys = row.text or " / ".join(self.app.get_key_display(Binding(key, "")) for key in row.keys)
            table.add_row(Text(row.context), Text(keys), Text(row.help))
        return table

    def _commands_table(self) -> Table:
        table = Table(title="Commands (type : first)", expand=True, box=box.SIMPLE_HEAD, title_style="bold")
        table.add_column("Command", style="bold", no_wrap=True)
        table.add_column("Does")
        for usage, what in commands.HELP:
            table.add_row(Text(":" + usage), Text(what))
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
