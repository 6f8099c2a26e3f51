"""The dialogs before and around exec: which task, which command, which session to re-attach.

Labels carrying cluster data are `Text` built from sanitised strings, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from nomad_tui.api.exec_session import CommandError, build_argv
from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.key_gate import GuardedDialog
from nomad_tui.ui.screens.action_dialogs import DIALOG_CSS


class ExecTaskPickerScreen(GuardedDialog[str | None]):
    """Which running task to exec into (shown when there is more than one)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ExecTaskPickerScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, heading: str, tasks: tuple[str, ...]) -> None:
        super().__init__()
        self.heading = heading
        self.tasks = tasks

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Exec into which task of {sanitize_line(self.heading)}?"), classes="dialog-title")
            yield OptionList(
                *(Option(Text(sanitize_line(name)), id=str(i)) for i, name in enumerate(self.tasks)),
                id="exec-task-options",
            )
            yield Static(Text("enter: choose · esc: cancel"), classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.tasks[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExecCommandScreen(GuardedDialog[tuple[str, tuple[str, ...]] | None]):
    """The command to run, prefilled; split like a shell line into the argv sent as JSON.

    Dismisses with (command as typed, argv), or None on escape."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ExecCommandScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, heading: str, command: str) -> None:
        super().__init__()
        self.heading = heading
        self.command = command

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Exec in {sanitize_line(self.heading)}"), classes="dialog-title")
            yield Input(value=self.command, id="exec-command")
            yield Static(
                Text("enter: run (split like a shell line; no shell unless you call one) · esc: cancel"),
                classes="dialog-hint",
            )

    @on(Input.Submitted, "#exec-command")
    def submitted(self, event: Input.Submitted) -> None:
        try:
            argv = build_argv(event.value)
        except CommandError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        self.dismiss((event.value.strip(), tuple(argv)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SessionsScreen(GuardedDialog[str | None]):
    """The exec sessions of this run; choosing one re-attaches to it.  Dismisses with its pane ID."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SessionsScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, sessions: list[tuple[str, str, bool]]) -> None:
        """`sessions`: (pane ID, label, still running) for each session."""
        super().__init__()
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Exec sessions"), classes="dialog-title")
            options = []
            for pane_id, label, live in self.sessions:
                line = Text(sanitize_line(label))
                line.append("  running" if live else "  ended", style="green" if live else "dim")
                options.append(Option(line, id=pane_id))
            yield OptionList(*options, id="exec-sessions")
            yield Static(Text("enter: attach · esc: cancel"), classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
