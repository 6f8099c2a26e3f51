"""The Textual application: owns the Nomad client and shows the dashboard."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.screen import Screen

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError
from nomad_tui.api.exec_session import HEARTBEAT_INTERVAL
from nomad_tui.api.stats_scheduler import STATS_INTERVAL
from nomad_tui.audit import AuditLog
from nomad_tui.contexts import ContextCatalog
from nomad_tui.sanitize import sanitize_line
from nomad_tui.settings import Settings, SettingsError
from nomad_tui.ui import raw_input
from nomad_tui.ui.key_gate import KeyGate
from nomad_tui.ui.keymap import BY_ID, bindings, keys_of
from nomad_tui.ui.palette import ContextCommands, DashboardCommands, SessionCommands
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.exec import ExecScreen
from nomad_tui.ui.sessions import CommandMemory, ExecTarget
from nomad_tui.ui.widgets.terminal import TerminalView

# App priority bindings (ctrl+q quit, ctrl+p palette) are checked before the focused widget; in a
# live exec terminal those keys belong to the remote (ctrl+p is the shell's history key).
TERMINAL_KEYS_ACTIONS = frozenset({"quit", "command_palette"})
HIDDEN_SYSTEM_COMMANDS = frozenset({"Keys", "Maximize", "Minimize"})


def tune_gc() -> tuple[int, int, int]:
    """Keep the cyclic garbage collector from stalling the event loop.

    Everything built at start-up (Textual, the screen, caches) lives as long as the app: `freeze`
    moves it out of the collector's sight, so a full collection no longer walks it (~20 ms here).
    A busy terminal or a big list makes short-lived objects by the hundred thousand; collecting
    every 700 allocations put 50–60 ms stalls in a `yes` firehose, every 20,000 keeps it under 45 ms
    (bench/exec.py, section 5).  Our data are trees, not cycles, so little waits for the collector.
    Returns the thresholds it replaced, for `restore_gc`.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return previous


def restore_gc(previous: tuple[int, int, int]) -> None:
    """Undo `tune_gc` when the app ends (several apps may run in one process, as in the tests)."""
    gc.unfreeze()
    gc.set_threshold(*previous)


