"""What the dashboard does to allocations: stop, signal and restart (one or the marked set, always
confirmed), logs, exec, marks and the read-only switch.  A base class of DashboardScreen, kept apart
so that the screen module is about showing the cluster and this one about acting on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.actions import SkipAction
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, get_current_worker

from nomad_tui.actions import ActionKind, Outcome, Plan, TaskChoice
from nomad_tui.actions import execute as execute_plan
from nomad_tui.actions import plan as plan_action
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError
from nomad_tui.sanitize import sanitize_line
from nomad_tui.settings import Settings
from nomad_tui.state import export
from nomad_tui.state.rows import AllocRow
from nomad_tui.state.store import AllocStore, Diff
from nomad_tui.state.view import AllocView
from nomad_tui.ui.audit_hooks import audit_outcome
from nomad_tui.ui.context_badge import context_line, typed_confirmation
from nomad_tui.ui.keymap import MUTATING_ACTIONS
from nomad_tui.ui.screens.action_dialogs import (
    ConfirmScreen,
    ResultsScreen,
    SignalPickerScreen,
    TaskPickerScreen,
)
from nomad_tui.ui.screens.exec_dialogs import ExecCommandScreen, ExecTaskPickerScreen
from nomad_tui.ui.screens.save_dialogs import ChoiceScreen, ask_path, file_name, save_dir, write_text
from nomad_tui.ui.sessions import ExecTarget
from nomad_tui.ui.typed_app import nomad_app
from nomad_tui.ui.weblink import allocation_url, graphical_browser

if TYPE_CHECKING:
    from nomad_tui.ui.widgets.alloc_table import AllocTable
    from nomad_tui.ui.widgets.detail import DetailPanel
    from nomad_tui.ui.widgets.status_bar import StatusBar


class AllocationActions(Screen[None]):
    """Needs from the screen: `client`, `settings`, `store`, `view`, `read_only`, `table`, `detail`,
    `status_bar` (DashboardScreen provides them)."""

    # Hidden and refused in --read-only mode (the actions declared `mutating` in ui/keymap.py).
    MUTATING_ACTIONS = MUTATING_ACTIONS

    client: NomadClient
    settings: Settings
    store: AllocStore
    view: AllocView
    read_only: bool
    namespace: str
    store_listeners: list[Callable[[Diff | None], None]]
    # The lifecycle action whose requests are being sent (one at a time; see run_allocation_action).
    running_plan: Plan | None = None

    if TYPE_CHECKING:

        @property
        def table(self) -> AllocTable: ...

        @property
        def detail(self) -> DetailPanel: ...

        @property
        def status_bar(self) -> StatusBar: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides the binding from the footer and makes its key do nothing.
        return not (self.read_only and action in self.MUTATING_ACTIONS)

    def _refuse_if_read_only(self) -> bool:
        if self.read_only:
            self.app.notify(
                "Read-only mode: stop, signal, restart and exec are disabled.", severity="warning", markup=False
            )
        return self.read_only

    def on_key(self, event: events.Key) -> None:
        """In read-only mode a key bound to stop, signal, restart or exec says so instead of nothing
        (`check_action` hides those bindings, so the key reaches us unhandled)."""
        if not self.read_only:
            return
        for namespace, bindings in self._binding_chain:
            if namespace is self and any(
                binding.action in self.MUTATING_ACTIONS for binding in bindings.key_to_bindings.get(event.key, ())
            ):
                event.stop()
                self._refuse_if_read_only()
                return

    def action_toggle_read_only(self) -> None:
        if self.settings.read_only:
            # Chosen at start (flag, config file or the context): final for this run, as the README says.
            self.app.notify(
                "Started read-only (--read-only or read_only in the config): it stays on until nomad-tui exits.",
                severity="warning",
                markup=False,
            )
            return
        self.read_only = not self.read_only
        self.status_bar.read_only = self.read_only
        self.status_bar.refresh()
        self.refresh_bindings()
        self.app.notify("Read-only mode on." if self.read_only else "Read-only mode off.", markup=False)

    def action_mark(self) -> None:
        self.table.toggle_mark()
        self.table.action_cursor_down()

    def action_clear_marks(self) -> None:
        self.table.marks.clear()
        self.table.refresh()

    def _action_rows(self) -> list[AllocRow]:
        """The marked allocations (in list order), else the one under the cursor."""
        table = self.table
        marked = [self.store.row(a) for a in self.view.ids() if a in table.marks]
        if marked:
            return marked
        row = table.cursor_row
        return [row] if row is not None else []

    async def _task_names(self, row: AllocRow) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(all tasks, running tasks) of `row`, raw names as the API wants them (sanitise to display):
        from the list, the detail pane, or one read."""
        stub = self.store.stubs.get(row.id)
        states: dict[str, Any] | None = stub.task_states if stub is not None else None
        if not states:
            alloc = self.detail.alloc
            if alloc is None or alloc.id != row.id:
                try:
                    alloc = (await self.client.read_allocation(row.id)).value
                except NomadError as error:
                    self.app.notify(f"Cannot read {row.short_id}: {error.message}", severity="error", markup=False)
                    return None
            states = alloc.task_states or {}
        names = tuple(sorted(states))
        return names, tuple(n for n in names if states[n].state == "running")

    async def _running_tasks(self, row: AllocRow) -> tuple[str, ...] | None:
        found = await self._task_names(row)
        return None if found is None else found[1]

    @work(group="open-logs", exclusive=True, exit_on_error=False)
    async def action_logs(self) -> None:
        row = self.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        found = await self._task_names(row)
        if found is None:
            return
        names, running = found
        if not names:
            self.app.notify(f"{row.short_id} has no tasks (yet) to show logs of.", markup=False)
            return
        from nomad_tui.ui.screens.logs import LogsScreen

        title = f"{row.short_id} · {row.job}/{row.group}"
        task = (running or names)[0]
        self.app.push_screen(LogsScreen(self.client, row.id, title, names, task=task, namespace=row.namespace))

    def action_copy_id(self) -> None:
        """`c`: the selected allocation's full ID to the clipboard (the terminal's OSC 52 sequence)."""
        row = self.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        alloc_id = sanitize_line(row.id)
        self.app.copy_to_clipboard(alloc_id)
        self.app.notify(f"Copied {alloc_id} (if the terminal allows clipboard writes).", timeout=3, markup=False)

    @work(group="open-web", exclusive=True, exit_on_error=False)
    async def action_open_web(self) -> None:
        """`o`: the allocation in Nomad's web UI, in a graphical browser; else the URL is shown and copied."""
        row = self.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        url = allocation_url(self.settings, row.id)
        if url is None:
            self.app.notify("The agent is on a unix socket: its web UI has no address to open.", markup=False)
            return
        browser = graphical_browser()
        if browser is not None and await asyncio.to_thread(browser.open, url):
            self.app.notify(f"Opened {url}", timeout=4, markup=False)
            return
        self.app.copy_to_clipboard(url)
        self.app.notify(f"No graphical browser here; the URL (copied): {url}", timeout=10, markup=False)

    def action_export(self) -> None:
        self._leads_to_dialog(self._export)

    @work(group="export", exclusive=True, exit_on_error=False)
    async def _export(self) -> None:
        """`ctrl+s`: the current view (filter and sort), every column and full IDs, as CSV."""
        rows = list(export.view_rows(self.store, self.view))
        if not rows:
            self.app.notify("No allocations in this view to export.", markup=False)
            return
        suggested = save_dir(self.app) / file_name("allocations", self.namespace.replace("*", "all"), suffix=".csv")
        path = await ask_path(self.app, f"Export {len(rows)} allocations (this view, as CSV) to", suggested)
        self._dialogs_done()
        if path is not None:
            await write_text(self.app, path, export.to_csv(rows), f"{len(rows)} allocations")

    def action_tail_job(self) -> None:
        self._leads_to_dialog(self._tail_job)

    @work(group="open-tail", exclusive=True, exit_on_error=False)
    async def _tail_job(self) -> None:
        """`L`: every running allocation of the selected allocation's job (or of its task group) in one pane."""
        stub = self.store.stubs.get(self.table.cursor_id or "")
        if stub is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        from nomad_tui.ui.screens.job_tail import JobTailScreen, TailScope

        namespace = stub.namespace or "default"
        scope = TailScope(namespace, stub.job_id)
        groups = {s.task_group for s in self.store if scope.matches(s)}
        if len(groups) > 1:
            job, group = sanitize_line(stub.job_id), sanitize_line(stub.task_group)
            choice = await self.app.push_screen_wait(
                ChoiceScreen(
                    f"Tail job {job}…",
                    (("job", f"every running allocation of job {job}"), ("group", f"only task group {group}")),
                )
            )
            if choice is None:
                return
            if choice == "group":
                scope = TailScope(namespace, stub.job_id, stub.task_group)
        self.app.push_screen(JobTailScreen(self.client, self.store, scope, self.store_listeners))

    def action_files(self) -> None:
        """`f`: browse the allocation's directory."""
        row = self.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        from nomad_tui.ui.screens.files import FileBrowserScreen

        self.app.push_screen(FileBrowserScreen(self.client, row.id, f"{row.short_id} · {row.job}/{row.group}"))

    def action_exec(self) -> None:
        self._leads_to_dialog(self._exec)

    @work(group="open-exec", exclusive=True, exit_on_error=False)
    async def _exec(self) -> None:
        """`s`: pick a running task (if more than one), edit the command, open a session tab."""
        if self._refuse_if_read_only():
            return
        row = self.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        if row.is_terminal:
            self.app.notify(f"{row.short_id} is {sanitize_line(row.status)}: nothing runs there.", markup=False)
            return
        running = await self._running_tasks(row)
        if running is None:
            return
        if not running:
            self.app.notify(f"{row.short_id} has no running task to exec into.", severity="warning", markup=False)
            return
        heading = f"{row.short_id} · {row.job}/{row.group}"
        task: str | None = running[0]
        if len(running) > 1:
            task = await self.app.push_screen_wait(ExecTaskPickerScreen(heading, running))
        if not task:
            return
        memory = nomad_app(self).exec_commands
        answer = await self.app.push_screen_wait(
            ExecCommandScreen(f"{heading} · task {task}", memory.get(row.namespace, row.job))
        )
        if answer is None:
            return
        self._dialogs_done()
        command, argv = answer
        memory.remember(row.namespace, row.job, command)
        target = ExecTarget(row.id, row.namespace, row.job, task, command, argv)
        await nomad_app(self).open_exec(target)

    def action_sessions(self) -> None:
        """`e`: the exec sessions of this run, to re-attach to one."""
        nomad_app(self).show_exec_sessions()

    def _leads_to_dialog(self, start: Callable[[], Worker[None]]) -> None:
        """Keys that arrive while the action prepares its dialogs go nowhere (ui/key_gate.py): `ctrl+d y`
        in one burst must neither confirm the stop nor open the raw view behind the dialog.  These actions
        are priority bindings (run as the key is read); in the filter or command line their keys are text."""
        if isinstance(self.focused, Input):
            raise SkipAction()
        nomad_app(self).key_gate.hold(start())

    def _dialogs_done(self) -> None:
        """Called by such an action's worker once it has asked everything: keys work again while it goes on."""
        nomad_app(self).key_gate.release(get_current_worker())

    def action_stop(self) -> None:
        self._leads_to_dialog(lambda: self.run_allocation_action(ActionKind.STOP))

    def action_restart(self) -> None:
        self._leads_to_dialog(lambda: self.run_allocation_action(ActionKind.RESTART))

    def action_signal(self) -> None:
        self._leads_to_dialog(lambda: self.run_allocation_action(ActionKind.SIGNAL))

    # Not `exclusive`: a second action must never cancel a running one (its requests would be cut
    # off mid-way, with no report).  While one is being carried out, another is refused, said why.
    @work(group="action", exit_on_error=False)
    async def run_allocation_action(self, kind: ActionKind) -> None:
        if self._refuse_if_read_only():
            return
        busy = self.running_plan
        if busy is not None:
            count = len(busy.runnable)
            what = "allocation" if count == 1 else f"{count} allocations"
            self.app.notify(
                f"{busy.verb()} {what} is still running; its report follows. Try again after it.",
                severity="warning",
                markup=False,
            )
            return
        rows = self._action_rows()
        if not rows:
            self.app.notify("No allocation selected.", markup=False)
            return
        signal = ""
        if kind is ActionKind.SIGNAL:
            picked: str | None = await self.app.push_screen_wait(SignalPickerScreen())
            signal = picked or ""
            if not signal:
                return
        tasks = TaskChoice()
        if kind is not ActionKind.STOP:
            names: tuple[str, ...] = ()
            running: tuple[str, ...] = ()
            if len(rows) == 1 and not rows[0].is_terminal:
                found = await self._task_names(rows[0])
                if found is None:
                    return
                names, running = found
            if len(names) == 1:
                # One task: "all tasks" and "task X" are the same thing; the confirmation names it.
                dead = kind is ActionKind.RESTART and not running
                tasks = TaskChoice(all_tasks=True) if dead else TaskChoice(task=names[0])
            else:
                choice = await self.app.push_screen_wait(TaskPickerScreen(kind, running, bulk=len(rows) > 1))
                if choice is None:
                    return
                tasks = choice
        action_plan = plan_action(kind, rows, tasks=tasks, signal=signal)
        if not action_plan.runnable:
            reasons = "; ".join(f"{t.short_id}: {t.refusal}" for t in action_plan.refused)
            self.app.notify(f"Nothing to {kind.value}: {reasons}", severity="warning", markup=False)
            return
        settings = self.settings
        confirm = ConfirmScreen(
            action_plan,
            require_typed=typed_confirmation(action_plan, settings),
            context_line=context_line(settings),
            color=settings.context_color,
        )
        if not await self.app.push_screen_wait(confirm):
            return
        self._dialogs_done()
        if self.running_plan is not None:  # another one was confirmed while this dialog was open
            self.app.notify(f"Not sent: {action_plan.verb().lower()} waits for the running action.", markup=False)
            return
        self.running_plan = action_plan
        try:
            outcomes = await execute_plan(
                self.client,
                action_plan,
                on_sent=lambda outcome: audit_outcome(self.app, settings, action_plan, outcome),
            )
        finally:
            self.running_plan = None
        self._report(action_plan, outcomes)

    def _report(self, action_plan: Plan, outcomes: list[Outcome]) -> None:
        if len(outcomes) == 1:
            outcome = outcomes[0]
            text = f"{outcome.target.short_id} ({outcome.target.job}): {outcome.message}"
            severity: SeverityLevel = "information" if outcome.ok else "warning" if outcome.unknown else "error"
            self.app.notify(text, severity=severity, markup=False)
        else:
            self.app.push_screen(ResultsScreen(action_plan.verb(), outcomes))
            self.table.marks.clear()
            self.table.refresh()
