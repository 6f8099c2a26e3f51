"""What the dashboard does to allocations: stop, signal and restart (one or the marked set, always
confirmed), logs, exec, marks and the read-only switch.  DashboardScreen holds one AllocationActions
(`screen.actions`) and its key actions call it: the screen module is about showing the cluster, this
one about acting on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import SkipAction
from textual.app import App
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, get_current_worker

from nomad_tui.actions import ActionKind, Outcome, Plan, TaskChoice
from nomad_tui.actions import execute as execute_plan
from nomad_tui.actions import plan as plan_action
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError
from nomad_tui.sanitize import sanitize_line
from nomad_tui.state import export
from nomad_tui.state.rows import AllocRow
from nomad_tui.ui.audit_hooks import audit_outcome
from nomad_tui.ui.context_badge import context_line, typed_confirmation
from nomad_tui.ui.key_gate import typed_before_handled
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
    from nomad_tui.ui.screens.dashboard import DashboardScreen


class AllocationActions:
    """Acts on the allocations of `screen` (its client, settings, store, view, table and read-only switch);
    its dialogs and requests run as the screen's workers."""

    def __init__(self, screen: DashboardScreen) -> None:
        self.screen = screen
        # The lifecycle action whose requests are being sent (one at a time; see _carry_out).
        self.running_plan: Plan | None = None
        # Where keys went when the action's key was read (see _start).
        self._typed_ahead_from: Widget | None = None

    @property
    def app(self) -> App[Any]:
        return self.screen.app

    @property
    def client(self) -> NomadClient:
        return self.screen.client

    def allowed(self, action: str) -> bool:
        """False hides the binding from the footer and makes its key do nothing (the screen's check_action)."""
        return not (self.screen.read_only and action in MUTATING_ACTIONS)

    def refuse_if_read_only(self) -> bool:
        if self.screen.read_only:
            self.app.notify(
                "Read-only mode: stop, signal, restart and exec are disabled.", severity="warning", markup=False
            )
        return self.screen.read_only

    def key_pressed(self, event: events.Key) -> None:
        """In read-only mode a key bound to stop, signal, restart or exec says so instead of nothing
        (`check_action` hides those bindings, so the key reaches us unhandled)."""
        if not self.screen.read_only:
            return
        for namespace, bindings in self.screen._binding_chain:
            if namespace is self.screen and any(
                binding.action in MUTATING_ACTIONS for binding in bindings.key_to_bindings.get(event.key, ())
            ):
                event.stop()
                self.refuse_if_read_only()
                return

    def toggle_read_only(self) -> None:
        if self.screen.settings.read_only:
            # Chosen at start (flag, config file or the context): final for this run, as the README says.
            self.app.notify(
                "Started read-only (--read-only or read_only in the config): it stays on until nomad-tui exits.",
                severity="warning",
                markup=False,
            )
            return
        self.screen.read_only = not self.screen.read_only
        self.screen.status_bar.read_only = self.screen.read_only
        self.screen.status_bar.refresh()
        self.screen.refresh_bindings()
        self.app.notify("Read-only mode on." if self.screen.read_only else "Read-only mode off.", markup=False)

    def mark(self) -> None:
        self.screen.table.toggle_mark()
        self.screen.table.action_cursor_down()

    def clear_marks(self) -> None:
        self.screen.table.marks.clear()
        self.screen.table.refresh()

    def _action_rows(self) -> list[AllocRow]:
        """The marked allocations (in list order), else the one under the cursor."""
        table = self.screen.table
        marked = [self.screen.store.row(a) for a in self.screen.view.ids() if a in table.marks]
        if marked:
            return marked
        row = table.cursor_row
        return [row] if row is not None else []

    async def _task_names(self, row: AllocRow) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(all tasks, running tasks) of `row`, raw names as the API wants them (sanitise to display):
        from the list, the detail pane, or one read."""
        stub = self.screen.store.stubs.get(row.id)
        states: dict[str, Any] | None = stub.task_states if stub is not None else None
        if not states:
            alloc = self.screen.detail.alloc
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

    def logs(self) -> None:
        self._start(self._logs(), "open-logs")

    async def _logs(self) -> None:
        row = self.screen.table.cursor_row
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

    def copy_id(self) -> None:
        """`c`: the selected allocation's full ID to the clipboard (the terminal's OSC 52 sequence)."""
        row = self.screen.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        alloc_id = sanitize_line(row.id)
        self.app.copy_to_clipboard(alloc_id)
        self.app.notify(f"Copied {alloc_id} (if the terminal allows clipboard writes).", timeout=3, markup=False)

    def open_web(self) -> None:
        self._start(self._open_web(), "open-web")

    async def _open_web(self) -> None:
        """`o`: the allocation in Nomad's web UI, in a graphical browser; else the URL is shown and copied."""
        row = self.screen.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        url = allocation_url(self.screen.settings, row.id)
        if url is None:
            self.app.notify("The agent is on a unix socket: its web UI has no address to open.", markup=False)
            return
        browser = graphical_browser()
        if browser is not None and await asyncio.to_thread(browser.open, url):
            self.app.notify(f"Opened {url}", timeout=4, markup=False)
            return
        self.app.copy_to_clipboard(url)
        self.app.notify(f"No graphical browser here; the URL (copied): {url}", timeout=10, markup=False)

    def export(self) -> None:
        self._leads_to_dialog(lambda: self._start(self._export(), "export"))

    async def _export(self) -> None:
        """`ctrl+s`: the current view (filter and sort), every column and full IDs, as CSV."""
        rows = list(export.view_rows(self.screen.store, self.screen.view))
        if not rows:
            self.app.notify("No allocations in this view to export.", markup=False)
            return
        suggested = save_dir(self.app) / file_name(
            "allocations", self.screen.namespace.replace("*", "all"), suffix=".csv"
        )
        path = await ask_path(self.app, f"Export {len(rows)} allocations (this view, as CSV) to", suggested)
        self._dialogs_done()
        if path is not None:
            await write_text(self.app, path, export.to_csv(rows), f"{len(rows)} allocations")

    def tail_job(self) -> None:
        self._leads_to_dialog(lambda: self._start(self._tail_job(), "open-tail"))

    async def _tail_job(self) -> None:
        """`L`: every running allocation of the selected allocation's job (or of its task group) in one pane."""
        stub = self.screen.store.stubs.get(self.screen.table.cursor_id or "")
        if stub is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        from nomad_tui.ui.screens.job_tail import JobTailScreen, TailScope

        namespace = stub.namespace or "default"
        scope = TailScope(namespace, stub.job_id)
        groups = {s.task_group for s in self.screen.store if scope.matches(s)}
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
        self.app.push_screen(JobTailScreen(self.client, self.screen.store, scope, self.screen.store_listeners))

    def files(self) -> None:
        """`f`: browse the allocation's directory."""
        row = self.screen.table.cursor_row
        if row is None:
            self.app.notify("No allocation selected.", markup=False)
            return
        from nomad_tui.ui.screens.files import FileBrowserScreen

        self.app.push_screen(FileBrowserScreen(self.client, row.id, f"{row.short_id} · {row.job}/{row.group}"))

    def exec(self) -> None:
        self._leads_to_dialog(lambda: self._start(self._exec(), "open-exec"))

    async def _exec(self) -> None:
        """`s`: pick a running task (if more than one), edit the command, open a session tab."""
        if self.refuse_if_read_only():
            return
        row = self.screen.table.cursor_row
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
        memory = nomad_app(self.screen).exec_commands
        answer = await self.app.push_screen_wait(
            ExecCommandScreen(f"{heading} · task {task}", memory.get(row.namespace, row.job))
        )
        if answer is None:
            return
        self._dialogs_done()
        command, argv = answer
        memory.remember(row.namespace, row.job, command)
        target = ExecTarget(row.id, row.namespace, row.job, task, command, argv)
        await nomad_app(self.screen).open_exec(target)

    def sessions(self) -> None:
        """`e`: the exec sessions of this run, to re-attach to one."""
        nomad_app(self.screen).show_exec_sessions()

    def _start(self, work: Coroutine[Any, Any, None], group: str, *, exclusive: bool = True) -> Worker[None]:
        """Run one of the actions' coroutines as a worker of the screen (dialogs are awaited in workers),
        once the keys read before it have run (`j ctrl+d` in one burst stops the row `j` moved to)."""
        typed_ahead_from, self._typed_ahead_from = self._typed_ahead_from, None

        async def in_order() -> None:
            await typed_before_handled(self.app, typed_ahead_from or self.screen)
            await work

        return self.screen.run_worker(in_order(), group=group, exclusive=exclusive, exit_on_error=False)

    def _leads_to_dialog(self, start: Callable[[], Worker[None]]) -> None:
        """Keys that arrive while the action prepares its dialogs go nowhere (ui/key_gate.py): `ctrl+d y`
        in one burst must neither confirm the stop nor open the raw view behind the dialog.  These actions
        are priority bindings (run as the key is read); in the filter or command line their keys are text."""
        if isinstance(self.screen.focused, Input):
            raise SkipAction()
        self._typed_ahead_from = self.screen.focused
        nomad_app(self.screen).key_gate.hold(start())

    def _dialogs_done(self) -> None:
        """Called by such an action's worker once it has asked everything: keys work again while it goes on."""
        nomad_app(self.screen).key_gate.release(get_current_worker())

    def stop(self) -> None:
        self._leads_to_dialog(lambda: self._start(self._carry_out(ActionKind.STOP), "action", exclusive=False))

    def restart(self) -> None:
        self._leads_to_dialog(lambda: self._start(self._carry_out(ActionKind.RESTART), "action", exclusive=False))

    def signal(self) -> None:
        self._leads_to_dialog(lambda: self._start(self._carry_out(ActionKind.SIGNAL), "action", exclusive=False))

    # Not `exclusive`: a second action must never cancel a running one (its requests would be cut
    # off mid-way, with no report).  While one is being carried out, another is refused, said why.
    async def _carry_out(self, kind: ActionKind) -> None:
        if self.refuse_if_read_only():
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
        settings = self.screen.settings
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
            self.screen.table.marks.clear()
            self.screen.table.refresh()
