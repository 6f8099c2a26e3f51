"""ActivityScreen (`v` for the selected job, `V` for the cluster): recent allocation changes, newest
first, from the dashboard's activity feed; `enter` jumps to the allocation in the list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Static

from nomad_tui.state.activity import ActivityEntry, ActivityFeed
from nomad_tui.timefmt import age_ns
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.widgets.footer import AppFooter

MAX_SHOWN = 500
EXPLAINED_SHOWN = 50  # the newest failures shown get their reason read


class ActivityScreen(Screen[str | None]):
    """Dismissed with the chosen allocation ID (or None)."""

    BINDINGS = bindings("activity")  # ui/keymap.py
    DEFAULT_CSS = """
    ActivityScreen #activity-title { height: 1; padding: 0 1; background: $panel; }
    ActivityScreen DataTable { height: 1fr; }
    """

    def __init__(
        self,
        feed: ActivityFeed,
        *,
        namespace: str | None = None,
        job: str | None = None,
        now_ns: int = 0,
        explain: Callable[[list[ActivityEntry]], None] | None = None,
    ):
        super().__init__()
        self.feed = feed
        self.explain = explain  # asked to read why these failures failed
        self.namespace = namespace
        self.job = job
        self.now_ns = now_ns
        self.shown_version = -1
        self.entries: list[ActivityEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="activity-title")
        yield DataTable(id="activity", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Allocation", "Job", "Group", "Change")
        table.focus()
        self.refresh_entries(self.now_ns)

    def refresh_entries(self, now_ns: int) -> None:
        """Called by the dashboard after it applied a change (and on mount)."""
        if self.feed.version == self.shown_version:
            return
        self.shown_version = self.feed.version
        table = self.query_one(DataTable)
        selected = self.entries[table.cursor_row].seq if self.entries and table.cursor_row < len(self.entries) else None
        self.entries = self.feed.newest_first(self.namespace, self.job)[:MAX_SHOWN]
        self.ask_reasons()
        table.clear()
        for entry in self.entries:
            change = Text(entry.text, style="bold red" if entry.failed else "")
            if entry.detail:
                change.append(f" — {entry.detail}", style="dim")
            when = datetime.fromtimestamp(entry.time_ns / 1e9, tz=UTC).strftime("%H:%M:%S")
            # Text, never str: DataTable would parse a str cell as markup (job names come from the cluster)
            table.add_row(
                Text(f"{when} ({age_ns(now_ns, entry.time_ns)})"),
                Text(entry.short_id),
                Text(entry.job),
                Text(entry.group),
                change,
            )
        if selected is not None:
            for row, entry in enumerate(self.entries):
                if entry.seq == selected:
                    table.move_cursor(row=row, animate=False)
                    break
        scope = f"job {self.namespace}/{self.job}" if self.job else "the cluster"
        title = Text(f"Activity · {scope} · {len(self.entries)} changes", style="bold")
        title.append("   enter: go to the allocation · esc: back", style="dim")
        if not self.entries:
            title.append(" · nothing has changed since nomad-tui started", style="dim")
        self.query_one("#activity-title", Static).update(title)

    def ask_reasons(self) -> None:
        """Have the newest failures on show explained (those not asked about yet)."""
        if self.explain is not None:
            self.explain([e for e in self.entries[:EXPLAINED_SHOWN] if e.failed and not e.asked])

    def action_close(self) -> None:
        self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # enter on the table: the table selects the row, and the row is where to go
        event.stop()
        self.action_jump()

    def action_jump(self) -> None:
        table = self.query_one(DataTable)
        if self.entries and 0 <= table.cursor_row < len(self.entries):
            self.dismiss(self.entries[table.cursor_row].alloc_id)
