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

    # No scrollbar: its glyphs looked like text beside the descriptions in narrow terminals; the
    # border's subtitle says where you are and how to scroll instead.
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: round $primary;
                                  background: $surface; padding: 0 1; scrollbar-size-vertical: 0;
                                  border-subtitle-color: $text-muted; }
    """

    def __init__(self, only: str | tuple[str, ...] | None = None, *, first: str | None = None) -> None:
        """`only`: just these contexts' keys; `first`: every context, the screen's own (`first`) on top."""
        super().__init__()
        self.only = only
        self.first = first

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="help-keys")
            if self.only is None:
                yield Static(id="help-commands")

    def on_mount(self) -> None:
        scroll = self.query_one(VerticalScroll)
        self.watch(scroll, "scroll_y", self._show_position)
        self.watch(scroll, "virtual_size", self._show_position)
        self._fill()

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """The columns are sized for the width (a key column of a third at most; both wrap)."""
        width = self._text_width()
        for static in self.query("#help-keys").results(Static):
            static.update(self._keys_table(width))
        for static in self.query("#help-commands").results(Static):
            static.update(self._commands_table(width))
        self.call_after_refresh(self._show_position)

    def _text_width(self) -> int:
        """The help's text width: the box's width (90% of the screen, 110 at most) less border and padding."""
        return max(24, min(self.size.width * 9 // 10, 110) - 4)

    def _show_position(self) -> None:
        scroll = next(iter(self.query(VerticalScroll).results(VerticalScroll)), None)
        if scroll is None:
            return
        if scroll.max_scroll_y <= 0:
            scroll.border_subtitle = "esc: close"
            return
        where = "top" if scroll.scroll_y < 1 else "end" if scroll.scroll_y > scroll.max_scroll_y - 1 else ""
        where = where or f"{round(100 * scroll.scroll_y / scroll.max_scroll_y)}%"
        scroll.border_subtitle = f"{where} · ↑ ↓ pgup pgdn: scroll · esc: close"

    def _keys_table(self, width: int) -> Group:
        """One short table per context under its heading: the context is said once, not on every row,
        so the descriptions keep their width at 60 and 80 columns."""
        contexts = CONTEXTS if self.only is None else (self.only,) if isinstance(self.only, str) else self.only
        if self.first in contexts:
            contexts = (self.first, *(c for c in contexts if c != self.first))
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
            table.add_column("Key", style="bold", max_width=max(10, width // 3), overflow="fold")
            table.add_column("Does", ratio=1)
            for keys, what in rows:
                table.add_row(Text(keys), Text(what))
            parts.append(Text(""))
            parts.append(table)
        return Group(*parts)

    def _commands_table(self, width: int) -> Table:
        table = Table(
            title="Commands (type : first)",
            title_justify="left",
            expand=True,
            box=box.SIMPLE_HEAD,
            title_style="bold",
            pad_edge=False,
        )
        table.add_column("Command", style="bold", max_width=max(12, width // 3), overflow="fold")
        table.add_column("Does", ratio=1)
        for usage, what in commands.HELP:
            table.add_row(Text(":" + usage), Text(what))
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
