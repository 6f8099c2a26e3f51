"""`ExecPane`: one exec session's terminal and status line, wired to an `ExecSession`.

The pane owns the connection (a worker running `ExecSession.run()`); the terminal widget only turns
keys into bytes and bytes into cells.  Typed input passes through the `~.` escape detector first;
the emulator's own answers to the remote's queries (`reply=True`) go straight to stdin.

When a session ends the terminal stops taking keys, so they reach the exec screen's bindings
(reconnect, close the tab), and its last screen stays visible.  A reconnect is a new session with
the same allocation, task and command, drawn on the same terminal after resetting the modes the
old remote may have left on.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from nomad_tui.api.exec_session import HEARTBEAT_INTERVAL, ExecOutcome, ExecSession
from nomad_tui.sanitize import sanitize_line, truncate
from nomad_tui.settings import Settings
from nomad_tui.term.escape import EscapeDetector
from nomad_tui.ui.sessions import ExecTarget
from nomad_tui.ui.widgets.terminal import TerminalView

# Leave the alternate screen and switch off every input mode a remote may have set (cursor keys,
# keypad, bracketed paste, mouse, focus events), show the cursor, reset colours and the scroll
# region: what the next session's shell expects of a fresh terminal.  Our own bytes, not the remote's.
SOFT_RESET = (
    b"\x1b[?1049l\x1b[?1l\x1b>\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?25h\x1b[r\x1b[0m"
)


class ExecPane(Vertical):
    DEFAULT_CSS = """
    ExecPane { height: 1fr; }
    ExecPane > .exec-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    ExecPane > .exec-status.-ended { color: $text-warning; text-style: bold; }
    """

    class LabelChanged(Message):
        """The tab label should change (the remote's title, or the session ended)."""

        def __init__(self, pane: ExecPane) -> None:
            super().__init__()
            self.pane = pane

    class Started(Message):
        """A session (first or reconnected) is being opened: the moment an exec is sent."""

        def __init__(self, pane: ExecPane) -> None:
            super().__init__()
            self.pane = pane

    class Ended(Message):
        def __init__(self, pane: ExecPane, outcome: ExecOutcome) -> None:
            super().__init__()
            self.pane = pane
            self.outcome = outcome

    def __init__(
        self,
        settings: Settings,
        target: ExecTarget,
        *,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.settings = settings
        self.target = target
        self.heartbeat_interval = heartbeat_interval
        self.terminal = TerminalView(raw_keys=True)
        self.session: ExecSession | None = None
        self.escapes = EscapeDetector()
        self.remote_title = ""
        self.outcome: ExecOutcome | None = None
        self.connections = 0

    def compose(self) -> ComposeResult:
        yield self.terminal
        yield Static(Text(""), classes="exec-status")

    # ------------------------------------------------------------------ state

    @property
    def live(self) -> bool:
        return self.session is not None and self.outcome is None

    @property
    def label(self) -> str:
        label = self.target.label_with(self.remote_title)
        return label if self.outcome is None else f"{label} · ended"

    def status_text(self) -> str:
        return str(self.query_one(".exec-status", Static).render())

    def _set_status(self, text: str, *, ended: bool = False) -> None:
        status = self.query_one(".exec-status", Static)
        status.update(Text(text))
        status.set_class(ended, "-ended")

    # ------------------------------------------------------------------ connecting

    def connect(self) -> None:
        """Start a session (again): same allocation, task and command."""
        if self.live:
            return
        target = self.target
        self.session = ExecSession(
            self.settings,
            target.alloc_id,
            target.task,
            target.argv,
            namespace=target.namespace,
            on_output=self.terminal.feed,
            on_encoded_output=self.terminal.feed_base64,
            on_open=self._show_connected,
            heartbeat_interval=self.heartbeat_interval,
        )
        if self.terminal.size.width and self.terminal.size.height:
            self.session.resize(self.terminal.size.width, self.terminal.size.height)
        if self.connections:
            self.terminal.feed(SOFT_RESET + b"\r\n")
        self.connections += 1
        self.outcome = None
        self.escapes = EscapeDetector()
        self.terminal.accepts_input = True
        self._set_status(f"{self.target.label} · connecting… · ctrl+] dashboard")
        self.post_message(self.LabelChanged(self))
        self.post_message(self.Started(self))
        self.run_worker(self._run(self.session), group="exec-session", exclusive=True, exit_on_error=False)

    async def _run(self, session: ExecSession) -> None:
        outcome = await session.run()
        if session is self.session and self.is_attached:  # not for a tab being closed
            self._ended(outcome)

    def _show_connected(self) -> None:
        command = truncate(sanitize_line(self.target.command), 40)
        self._set_status(f"{self.target.label} · {command} · ctrl+] dashboard · ~. close (at a line start)")

    def _ended(self, outcome: ExecOutcome) -> None:
        self.outcome = outcome
        self.terminal.accepts_input = False
        what = outcome.describe()
        self._set_status(f"{what} · r reconnect · w close tab · esc dashboard", ended=True)
        # The end is also written into the terminal, where the scrollback keeps it across reconnects.
        self.terminal.feed(b"\x1b[?1049l\r\n\x1b[0;7m[" + what.encode("utf-8", "replace") + b"]\x1b[0m\r\n")
        self.post_message(self.LabelChanged(self))
        self.post_message(self.Ended(self, outcome))

    def close_session(self) -> None:
        if self.session is not None and self.live:
            self.session.close()

    # ------------------------------------------------------------------ terminal messages

    def on_terminal_view_input(self, message: TerminalView.Input) -> None:
        message.stop()
        session = self.session
        if session is None or not self.live:
            return
        if message.reply:
            session.write(message.data)
            return
        filtered = self.escapes.feed(message.data)
        if filtered.data:
            session.write(filtered.data)
        if filtered.close:
            session.close()

    def on_terminal_view_resized(self, message: TerminalView.Resized) -> None:
        message.stop()
        if self.session is None:
            # The first session starts once the terminal knows its size, so the remote starts at it.
            self.connect()
        if self.session is not None:
            self.session.resize(message.cols, message.rows)

    def on_terminal_view_title_changed(self, message: TerminalView.TitleChanged) -> None:
        message.stop()
        self.remote_title = message.title
        self.post_message(self.LabelChanged(self))
