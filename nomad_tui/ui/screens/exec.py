"""The exec screen: every exec session of this run, one tab each.

The app installs one `ExecScreen` and keeps it: leaving it (`ctrl+]`) pops it off the stack without
removing it, so its sessions go on running and their terminals keep receiving output while the
dashboard is shown.  `SessionsScreen` (or the tabs themselves) bring a session back.

While a live terminal has the focus every key goes to the remote; the few keys of our own are the
detach key (handled by the terminal) and the priority bindings here to change tabs.  Once a
session has ended its terminal lets keys through to the bindings: reconnect, close the tab.
"""

from __future__ import annotations

from itertools import count

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from nomad_tui.api.exec_session import HEARTBEAT_INTERVAL
from nomad_tui.settings import Settings
from nomad_tui.ui.audit_hooks import audit_exec
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.sessions import ExecTarget
from nomad_tui.ui.widgets.exec_pane import ExecPane
from nomad_tui.ui.widgets.terminal import TerminalView


class ExecScreen(Screen[None]):
    BINDINGS = bindings("exec")  # ui/keymap.py (priority keys, and those only for an ended session)

    DEFAULT_CSS = """
    ExecScreen TabbedContent { height: 1fr; }
    ExecScreen TabbedContent > ContentSwitcher { height: 1fr; }
    ExecScreen TabPane { padding: 0; height: 1fr; }
    """

    def __init__(self, settings: Settings, *, heartbeat_interval: float = HEARTBEAT_INTERVAL) -> None:
        super().__init__()
        self.settings = settings
        self.heartbeat_interval = heartbeat_interval
        self._ids = count(1)

    def compose(self) -> ComposeResult:
        yield TabbedContent(id="exec-tabs")
        yield Footer()

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#exec-tabs", TabbedContent)

    @property
    def panes(self) -> list[ExecPane]:
        return list(self.query(ExecPane))

    @property
    def active_pane(self) -> ExecPane | None:
        pane = self.tabs.active_pane
        if pane is None:
            return None
        found = pane.query(ExecPane)
        return found.first() if found else None

    def pane(self, pane_id: str) -> ExecPane | None:
        for pane in self.panes:
            if pane.id == pane_id:
                return pane
        return None

    # ------------------------------------------------------------------ sessions

    async def open_session(self, target: ExecTarget, settings: Settings | None = None) -> ExecPane:
        """A new tab running `target` (on `settings`' cluster: the app's context when it was opened);
        it becomes the active one."""
        number = next(self._ids)
        pane = ExecPane(
            settings or self.settings, target, heartbeat_interval=self.heartbeat_interval, id=f"exec-{number}"
        )
        tab = TabPane(Content(target.label), pane, id=f"tab-exec-{number}")
        await self.tabs.add_pane(tab)
        self.show(pane)
        return pane

    def show(self, pane: ExecPane) -> None:
        """Make `pane` the active tab and give its terminal the focus."""
        tab = pane.parent
        if isinstance(tab, TabPane) and tab.id:
            self.tabs.active = tab.id
        pane.terminal.focus()

    def on_screen_suspend(self) -> None:
        # Leaving the screen (ctrl+], esc) blurs nothing: the terminals must give the keyboard back.
        for pane in self.panes:
            pane.terminal.refresh_raw_gate()

    def on_screen_resume(self) -> None:
        for pane in self.panes:
            pane.terminal.refresh_raw_gate()

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = self.active_pane
        if pane is not None:
            pane.terminal.focus()
        self.refresh_bindings()

    @on(ExecPane.LabelChanged)
    def label_changed(self, message: ExecPane.LabelChanged) -> None:
        tab = message.pane.parent
        if isinstance(tab, TabPane) and tab.id and tab.is_mounted:
            self.tabs.get_tab(tab.id).label = Content(message.pane.label)
        self.refresh_bindings()

    @on(ExecPane.Started)
    def session_started(self, message: ExecPane.Started) -> None:
        audit_exec(self.app, message.pane, "exec-open", result="connecting")

    @on(ExecPane.Ended)
    def session_ended(self, message: ExecPane.Ended) -> None:
        outcome = message.outcome
        audit_exec(self.app, message.pane, "exec-close", result=outcome.describe())
        if self.app.screen is not self:
            label = message.pane.target.label
            self.app.notify(f"Exec {label}: {message.outcome.describe()}", timeout=4, markup=False)

    @on(TerminalView.DetachRequested)
    def detach_requested(self, message: TerminalView.DetachRequested) -> None:
        message.stop()
        self.action_detach()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reconnect", "close_tab", "leave"):
            pane = self.active_pane
            return pane is not None and not pane.live
        return True

    def action_detach(self) -> None:
        if self.app.screen is not self:
            return
        self.app.pop_screen()
        live = sum(1 for pane in self.panes if pane.live)
        if live:
            sessions = "session keeps" if live == 1 else f"{live} sessions keep"
            self.app.notify(f"Exec: {sessions} running · e brings one back", timeout=3, markup=False)

    def action_leave(self) -> None:
        self.action_detach()

    def action_reconnect(self) -> None:
        pane = self.active_pane
        if pane is not None and not pane.live:
            pane.connect()
            pane.terminal.focus()

    async def action_close_tab(self) -> None:
        pane = self.active_pane
        if pane is None:
            return
        pane.close_session()
        tab = pane.parent
        if isinstance(tab, TabPane) and tab.id:
            await self.tabs.remove_pane(tab.id)
        remaining = self.panes
        if remaining:
            self.show(remaining[-1])
        else:
            self.action_detach()

    def action_switch_tab(self, step: int) -> None:
        panes = self.panes
        current = self.active_pane
        if len(panes) < 2 or current is None:
            return
        self.show(panes[(panes.index(current) + step) % len(panes)])
