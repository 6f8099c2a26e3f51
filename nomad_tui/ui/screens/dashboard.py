"""The dashboard: status bar, allocation list, detail panes, filter and command lines.

Watchers (workers) fetch and post messages; this screen applies a list to the store and the view in
one step on the event loop, then tells the widgets to repaint.  No widget makes a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from nomad_tui.api.backoff import BACKOFF_CAP, backoff_ceiling
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError, Unexpected
from nomad_tui.api.feed import Progress, Upserts
from nomad_tui.api.models import Allocation
from nomad_tui.api.stats_scheduler import STATS_INTERVAL, StatsError, StatsScheduler
from nomad_tui.sanitize import describe_exception, is_clean_line, sanitize_line
from nomad_tui.settings import IMPLICIT_CONTEXT
from nomad_tui.state.activity import ActivityEntry, ActivityFeed
from nomad_tui.state.alloc_columns import NEWEST_FIRST
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.state.store import AllocStore, Diff
from nomad_tui.state.usage import UsageBook, cpu_cell, limits_of, memory_cell
from nomad_tui.state.view import SORT_KEYS, AllocView, SortSpec
from nomad_tui.ui import commands
from nomad_tui.ui.context_badge import status_badge
from nomad_tui.ui.feed_watcher import AllocFeedWatcher
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.messages import (
    AllocDetailFetched,
    AllocDetailGone,
    AllocFeedItem,
    AllocListFetched,
    DetailConnectionChanged,
    ListConnectionChanged,
    NamespaceSubstituted,
)
from nomad_tui.ui.screens.dashboard_actions import AllocationActions
from nomad_tui.ui.typed_app import nomad_app
from nomad_tui.ui.usage_text import usage_text
from nomad_tui.ui.views import Drill
from nomad_tui.ui.watchers import AllocDetailWatcher
from nomad_tui.ui.widgets.alloc_table import COLUMNS, AllocTable
from nomad_tui.ui.widgets.detail import DetailPanel
from nomad_tui.ui.widgets.footer import AppFooter
from nomad_tui.ui.widgets.prompt import PromptLine, filter_and_command_lines
from nomad_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from nomad_tui.ui.app import NomadTuiApp

WATCHER_RESTART_CAP = BACKOFF_CAP


def watcher_restart_delay(attempt: int) -> float:
    """A crashed watcher restarts after the common backoff (no jitter: one watcher, one restart)."""
    return backoff_ceiling(attempt)


DETAIL_DEBOUNCE = 0.15  # seconds the cursor must rest before the detail query moves to it
FILTER_DEBOUNCE = 0.15
USAGE_MARGIN = 3  # rows above and below the screen whose usage is sampled too (about to scroll in)
MAX_EXPLAINING = 8  # failures whose reason is being read at once; more are listed without it
USAGE_VISIBILITY_CHECK = 0.5  # seconds between two looks at which rows are on screen
USAGE_APPLY_WAIT = 1.0  # seconds a sample waits at most for the rest of its round before it is shown

SORT_ORDER = [c.key for c in COLUMNS if c.key in SORT_KEYS]


class ListPane(Vertical):
    """The breadcrumb and the allocation list.  Blank (no border, no content of its own): Textual
    paints it without its styles machinery, in every frame that touches the list."""

    BLANK = True


class DashboardScreen(Screen[None]):
    BINDINGS = bindings("dashboard")  # keys, footer, help and palette: ui/keymap.py
    # The screen's own layer is its background (opaque: it is never shown through another screen's),
    # and Textual paints it in every frame: blank, it is painted without the styles machinery.
    BLANK = True

    DEFAULT_CSS = """
    DashboardScreen #list-pane { height: 3fr; min-height: 5; }
    DashboardScreen DetailPanel { height: 2fr; min-height: 6; }
    DashboardScreen #breadcrumb { display: none; height: 1; padding: 0 1; background: $panel; }
    DashboardScreen #breadcrumb.-visible { display: block; }
    """

    def __init__(self, client: NomadClient) -> None:
        super().__init__()
        self.client = client
        self.settings = client.settings
        self.namespace = self.settings.namespace
        self.store = AllocStore()
        self.view = AllocView(self.store)
        self.list_watcher: AllocFeedWatcher | None = None
        self.detail_watcher: AllocDetailWatcher | None = None
        self.generation = 0
        self.list_state = ConnectionState()
        self.detail_state = ConnectionState()
        self.first_list_seen = False
        self._detail_timer: Timer | None = None
        self._filter_timer: Timer | None = None
        self.read_only = self.settings.read_only
        # Screens that follow the store's changes (the job-wide tail): called with each applied diff.
        self.store_listeners: list[Callable[[Diff | None], None]] = []
        self.usage = UsageBook()
        self.stats: StatsScheduler | None = None
        self._usage_inbox: list[tuple[str, object, float]] = []  # (allocation, sample, when it came)
        # Stop, signal, restart, logs, exec, files, marks, read-only: what the keys below do to allocations.
        self.actions = AllocationActions(self)
        # The activity feed follows the same diffs as the list (no connection of its own).
        self.activity = ActivityFeed()
        self.store_listeners.append(self._activity_changed)
        self._explaining: set[str] = set()
        self.breadcrumb: str | None = None  # the view we drilled in from ("jobs", "nodes"), for esc
        self.known_namespaces: list[str] | None = None  # from /v1/namespaces, when the server answers
        self._denial_hint: str | None = None  # why the list is refused, once worked out
        # Crashed watchers: consecutive crashes per worker group, and the pending restarts.
        self.watcher_crashes: dict[str, int] = {}
        self._restart_timers: dict[str, Timer] = {}
        self._table: AllocTable | None = None
        self._detail: DetailPanel | None = None
        self._status_bar: StatusBar | None = None

    # ------------------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        app = nomad_app(self)
        yield StatusBar(
            self.settings.display_address,
            self.settings.region,
            self.namespace,
            read_only=self.read_only,
            clock=app.monotonic,
            context=status_badge(self.settings),
            id="status-bar",
        )
        with ListPane(id="list-pane"):
            yield Static(id="breadcrumb")
            yield AllocTable(self.view, clock_ns=app.clock_ns, id="alloc-table")
        yield DetailPanel(clock=self._now, id="detail")
        yield from filter_and_command_lines(
            "words, status:failed, job:web, !node:x …",
            "jobs · nodes · ns NAME · sort COLUMN · alloc PREFIX · help · q",
            commands.COMPLETIONS,
        )
        yield AppFooter()

    # The three widgets every event touches, looked up once: a DOM query per event adds up at scale.
    @property
    def table(self) -> AllocTable:
        if self._table is None:
            self._table = self.query_one(AllocTable)
        return self._table

    @property
    def detail(self) -> DetailPanel:
        if self._detail is None:
            self._detail = self.query_one(DetailPanel)
        return self._detail

    @property
    def status_bar(self) -> StatusBar:
        if self._status_bar is None:
            self._status_bar = self.query_one(StatusBar)
        return self._status_bar

    def on_mount(self) -> None:
        self.table.focus()
        self.table.loading = True
        self.start_list_watcher()
        self.run_worker(self.fetch_namespaces(), group="namespaces", exit_on_error=False)
        self.run_worker(self._read_agent_info(), group="agent-region", exit_on_error=False)
        self.set_interval(1.0, self._tick)
        interval = getattr(self.app, "stats_interval", STATS_INTERVAL)
        if interval:
            self.table.usage = self.usage
            self.stats = StatsScheduler(self._fetch_usage, self._usage_arrived, interval=interval)
            self.run_worker(self.stats.run(), group="stats", exit_on_error=False)
            self.set_interval(USAGE_VISIBILITY_CHECK, self._follow_visible_rows)

    def _tick(self) -> None:
        """One clock for the ages in the list and the status bar: their repaints share a frame."""
        self.table.tick()
        self.status_bar.tick()

    async def _read_agent_info(self) -> None:
        """The agent's Nomad version, and with no region asked for its own region (not "the agent's")."""
        try:
            info = await self.client.agent_info()
        except NomadError:
            return  # a locked-down agent (agent:read): the status bar keeps saying "region (agent's)"
        if not self.settings.region:
            self.status_bar.agent_region = info.region
        self.status_bar.agent_version = info.version_text
        self.status_bar.refresh()

    # ------------------------------------------------------------------------------ activity
    def _activity_changed(self, diff: Diff | None) -> None:
        if diff is None:
            self.activity.reset()
            return
        if self.activity.observe(self.store, diff):
            self._refresh_activity()

    def _explain_failures(self, entries: list[ActivityEntry]) -> None:
        """The activity screen shows these failures: read why each failed, a few at a time."""
        for entry in entries:
            if len(self._explaining) >= MAX_EXPLAINING:
                return  # the rest when these are done
            if entry.alloc_id in self._explaining:
                continue
            entry.asked = True
            self._explaining.add(entry.alloc_id)
            self.run_worker(self._explain(entry), group="explain", exit_on_error=False)

    async def _explain(self, entry: ActivityEntry) -> None:
        """A failure says why: the newest task event's message, from the full allocation."""
        try:
            alloc = (await self.client.read_allocation(entry.alloc_id)).value
        except NomadError:
            return
        finally:
            self._explaining.discard(entry.alloc_id)
            self._ask_more_reasons()
        events = [e for state in (alloc.task_states or {}).values() for e in (state.events or [])]
        latest = max(events, key=lambda e: e.time, default=None)
        if latest is not None:
            self.activity.explain(entry, sanitize_line(f"{latest.type}: {latest.text()}"))
            self._refresh_activity()

    def _ask_more_reasons(self) -> None:
        from nomad_tui.ui.screens.activity import ActivityScreen

        screen = self.app.screen
        if isinstance(screen, ActivityScreen):
            screen.ask_reasons()

    def _refresh_activity(self) -> None:
        from nomad_tui.ui.screens.activity import ActivityScreen

        screen = self.app.screen
        if isinstance(screen, ActivityScreen):
            screen.refresh_entries(self.app.clock_ns())  # type: ignore[attr-defined]

    def action_activity(self, cluster: bool) -> None:
        """`v`: the selected allocation's job; `V`: the whole cluster.  `enter` there selects it here."""
        from nomad_tui.ui.screens.activity import ActivityScreen

        row = self.table.cursor_row
        if not cluster and row is None:
            self.app.notify("No allocation selected: V shows the whole cluster's activity.", markup=False)
            return
        job = None if cluster or row is None else row.job
        namespace = None if cluster or row is None else row.namespace

        def chosen(alloc_id: str | None) -> None:
            if alloc_id and not self.table.select_id(alloc_id):
                self._apply_filter("")
                self.query_one("#filter", Input).value = ""
                if not self.table.select_id(alloc_id):
                    self.app.notify("That allocation is gone (garbage-collected).", severity="warning", markup=False)

        screen = ActivityScreen(
            self.activity,
            namespace=namespace,
            job=job,
            now_ns=self.app.clock_ns(),  # type: ignore[attr-defined]
            explain=self._explain_failures,
        )
        self.app.push_screen(screen, chosen)

    # ------------------------------------------------------------------------------ resource usage
    async def on_unmount(self) -> None:
        # Before the app closes the client: no usage request may still be running on it.
        if self.stats is not None:
            await self.stats.close()

    def _follow_visible_rows(self) -> None:
        """Apply the samples that arrived; say which running allocations are on screen (O(visible rows))."""
        # A round of samples is applied once it is read (one repaint per round), or after
        # USAGE_APPLY_WAIT if a slow request keeps the round open.
        inbox = self._usage_inbox
        if inbox and (self.stats is None or not self.stats.busy or time.monotonic() - inbox[0][2] > USAGE_APPLY_WAIT):
            self._apply_usage()
        if self.stats is None or self.app.screen is not self:
            if self.stats is not None:
                self.stats.want(set())
            return
        store = self.store
        wanted = {
            alloc_id
            for alloc_id in self.table.visible_ids(USAGE_MARGIN)
            if alloc_id in store.stubs and store.stubs[alloc_id].client_status == "running"
        }
        self.stats.want(wanted)
        self.usage.keep_only(wanted)

    async def _fetch_usage(self, alloc_id: str) -> object:
        limits = self.usage.limits.get(alloc_id)
        if limits is None:
            limits = limits_of((await self.client.read_allocation(alloc_id)).value)
        return limits, await self.client.allocation_stats(alloc_id)

    def _usage_arrived(self, alloc_id: str, result: object) -> None:
        # Samples wait in an inbox that the visibility timer drains once their round is read: the
        # screen repaints for usage about once a round, whatever the number of rows (a repaint per
        # sample cost ~3x more CPU).
        self._usage_inbox.append((alloc_id, result, time.monotonic()))

    def _apply_usage(self) -> None:
        inbox, self._usage_inbox = self._usage_inbox, []
        table = self.table
        for alloc_id, result, _ in inbox:
            before = self.usage.latest.get(alloc_id)
            shown = (cpu_cell(before), memory_cell(before)) if before is not None else None
            if isinstance(result, StatsError):
                after = self.usage.failed(alloc_id, result.message)
            elif isinstance(result, tuple):
                after = self.usage.record(alloc_id, *result)
            else:
                continue
            if (cpu_cell(after), memory_cell(after)) != shown:
                table.refresh_row(alloc_id)  # one line, and only when what it shows changed
            if alloc_id == self.detail.alloc_id:
                self.detail.show_usage(usage_text(self.usage, alloc_id))

    # ------------------------------------------------------------------------------ watchers
    def start_list_watcher(self) -> None:
        timer = self._restart_timers.pop("list", None)
        if timer is not None:
            timer.stop()
        self.generation += 1
        options = dict(nomad_app(self).feed_options)
        self.list_watcher = AllocFeedWatcher(
            self.client,
            self.namespace,
            self.post_message,
            generation=self.generation,
            wait=nomad_app(self).watch_wait,
            clock=nomad_app(self).monotonic,
            force_list=bool(options.pop("force_list", False)),
            held=self.store.modify_index,
            newest_in=self.store.newest_in,
            feed_options=options,
        )
        self.run_worker(self.list_watcher.run(), group="list", exclusive=True, exit_on_error=False)

    def start_detail_watcher(self, alloc_id: str) -> None:
        stub = self.store.stubs.get(alloc_id)
        self.detail_watcher = AllocDetailWatcher(
            self.client,
            alloc_id,
            self.post_message,
            wait=nomad_app(self).watch_wait,
            clock=nomad_app(self).monotonic,
            namespace=stub.namespace if stub is not None and stub.namespace else None,
        )
        self.detail_state = ConnectionState()
        self.run_worker(self.detail_watcher.run(), group="detail", exclusive=True, exit_on_error=False)

    def stop_detail_watcher(self) -> None:
        self.detail_watcher = None
        self.workers.cancel_group(self, "detail")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A worker that dies of a bug must not take the app with it, nor come back at once (a
        # watcher that fails on every answer would spin): say so once, show it in the status bar or
        # the detail banner, and restart it after a growing delay, reset by its next good answer.
        if event.state is not WorkerState.ERROR:
            return
        group = event.worker.group
        error = describe_exception(event.worker.error)
        if group not in ("list", "detail"):
            self.app.notify(f"Internal error in {group}: {error}", severity="error", markup=False)
            return
        attempt = self.watcher_crashes.get(group, 0) + 1
        self.watcher_crashes[group] = attempt
        delay = watcher_restart_delay(attempt)
        if attempt == 1:
            self.app.notify(f"Internal error in {group}: {error}; restarting", severity="error", markup=False)
        retry_at = nomad_app(self).monotonic() + delay
        if group == "list":
            self.list_state = ConnectionState.failed(self.list_state, Unexpected(error), attempt, retry_at)
            self.status_bar.update_state(self.list_state)
            self._schedule_restart(group, delay, self.start_list_watcher)
        elif self.detail.alloc_id:
            alloc_id = self.detail.alloc_id
            self.post_message(
                DetailConnectionChanged(
                    alloc_id, ConnectionState.failed(self.detail_state, Unexpected(error), attempt, retry_at)
                )
            )
            self._schedule_restart(group, delay, lambda: self._restart_detail(alloc_id))

    def _schedule_restart(self, group: str, delay: float, restart: Callable[[], None]) -> None:
        previous = self._restart_timers.pop(group, None)
        if previous is not None:
            previous.stop()
        self._restart_timers[group] = self.set_timer(delay, restart)

    def _restart_detail(self, alloc_id: str) -> None:
        if self.detail.alloc_id == alloc_id and self.table.cursor_id == alloc_id:
            self.start_detail_watcher(alloc_id)

    # ------------------------------------------------------------------------------ list updates
    @on(AllocListFetched)
    def apply_list(self, message: AllocListFetched) -> None:
        if message.generation != self.generation:
            return  # from a watcher we replaced (namespace switch)
        self._show_diff(self.store.apply_list(message.stubs, index=message.meta.index))

    @on(AllocFeedItem)
    def apply_feed_item(self, message: AllocFeedItem) -> None:
        """Pages, events and reconciliations from the feed: all through the store's diff."""
        if message.generation != self.generation:
            return
        item = message.item
        if isinstance(item, Progress):
            self.status_bar.update_loading(None if item.done else (item.loaded, item.estimate))
            return
        if isinstance(item, Upserts):
            diff = self.store.upsert(item.stubs)
        else:
            diff = self.store.reconcile(item.stubs, index=item.index, since=item.since, ids=item.ids, reset=item.reset)
        self._show_diff(diff)

    def _show_diff(self, diff: Diff) -> None:
        self.watcher_crashes.pop("list", None)  # a good answer: a crashed watcher's restarts start over
        table = self.table
        first = not self.first_list_seen
        if first:
            self.first_list_seen = True
            table.loading = False
            if self.focused is None:
                # The loading overlay took the focus (start, `:ns`, a palette switch): give it back,
                # or j/k/arrows do nothing until esc.
                table.focus()
        self._update_empty_message()
        moved = bool(diff) and self.view.apply(diff)
        if diff.removed:
            table.prune_marks()
        if diff:
            for listener in list(self.store_listeners):
                listener(diff)
        if moved or first:
            table.data_changed(remeasure=first, touched=[*diff.added, *diff.changed])
        elif diff.changed:
            # Rows rewritten in place (the common event): repaint just those lines, if on screen.
            table.rows_changed(diff.changed)
        self._update_counts()

    def _update_counts(self) -> None:
        store = self.store
        total = len(store)
        known = store.task_states_known if total else 0
        partial = (known, total) if known < total else None
        self.table.set_task_coverage(partial)
        self.status_bar.update_counts(total, len(self.view), tasks_known=known if partial else None)

    @on(NamespaceSubstituted)
    def namespace_substituted(self, message: NamespaceSubstituted) -> None:
        if message.generation != self.generation:
            return
        self.status_bar.namespace_note = f"{message.watched}: {message.reason}"
        self.status_bar.refresh()

    @on(ListConnectionChanged)
    def list_connection(self, message: ListConnectionChanged) -> None:
        if message.generation != self.generation:
            return
        self.list_state = message.state
        self.status_bar.update_state(message.state)
        table = self.table
        if message.state.phase is Phase.RETRYING and not self.first_list_seen:
            table.loading = False
            table.empty_message = self._failure_hint(message.state)
            table.refresh()

    def _failure_hint(self, state: ConnectionState) -> str:
        if state.error_kind == "permission denied":
            if self._denial_hint is None:
                self._denial_hint = ""
                self.run_worker(self._explain_denial(), group="denial", exclusive=True, exit_on_error=False)
            return self._denial_hint or f"Permission denied: the token {self._cannot_read()}. Retrying…"
        return f"Cannot list allocations: {state.error_kind}: {state.error}. Retrying…"

    def _cannot_read(self) -> str:
        ns = "any namespace" if self.namespace == "*" else f"namespace {sanitize_line(self.namespace)}"
        return f"cannot read allocations in {ns} (needs read-job)"

    async def _explain_denial(self) -> None:
        """A missing token, a token the cluster does not know and a token without read-job are three
        different mistakes: word each its own way (the list's 403 says only "Permission denied")."""
        from nomad_tui.api.errors import PermissionDenied

        if not self.settings.token:
            where = "NOMAD_TOKEN is not set" if self.settings.context == IMPLICIT_CONTEXT else "the context gives none"
            hint = f"no ACL token was given ({where}), and anonymous access {self._cannot_read()}"
        else:
            try:
                name = await self.client.token_name()
            except PermissionDenied:
                hint = "the cluster does not know this token (wrong, expired or revoked; check NOMAD_TOKEN)"
            except NomadError:
                hint = f"the token {self._cannot_read()}"
            else:
                who = f"the token {sanitize_line(name)!r}" if name else "the token"
                hint = f"{who} {self._cannot_read()}"
        self._denial_hint = f"Permission denied: {hint}. Retrying…"
        if not self.first_list_seen and self.list_state.error_kind == "permission denied":
            self.table.empty_message = self._denial_hint
            self.table.refresh()

    # ------------------------------------------------------------------------------ detail
    @on(AllocTable.Highlighted)
    def cursor_moved(self, message: AllocTable.Highlighted) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        alloc_id = message.alloc_id
        if message.vanished is not None:
            # The allocation under the cursor was garbage-collected and the cursor moved on: the detail
            # pane follows the cursor at once (stop, logs, exec act on the cursor's row, never on a
            # pane left showing the vanished one), and says where the old one went.
            row = self.store.get(alloc_id) if alloc_id is not None else None
            now_on = f"; the cursor is now on {row.short_id}" if row is not None else ""
            self.app.notify(
                f"Allocation {sanitize_line(message.vanished[:8])} no longer exists (garbage-collected){now_on}.",
                markup=False,
            )
        if alloc_id is None:
            self.stop_detail_watcher()
            self.detail.show_nothing()
            return
        row = self.store.get(alloc_id)
        self.detail.show_loading(alloc_id, row.short_id if row else alloc_id[:8])
        self._detail_timer = self.set_timer(DETAIL_DEBOUNCE, lambda: self._follow(alloc_id))

    def _follow(self, alloc_id: str) -> None:
        if self.table.cursor_id == alloc_id and (
            self.detail_watcher is None or self.detail_watcher.alloc_id != alloc_id
        ):
            self.start_detail_watcher(alloc_id)

    def _detail_status(self, alloc: Allocation) -> Text:
        state = self.detail_state
        text = Text(f"Allocation {sanitize_line(alloc.id[:8])} · {sanitize_line(alloc.name)}", style="bold")
        now = nomad_app(self).monotonic()
        text.append(f" · {state.describe(now)}", style="dim" if state.phase is Phase.LIVE else "bold yellow")
        if state.index:
            text.append(f" · index {state.index}", style="dim")
        return text

    def _now(self) -> datetime:
        return datetime.fromtimestamp(nomad_app(self).clock_ns() / 1e9, tz=UTC)

    @on(AllocDetailFetched)
    def detail_fetched(self, message: AllocDetailFetched) -> None:
        if message.alloc_id != self.table.cursor_id or self.detail.gone:
            return
        self.watcher_crashes.pop("detail", None)
        try:
            self.detail.show(message.alloc, self._now(), self._detail_status(message.alloc))
        except Exception as exc:  # data no formatter expected must not end the app (it would on every start)
            self.detail.set_banner(Text(f"Cannot show this allocation: {describe_exception(exc)}", style="bold red"))

    @on(DetailConnectionChanged)
    def detail_connection(self, message: DetailConnectionChanged) -> None:
        if message.alloc_id != self.table.cursor_id:
            return
        self.detail_state = message.state
        alloc = self.detail.alloc
        if alloc is not None and alloc.id == message.alloc_id and not self.detail.gone:
            self.detail.set_banner(self._detail_status(alloc))
        elif message.state.phase is Phase.RETRYING:
            self.detail.set_banner(
                Text(
                    f"Allocation {sanitize_line(message.alloc_id[:8])}"
                    f" · {message.state.describe(nomad_app(self).monotonic())}"
                    f" ({message.state.error})",
                    style="bold yellow",
                )
            )

    @on(AllocDetailGone)
    def detail_gone(self, message: AllocDetailGone) -> None:
        self.detail.show_gone(message.alloc_id, sanitize_line(message.alloc_id[:8]))
        if self.detail_watcher is not None and self.detail_watcher.alloc_id == message.alloc_id:
            self.detail_watcher = None
        # Its 404 is proof it was garbage-collected: no need to wait for the next reconciliation (the
        # event stream says nothing of a GC).
        self._show_diff(self.store.upsert((), [message.alloc_id]))

    # ------------------------------------------------------------------------------ actions
    # ------------------------------------------------------------------------------ acting on allocations
    # The keys' actions (ui/keymap.py) run on the screen; what they do is in dashboard_actions.py.
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.actions.allowed(action)

    def on_key(self, event: events.Key) -> None:
        self.actions.key_pressed(event)

    def action_stop(self) -> None:
        self.actions.stop()

    def action_restart(self) -> None:
        self.actions.restart()

    def action_signal(self) -> None:
        self.actions.signal()

    def action_exec(self) -> None:
        self.actions.exec()

    def action_sessions(self) -> None:
        self.actions.sessions()

    def action_logs(self) -> None:
        self.actions.logs()

    def action_tail_job(self) -> None:
        self.actions.tail_job()

    def action_files(self) -> None:
        self.actions.files()

    def action_copy_id(self) -> None:
        self.actions.copy_id()

    def action_open_web(self) -> None:
        self.actions.open_web()

    def action_export(self) -> None:
        self.actions.export()

    def action_mark(self) -> None:
        self.actions.mark()

    def action_clear_marks(self) -> None:
        self.actions.clear_marks()

    def action_toggle_read_only(self) -> None:
        self.actions.toggle_read_only()

    def action_quit(self) -> None:
        nomad_app(self).request_quit()

    def action_help(self) -> None:
        from nomad_tui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_resync(self) -> None:
        if self.list_watcher is not None:
            self.list_watcher.resync()
        if self.detail_watcher is not None and self.detail_watcher.query is not None:
            self.detail_watcher.query.resync()
        self.app.notify("Fetching everything again…", timeout=2, markup=False)

    def action_detail_tab(self, number: int) -> None:
        if self.table.cursor_id is not None:
            self.detail.show_tab(number)

    def action_focus_detail(self) -> None:
        if self.table.has_focus and self.table.cursor_id is not None:
            self.detail.focus_content()

    def action_back(self) -> None:
        filter_line, command_line = self.filter_line, self.command_line
        if command_line.is_open:
            self._close_prompt(command_line)
        elif filter_line.is_open and filter_line.input.has_focus:
            self._close_prompt(filter_line, clear=True)
        elif not self.table.has_focus:
            self.table.focus()
        elif self.breadcrumb is not None:
            view = self.breadcrumb
            self._clear_breadcrumb()
            self._close_prompt(self.filter_line, clear=True)
            self.open_view(view)
        elif self.view.filter:
            self._close_prompt(filter_line, clear=True)

    def _jump_chain(self, target: str, label: str) -> None:
        if not target:
            self.app.notify(f"This allocation has no {label} allocation.", timeout=3, markup=False)
        elif not self.table.select_id(target):
            self.app.notify(
                f"The {label} allocation {sanitize_line(target[:8])} is not in the list (filtered out or "
                "garbage-collected).",
                severity="warning",
                markup=False,
            )

    def action_previous_alloc(self) -> None:
        alloc = self.detail.alloc
        if alloc is not None:
            self._jump_chain(alloc.previous_allocation, "previous")

    def action_next_alloc(self) -> None:
        alloc = self.detail.alloc
        if alloc is not None:
            self._jump_chain(alloc.next_allocation, "next")

    def run_filter(self, text: str) -> None:
        self.run_command(commands.Command("filter", (text,)))

    def action_sort_by(self, column: str) -> None:
        current = self.view.sort
        descending = not current.descending if current.column == column else column in NEWEST_FIRST
        self._set_sort(SortSpec(column, descending))

    @on(AllocTable.HeaderClicked)
    def header_clicked(self, message: AllocTable.HeaderClicked) -> None:
        if message.column in SORT_KEYS:
            self.action_sort_by(message.column)

    def action_sort_column(self, step: int) -> None:
        current = self.view.sort
        index = SORT_ORDER.index(current.column) if current.column in SORT_ORDER else 0
        column = SORT_ORDER[(index + step) % len(SORT_ORDER)]
        self._set_sort(SortSpec(column, current.descending))

    def _set_sort(self, sort: SortSpec) -> None:
        self.view.set_sort(sort)
        self.table.sort_changed()

    # ------------------------------------------------------------------------------ filter / command
    @property
    def filter_line(self) -> PromptLine:
        return self.query_one("#filter-line", PromptLine)

    @property
    def command_line(self) -> PromptLine:
        return self.query_one("#command-line", PromptLine)

    def _typing_in_prompt(self) -> bool:
        return isinstance(self.focused, Input)

    def _close_prompt(self, line: PromptLine, *, clear: bool = False) -> None:
        if clear:
            line.input.value = ""
            if line is self.filter_line:
                self._apply_filter("")
        line.close()
        self.table.focus()

    def action_start_filter(self) -> None:
        if self._typing_in_prompt():
            raise SkipAction()  # a `/` typed into a prompt is text
        self.command_line.close()
        self.filter_line.open()

    def action_start_command(self) -> None:
        if self._typing_in_prompt():
            raise SkipAction()  # `status:failed` in the filter: the `:` is text
        self.filter_line.close()
        self.command_line.input.value = ""
        self.command_line.open()

    @on(Input.Changed, "#filter")
    def filter_typed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = event.value
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE, lambda: self._apply_filter(value))

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        # The line closes; the status bar keeps showing the filter (`ns *[web]`) and `/` edits it again.
        self._close_prompt(self.filter_line)

    def _apply_filter(self, text: str) -> None:
        if text.strip() == self.view.filter.text:
            return
        self.view.set_filter(text)
        self.status_bar.filter_text = self.view.filter.text
        self._update_empty_message()
        self.table.data_changed(remeasure=True)
        self._update_counts()
        self.status_bar.refresh()  # the filter and what it shows, at once (counts alone can wait)

    def _update_empty_message(self) -> None:
        """What an empty list says, from its real cause: a filter hiding everything, a namespace that
        does not exist, or a namespace (or cluster) with no allocations."""
        hidden = len(self.store)
        known = self.store.task_states_known if hidden else 0
        if hidden and self.view.filter.uses_tasks and known < hidden:
            # Task data is partial (big lists come without it): say where the filter could look.
            message = (
                f"No allocation matches the filter {sanitize_line(self.view.filter.text)!r} among the {known:,} "
                f"whose task states are known (of {hidden:,}); the others' are still loading"
            )
        elif hidden and self.view.filter.text:
            message = (
                f"No allocation matches the filter {sanitize_line(self.view.filter.text)!r} "
                f"({hidden} hidden; esc clears it)"
            )
        elif self.namespace == "*":
            message = "No allocations in any namespace the token may read"
        elif self.known_namespaces is not None and self.namespace not in self.known_namespaces:
            message = f"Namespace {sanitize_line(self.namespace)!r} does not exist (:ns lists the namespaces)"
        else:
            message = f"No allocations in namespace {sanitize_line(self.namespace)}"
        if message != self.table.empty_message:
            self.table.empty_message = message
            self.table.refresh()

    @on(Input.Submitted, "#command")
    def command_submitted(self, event: Input.Submitted) -> None:
        self._close_prompt(self.command_line)
        try:
            command = commands.parse(event.value)
        except commands.CommandError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        self.run_command(command)

    def run_command(self, command: commands.Command) -> None:
        name, args = command.name, command.args
        if name == "quit":
            nomad_app(self).request_quit()
        elif name == "help":
            self.action_help()
        elif name == "resync":
            self.action_resync()
        elif name == "namespace":
            work = self.choose_namespace(args[0] if args else None)
            self.run_worker(work, group="choose-ns", exclusive=True, exit_on_error=False)
        elif name == "sort":
            column = args[0].lower()
            descending = args[1] == "desc" if len(args) > 1 else column in NEWEST_FIRST
            self._set_sort(SortSpec(column, descending))
        elif name == "alloc":
            self.jump_to_prefix(args[0])
        elif name in ("context", "region", "audit"):
            self._context_command(name, args)
        elif name == "jobs" or name == "nodes":
            self.open_view(name)
        elif name == "allocs":
            self._clear_breadcrumb()
        elif name == "filter":
            self.filter_line.input.value = args[0]
            self._apply_filter(args[0])

    def _context_command(self, name: str, args: tuple[str, ...]) -> None:
        """`:ctx`, `:region`, `:audit`: the app swaps clients and screens, so it carries them out."""
        app = cast("NomadTuiApp", self.app)
        if name == "audit":
            app.show_audit()
            return
        if name == "context":
            work = app.switch_context(args[0]) if args else app.show_contexts()
        else:
            work = app.switch_region(args[0]) if args else app.show_regions()
        app.run_worker(work, group="switch", exclusive=True, exit_on_error=False)

    # ------------------------------------------------------------------------------ views
    def open_view(self, name: str) -> None:
        """`:jobs`, `:nodes`: the view's screen, kept (installed) so it comes back as it was left."""
        from nomad_tui.ui.screens.resources import ResourceScreen
        from nomad_tui.ui.views import VIEWS

        spec = VIEWS[name]
        screen_name = f"view-{name}"
        app = self.app
        if app.is_screen_installed(screen_name):
            existing = app.get_screen(screen_name)
            # a namespace switch or a new context (another client) makes a fresh view
            if (
                getattr(existing, "namespace", None) != self.namespace
                or getattr(existing, "client", None) is not self.client
            ):
                app.uninstall_screen(screen_name)
        if not app.is_screen_installed(screen_name):
            app.install_screen(ResourceScreen(spec, self.client, self.namespace), screen_name)
        screen = app.get_screen(screen_name)
        if name == "jobs" and self.table.cursor_row is not None and self.breadcrumb is None:
            row = self.table.cursor_row
            cast("ResourceScreen", screen).preselect = f"{row.namespace}\x00{row.job}"
        app.push_screen(screen_name)

    def action_open_view(self, name: str) -> None:
        self.open_view(name)

    def show_drill(self, view: str, drill: Drill) -> None:
        """Back from a view's `enter`: the allocations of what was selected there, with a breadcrumb."""
        from nomad_tui.ui.views import VIEWS

        self.breadcrumb = view
        crumb = self.query_one("#breadcrumb", Static)
        crumb.update(
            Text.assemble(
                (VIEWS[view].kind.title, "bold"), " › ", drill.label, " › allocations", ("   esc: back", "dim")
            )
        )
        crumb.add_class("-visible")
        self.run_command(commands.Command("filter", (drill.filter_text,)))
        self.table.focus()

    def _clear_breadcrumb(self) -> None:
        self.breadcrumb = None
        self.query_one("#breadcrumb", Static).remove_class("-visible")

    def action_raw(self) -> None:
        """`y`: the whole allocation as Nomad sends it (not the list stub), highlighted and searchable."""
        alloc_id = self.table.cursor_id
        if alloc_id is None:
            return
        from nomad_tui.ui.screens.raw import RawScreen

        self.app.push_screen(
            RawScreen(self.client, f"/v1/allocation/{alloc_id}", None, title=f"Allocation {alloc_id[:8]}")
        )

    def jump_to_prefix(self, prefix: str) -> None:
        prefix = prefix.lower()
        matches = [alloc_id for alloc_id in self.store.stubs if alloc_id.startswith(prefix)]
        if not matches:
            self.app.notify(
                f"No allocation ID starts with {sanitize_line(prefix)!r}.", severity="warning", markup=False
            )
            return
        if len(matches) > 1:
            self.app.notify(
                f"{len(matches)} allocations start with {sanitize_line(prefix)!r}; type more.",
                severity="warning",
                markup=False,
            )
            return
        if not self.table.select_id(matches[0]):
            self._apply_filter("")
            self.filter_line.input.value = ""
            self.table.select_id(matches[0])

    async def fetch_namespaces(self) -> list[str] | None:
        """The namespaces the token may list (`/v1/namespaces` filters by ACL), sorted; None when the
        server cannot say (old server, denied, unreachable).  Also kept for the palette."""
        try:
            namespaces = await self.client.list_namespaces()
        except NomadError:
            return None
        self.known_namespaces = sorted({ns.name for ns in namespaces if ns.name and is_clean_line(ns.name)})
        self._update_empty_message()
        return self.known_namespaces

    def seen_namespaces(self) -> list[str]:
        """What the palette and `:ns` offer: the listed namespaces, else those of the allocations loaded.
        Only names that need no sanitising (real Nomad allows [a-zA-Z0-9-]): a switch uses the raw
        name, and one with control characters can only come from a hostile server."""
        if self.known_namespaces is not None:
            names: Iterable[str] = self.known_namespaces
        else:
            names = {stub.namespace for stub in self.store.stubs.values() if stub.namespace}
        return sorted(name for name in names if is_clean_line(name))

    async def choose_namespace(self, name: str | None) -> None:
        """`:ns NAME` switches after checking that NAME exists; `:ns` alone offers the list."""
        known = await self.fetch_namespaces()
        if name is None:
            from nomad_tui.ui.screens.namespace_picker import NamespacePickerScreen

            choices = known if known is not None else self.seen_namespaces()
            chosen = await self.app.push_screen_wait(NamespacePickerScreen(choices, self.namespace))
            if chosen is not None and chosen != self.namespace:
                self.switch_namespace(chosen)
            return
        if name != "*" and known is not None and name not in known:
            listed = ", ".join(sanitize_line(n) for n in known[:12]) + (" …" if len(known) > 12 else "")
            self.app.notify(
                f"Namespace {sanitize_line(name)!r} does not exist (namespaces: {listed or 'none you may list'}).",
                severity="error",
                markup=False,
            )
            return
        self.switch_namespace(name)

    def switch_namespace(self, namespace: str) -> None:
        """`:ns NAME` — watch another namespace, live, without a restart."""
        self.namespace = namespace
        self.status_bar.namespace = namespace
        self.status_bar.namespace_note = ""
        self.store.clear()
        self.view.rebuild()
        for listener in list(self.store_listeners):
            listener(None)
        self.first_list_seen = False
        table = self.table
        table.marks.clear()
        table.loading = True
        table.data_changed(remeasure=True)
        self.list_state = ConnectionState()
        self.status_bar.update_state(self.list_state)
        self.status_bar.update_counts(0, 0)
        self.status_bar.update_loading(None)
        self.stop_detail_watcher()
        self.detail.show_nothing()
        self.start_list_watcher()
