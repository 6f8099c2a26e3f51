"""The dialogs of the lifecycle actions: confirm, pick a task, pick a signal, show the results.

Every label that carries cluster data is a `rich.text.Text` built from sanitised strings, never a
markup string: a job called "[@click=app.quit]" is shown, not run.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from nomad_tui.actions import COMMON_SIGNALS, ActionKind, Outcome, Plan, TaskChoice, known_signal
from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.key_gate import GuardedDialog
from nomad_tui.ui.keymap import bindings

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 84; max-width: 95%; height: auto; max-height: 90%; border: thick $primary;
                     background: $surface; padding: 0 1; }}
{name} .dialog-title {{ text-style: bold; padding: 1 0 0 0; }}
{name} .dialog-body {{ height: auto; max-height: 16; }}
{name} .dialog-hint {{ color: $text-muted; padding: 0 0 1 0; }}
{name} Horizontal {{ height: auto; align-horizontal: right; padding: 1 0 0 0; }}
{name} Button {{ margin-left: 2; }}
{name} OptionList {{ height: auto; max-height: 14; }}
"""


def target_lines(plan: Plan) -> Text:
    text = Text()
    for target in plan.targets:
        line = Text()
        line.append(target.short_id, style="bold")
        line.append(f"  job {target.job}  group {target.group}  ns {target.namespace}")
        if plan.kind is not ActionKind.STOP:
            line.append(f"  {sanitize_line(plan.tasks.describe(plan.kind))}")
        if plan.kind is ActionKind.SIGNAL:
            line.append(f"  signal {plan.signal}")
        if target.refusal:
            line.append(f"  — skipped: {target.refusal}", style="bold yellow")
            line.stylize("dim", 0, len(target.short_id))
        text.append_text(line)
        text.append("\n")
    text.rstrip()
    return text


