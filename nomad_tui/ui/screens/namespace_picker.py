"""`:ns` with no name: the namespaces the token may list, `*` first; enter switches to one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.key_gate import GuardedDialog
from nomad_tui.ui.screens.action_dialogs import DIALOG_CSS


class NamespacePickerScreen(GuardedDialog[str | None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="NamespacePickerScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, namespaces: list[str], current: str) -> None:
        super().__init__()
        self.choices = ["*", *(n for n in namespaces if n != "*")]
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for i, name in enumerate(self.choices):
            label = Text("* (every namespace the token may read)" if name == "*" else sanitize_line(name))
            if name == self.current:
                label.append("  (shown now)", style="dim")
            options.append(Option(label, id=str(i)))
        with Vertical():
            yield Static(Text("Switch namespace"), classes="dialog-title")
            yield OptionList(*options, id="namespace-options")
            yield Static(Text("enter: switch · esc: cancel · :ns NAME also works"), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
