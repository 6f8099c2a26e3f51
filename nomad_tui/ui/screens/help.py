"""The `?` help screen: every key by context, and the `:` commands."""

from __future__ import annotations

from rich import box
from rich.console import Group
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

    def _keys_table(self) -> Group:
        """One short table per context under its heading: the context is said once, not on every row,
        so the descriptions keep their width at 60 and 80 columns."""
        contexts = CONTEXTS if self.only is None else (self.only,) if isinstance(self.only, str) else self.only
        keymap = getattr(self.app, "settings", None)
        sections: dict[str, list[tuple[str, str]]] = {}
        for row in help_rows(keymap.keymap if keymap is not None else {}, contexts):
            keys = row.text or " / ".join(self.app.get_key_display(Binding(key, "")) for key in row.keys)
            sections.setdefault(row.context, []).append((keys, row.help))
        parts: list[Table | Text] = [Text("Keys" if self.only is None else f"Keys: {contexts[0]}", style="bold")]
        for context, rows in sections.items():
            table = Table(
                title=context, title_justify="left", title_style="bold", expand=True, box=None, show_header=False
            )
            table.add_column("Key", style="bold", no_wrap=True, max_width=24)
            table.add_column("Does", ratio=1)
            for keys, what in rows:
                table.add_row(Text(keys), Text(what))
            parts.append(Text(""))
            parts.append(table)
        return Group(*parts)

    def _commands_table(self) -> Table:
        table = Table(title="Commands (type : first)", expand=True, box=box.SIMPLE_HEAD, title_style="bold")
        table.add_column("Command", style="bold", no_wrap=True)
        table.add_column("Does")
        for usage, what in commands.HELP:
            table.add_row(Text(":" + usage), Text(what))
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