class ConfirmScreen(GuardedDialog[bool]):
    """Names exactly what will happen; Cancel has the focus; y confirms, n and esc cancel."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")
    BINDINGS = bindings("confirm")

    def __init__(
        self,
        plan: Plan | None,
        *,
        title: str = "",
        body: Text | None = None,
        confirm: str = "",
        require_typed: str = "",
        context_line: Text | None = None,
        color: str | None = None,
    ) -> None:
        """`require_typed`: the text (a job or context name) the user must type before it confirms;
        `context_line` and `color`: which cluster this is, so prod never looks like staging."""
        super().__init__()
        self.plan = plan
        self.title_text = plan.headline() if plan is not None else title
        self.body = target_lines(plan) if plan is not None else (body or Text())
        self.confirm_label = confirm or (plan.verb().split()[0] if plan is not None else "Yes")
        self.danger = plan is not None and plan.kind is ActionKind.STOP
        self.require_typed = require_typed
        self.context_line = context_line
        self.color = color

    @classmethod
    def question(cls, title: str, body: str, *, confirm: str = "Yes") -> ConfirmScreen:
        """A yes/no question of our own (no cluster data in it)."""
        return cls(None, title=title, body=Text(body), confirm=confirm)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            if self.context_line is not None:
                yield Static(self.context_line, id="confirm-context")
            yield Static(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, id="confirm-targets")
            if self.require_typed:
                yield Static(Text(f"Type {self.require_typed} to confirm:"), id="typed-name-label")
                yield Input(placeholder=self.require_typed, id="typed-name")
                yield Static(Text("enter: confirm once the name matches · esc: cancel"), classes="dialog-hint")
            else:
                yield Static(Text("y: confirm · n / esc: cancel"), classes="dialog-hint")
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button(
                    self.confirm_label,
                    id="confirm",
                    variant="error" if self.danger else "warning",
                    disabled=bool(self.require_typed),
                )

    def on_mount(self) -> None:
        if self.color:
            try:
                self.query_one("#confirm-dialog").styles.border = ("thick", Color.parse(self.color))
            except ColorParseError:
                pass  # a colour name Textual does not know: the theme's border stays
        if self.require_typed:
            self.query_one("#typed-name", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    @property
    def name_matches(self) -> bool:
        return not self.require_typed or self.query_one("#typed-name", Input).value == self.require_typed

    @on(Input.Changed, "#typed-name")
    def typed_name_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not self.name_matches

    @on(Input.Submitted, "#typed-name")
    def typed_name_submitted(self, event: Input.Submitted) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if not self.name_matches:
            self.notify(f"Type {self.require_typed} exactly to confirm.", severity="warning", markup=False)
            return
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class TaskPickerScreen(GuardedDialog[TaskChoice | None]):
    """One running task, or all of them (restart: AllTasks)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TaskPickerScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, kind: ActionKind, tasks: tuple[str, ...], *, bulk: bool = False) -> None:
        super().__init__()
        self.kind = kind
        self.choices: list[TaskChoice] = []
        if kind is ActionKind.RESTART:
            self.choices.append(TaskChoice(all_tasks=True))
            if bulk:
                self.choices.append(TaskChoice())
        else:
            self.choices.append(TaskChoice())
        self.choices.extend(TaskChoice(task=name) for name in tasks)

    def compose(self) -> ComposeResult:
        verb = "restart" if self.kind is ActionKind.RESTART else "signal"
        with Vertical():
            yield Static(Text(f"Which tasks to {verb}?"), classes="dialog-title")
            options = []
            for i, choice in enumerate(self.choices):
                label = Text(sanitize_line(choice.describe(self.kind)))
                if choice.all_tasks:
                    label.append("  (AllTasks: dead tasks too)", style="dim")
                options.append(Option(label, id=str(i)))
            yield OptionList(*options, id="task-options")
            yield Static(Text("enter: choose · esc: cancel"), classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SignalPickerScreen(GuardedDialog[str | None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="SignalPickerScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Which signal?"), classes="dialog-title")
            yield OptionList(*(Option(Text(name), id=name) for name in COMMON_SIGNALS), id="signal-options")
            yield Input(placeholder="or type one Nomad knows, e.g. SIGWINCH", id="signal-other")
            yield Static(Text("enter: choose · tab: type a name · esc: cancel"), classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted, "#signal-other")
    def typed(self, event: Input.Submitted) -> None:
        name = known_signal(event.value)
        if name is None:
            # Nomad's exec, raw_exec and java drivers would send SIGINT instead of an unknown name.
            typed = sanitize_line(event.value.strip())[:24]
            self.app.notify(f"{typed!r} is not a signal Nomad knows", severity="error", markup=False)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResultsScreen(GuardedDialog[None]):
    """Each allocation's outcome after a bulk action."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ResultsScreen")
        + """
    ResultsScreen DataTable { height: auto; max-height: 18; }
    """
    )
    BINDINGS = [Binding("escape,enter,q", "close", "Close", show=False)]

    def __init__(self, title: str, outcomes: list[Outcome]) -> None:
        super().__init__()
        self.title_text = title
        self.outcomes = outcomes

    def compose(self) -> ComposeResult:
        ok = sum(1 for o in self.outcomes if o.ok)
        unknown = sum(1 for o in self.outcomes if o.unknown)
        title = f"{self.title_text}: {ok} of {len(self.outcomes)} succeeded"
        if unknown:
            title += f", {unknown} unknown (check those allocations)"
        with Vertical():
            yield Static(Text(title), classes="dialog-title")
            table: DataTable[Text] = DataTable(id="results", cursor_type="row")
            yield table
            yield Static(Text("enter / esc: close"), classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Allocation", "Job", "Result")
        for outcome in self.outcomes:
            mark, style = (
                ("✓ ", "green") if outcome.ok else ("? ", "bold yellow") if outcome.unknown else ("✗ ", "bold red")
            )
            table.add_row(
                Text(outcome.target.short_id),
                Text(outcome.target.job),
                Text(mark + sanitize_line(outcome.message), style=style),
            )
        table.focus()

    @on(DataTable.RowSelected)
    def row_chosen(self) -> None:
        # The table has the focus and takes enter as "select row"; the hint says enter closes.
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