def stylesheet_path() -> Path:
    """styles/app.tcss: inside the wheel (nomad_tui/styles) or, from a checkout, at the repository top."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "styles" / "app.tcss", package.parent / "styles" / "app.tcss"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("styles/app.tcss is missing from the installation")


class NomadTuiApp(App[int]):
    TITLE = "nomad-tui"
    CSS_PATH = stylesheet_path()
    COMMANDS = App.COMMANDS | {DashboardCommands, SessionCommands, ContextCommands}
    # ctrl+c quits like in k9s; the exec terminal captures it first when it has focus.
    BINDINGS = bindings("app")

    def __init__(
        self,
        settings: Settings,
        *,
        client: NomadClient | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
        watch_wait: float = 300.0,
        exec_heartbeat: float = HEARTBEAT_INTERVAL,
        catalog: ContextCatalog | None = None,
        audit: AuditLog | None = None,
        feed_options: Mapping[str, Any] | None = None,
        stats_interval: float = STATS_INTERVAL,
    ) -> None:
        raw_input.install()  # before the driver starts reading keys
        super().__init__()
        self.settings = settings
        self.client = client or NomadClient(settings)
        # The contexts `:ctx` can switch to (none but the current one without a config file), and
        # where every action sent is recorded.
        self.catalog = catalog or ContextCatalog()
        self.audit = audit
        # Injectable clocks: snapshot tests freeze wall time so ages render the same on every run.
        self.clock_ns = clock_ns
        self.monotonic = monotonic
        self.watch_wait = watch_wait
        self.exec_heartbeat = exec_heartbeat
        # The allocation feed's knobs (tests and benchmarks): page sizes, reconciliation pace, and
        # `force_list` for the list-blocking engine alone.
        self.feed_options = dict(feed_options or {})
        self.stats_interval = stats_interval  # 0: no resource-usage sampling (frozen snapshots)
        self.exec_commands = CommandMemory(settings.exec_command)
        self._exec_screen: ExecScreen | None = None
        self._gc_thresholds: tuple[int, int, int] | None = None
        # Where saved logs and exports are suggested (None: the working directory); tests point it elsewhere.
        self.save_dir: Path | None = None
        # Keys of a burst that arrive before a dialog is shown never answer it (ui/key_gate.py).
        self.key_gate = KeyGate(frozenset(keys_of(BY_ID["quit-app"], settings.keymap)))

    def on_mount(self) -> None:
        if self.settings.keymap:
            # [keys] in the config file: binding IDs (see ui/keymap.py) to key strings.
            self.set_keymap(dict(self.settings.keymap))
        self.push_screen(DashboardScreen(self.client))
        self._gc_thresholds = tune_gc()

    async def on_unmount(self) -> None:
        if self._gc_thresholds is not None:
            restore_gc(self._gc_thresholds)
        await self.client.aclose()
        if self.audit is not None:
            self.audit.flush(timeout=2.0)

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, (events.Key, events.Paste))
            and not event.is_forwarded
            and self.key_gate.drops(event, self.screen)
        ):
            return
        await super().on_event(event)

    def on_raw_keys(self, message: raw_input.RawKeys) -> None:
        """Typed bytes for the exec terminal that holds the raw-input gate."""
        raw_input.deliver(self, message)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands without "Keys" (its key panel lists Textual's bindings, not ours:
        `?` is the help) and "Maximize" (it only enlarges the focused widget); "Quit" runs action_quit."""
        for command in super().get_system_commands(screen):
            if command.title not in HIDDEN_SYSTEM_COMMANDS:
                yield command

    def action_quit(self) -> None:  # type: ignore[override]
        self.request_quit()

    def request_quit(self) -> None:
        """Quit; with exec sessions still running, ask first (quitting closes their shells)."""
        self.key_gate.hold(self._quit())

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def _quit(self) -> None:
        live = [label for _, label, running in self.exec_sessions() if running]
        if live:
            count = f"{len(live)} exec session{'s' if len(live) > 1 else ''}"
            question = ConfirmScreen.question(
                f"Quit with {count} running?",
                "Quitting closes them: " + ", ".join(live[:5]) + ("…" if len(live) > 5 else ""),
                confirm="Quit",
            )
            if not await self.push_screen_wait(question):
                return
        self.exit(0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False lets the key go on to the focused widget: the live terminal sends it to the remote.
        if action in TERMINAL_KEYS_ACTIONS:
            focused = self.focused
            if isinstance(focused, TerminalView) and focused.accepts_input:
                return False
        return True

    # ------------------------------------------------------------------------------ exec sessions
    @property
    def exec_screen(self) -> ExecScreen:
        """The one exec screen, installed so that leaving it keeps its sessions running."""
        if self._exec_screen is None:
            self._exec_screen = ExecScreen(self.settings, heartbeat_interval=self.exec_heartbeat)
            self.install_screen(self._exec_screen, name="exec")
        return self._exec_screen

    @property
    def has_exec_sessions(self) -> bool:
        return self._exec_screen is not None and self._exec_screen.is_mounted and bool(self._exec_screen.panes)

    def exec_sessions(self) -> list[tuple[str, str, bool]]:
        """(pane ID, label, live) for every exec session, oldest first."""
        if not self.has_exec_sessions:
            return []
        return [
            (pane.id or "", pane.target.label_with(pane.remote_title), pane.live) for pane in self.exec_screen.panes
        ]

    def show_exec_sessions(self) -> None:
        """The list of sessions; choosing one re-attaches to it."""
        from nomad_tui.ui.screens.exec_dialogs import SessionsScreen

        sessions = self.exec_sessions()
        if not sessions:
            self.notify("No exec sessions yet: s on a running allocation opens one.", markup=False)
            return

        def chosen(pane_id: str | None) -> None:
            if pane_id:
                self.run_worker(self.attach_exec(pane_id), group="exec-attach", exit_on_error=False)

        self.push_screen(SessionsScreen(sessions), chosen)

    async def open_exec(self, target: ExecTarget) -> None:
        """Start a session on `target` in a new tab and show it."""
        if len(self.catalog.names) > 1:  # with several contexts, every tab says which one it is in
            target = replace(target, context=self.settings.context)
        screen = self.exec_screen
        if self.screen is not screen:
            await self.push_screen(screen)
        await screen.open_session(target, self.settings)

    # ------------------------------------------------------------------------------ contexts and regions
    async def switch_context(self, name: str) -> None:
        """`:ctx NAME`: re-target everything at another cluster.  Its token command runs in a thread;
        if it fails, nothing changes and the reason is shown."""
        try:
            self.catalog.initial(name)  # an unknown name is refused before anything runs
            settings = await asyncio.to_thread(self.catalog.settings_for, name)
        except SettingsError as exc:
            self.notify(str(exc), severity="error", markup=False, timeout=8)
            return
        await self.retarget(settings, f"Context {sanitize_line(name)}")

    async def switch_region(self, region: str) -> None:
        """`:region NAME`: the same cluster's servers forward to another region's."""
        try:
            known = await self.client.list_regions()
        except NomadError as exc:
            self.notify(f"Cannot list regions: {exc.message}", severity="error", markup=False)
            return
        if region not in known:
            choices = ", ".join(sanitize_line(r) for r in known) or "none"
            self.notify(f"No region {sanitize_line(region)!r} (known: {choices}).", severity="error", markup=False)
            return
        await self.retarget(self.settings.with_region(region), f"Region {sanitize_line(region)}")

    async def retarget(self, settings: Settings, what: str) -> None:
        """Swap the client and the dashboard (its watchers, detail pane and streams go with it).

        Exec sessions keep running in their tabs, labelled with their context; log panes and dialogs
        of the old target close.  The old client closes once its screen is gone."""
        from nomad_tui.ui.screens.logs import LogsScreen

        old_client = self.client
        closed_logs = False
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            closed_logs = closed_logs or isinstance(self.screen, LogsScreen)
            await self.pop_screen()
        self.settings = settings
        self.client = NomadClient(settings)
        if isinstance(self.screen, DashboardScreen):
            await self.switch_screen(DashboardScreen(self.client))
        else:
            await self.push_screen(DashboardScreen(self.client))
        await old_client.aclose()
        extra = " Log panes of the previous target were closed." if closed_logs else ""
        live = sum(1 for _, _, running in self.exec_sessions() if running)
        if live:
            extra += f" {live} exec session{'s' if live > 1 else ''} keep running in their tabs."
        self.notify(f"{what}: {sanitize_line(settings.display_address)}.{extra}", markup=False)

    async def show_contexts(self) -> None:
        names = self.catalog.names
        current = self.settings.context
        shown = ", ".join(f"[{n}]" if n == current else n for n in names)
        self.notify(f"Contexts: {shown} (:ctx NAME switches)", markup=False, timeout=8)

    async def show_regions(self) -> None:
        try:
            known = await self.client.list_regions()
        except NomadError as exc:
            self.notify(f"Cannot list regions: {exc.message}", severity="error", markup=False)
            return
        shown = ", ".join(sanitize_line(r) for r in known) or "none"
        self.notify(f"Regions: {shown} (:region NAME switches)", markup=False, timeout=8)

    def show_audit(self) -> None:
        from nomad_tui.ui.screens.audit import AuditScreen

        if self.audit is None:
            self.notify("No audit log in this run.", markup=False)
            return
        self.push_screen(AuditScreen(self.audit))

    async def attach_exec(self, pane_id: str) -> None:
        """Show the exec screen with session `pane_id` in front."""
        screen = self.exec_screen
        if self.screen is not screen:
            await self.push_screen(screen)
        pane = screen.pane(pane_id)
        if pane is not None:
            screen.show(pane)
