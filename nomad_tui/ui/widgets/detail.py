"""The detail panes of the selected allocation: summary, tasks, events, resources, reschedule, placement.

They render an Allocation handed to them (by the screen, from the detail watcher).  When the
allocation is garbage-collected the panes keep their last content, greyed, under a banner.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from nomad_tui.api.models import Allocation
from nomad_tui.ui import detail_text

TASK_COLUMNS = ("Task", "State", "Failed", "Restarts", "Started", "Finished", "Last event")
EVENT_COLUMNS = ("Time", "Task", "Type", "Message")
TAB_IDS = ("tab-summary", "tab-tasks", "tab-events", "tab-resources", "tab-reschedule", "tab-placement")


class DetailPanel(Vertical):
    DEFAULT_CSS = """
    DetailPanel { height: 1fr; }
    DetailPanel #detail-banner { height: 1; padding: 0 1; }
    DetailPanel TabbedContent { height: 1fr; }
    DetailPanel TabPane { padding: 0 1; }
    DetailPanel DataTable { height: 1fr; }
    DetailPanel.-gone #detail-tabs { opacity: 60%; }
    DetailPanel #detail-tabs Tab { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.alloc: Allocation | None = None
        self.alloc_id: str | None = None
        self.gone = False

    def compose(self) -> ComposeResult:
        yield Static(Text("No allocation selected", style="dim"), id="detail-banner")
        with TabbedContent(id="detail-tabs"):
            with TabPane("Summary", id="tab-summary"), VerticalScroll():
                yield Static(id="detail-summary")
            with TabPane("Tasks", id="tab-tasks"):
                yield DataTable(id="detail-tasks", cursor_type="row", zebra_stripes=True)
            with TabPane("Events", id="tab-events"):
                yield DataTable(id="detail-events", cursor_type="row", zebra_stripes=True)
            with TabPane("Resources", id="tab-resources"), VerticalScroll():
                yield Static(id="detail-usage")
                yield Static(id="detail-resources")
            with TabPane("Reschedule", id="tab-reschedule"), VerticalScroll():
                yield Static(id="detail-reschedule")
            with TabPane("Placement", id="tab-placement"), VerticalScroll():
                yield Static(id="detail-placement")

    def on_mount(self) -> None:
        self.query_one("#detail-tasks", DataTable).add_columns(*TASK_COLUMNS)
        self.query_one("#detail-events", DataTable).add_columns(*EVENT_COLUMNS)

    # ------------------------------------------------------------------------------ states
    def set_banner(self, text: Text) -> None:
        self.query_one("#detail-banner", Static).update(text)

    def show_loading(self, alloc_id: str, short: str) -> None:
        self.alloc_id = alloc_id
        self.gone = False
        self.remove_class("-gone")
        self.set_banner(Text(f"Allocation {short} · loading…", style="dim"))

    def show_gone(self, alloc_id: str, short: str) -> None:
        if alloc_id != self.alloc_id:
            return
        self.gone = True
        self.add_class("-gone")
        self.set_banner(Text(f"Allocation {short}: allocation no longer exists (garbage-collected)", style="bold"))

    def show_nothing(self) -> None:
        self.alloc = None
        self.alloc_id = None
        self.gone = False
        self.remove_class("-gone")
        self.set_banner(Text("No allocation selected", style="dim"))
        for static_id in (
            "#detail-summary",
            "#detail-usage",
            "#detail-resources",
            "#detail-reschedule",
            "#detail-placement",
        ):
            self.query_one(static_id, Static).update("")
        for table_id in ("#detail-tasks", "#detail-events"):
            self.query_one(table_id, DataTable).clear()

    def show(self, alloc: Allocation, now: datetime, status: Text) -> None:
        self.alloc = alloc
        self.alloc_id = alloc.id
        self.gone = False
        self.remove_class("-gone")
        self.set_banner(status)
        self.query_one("#detail-summary", Static).update(detail_text.summary_text(alloc, now))
        self._fill(self.query_one("#detail-tasks", DataTable), detail_text.task_rows(alloc, now))
        self._fill(self.query_one("#detail-events", DataTable), detail_text.event_rows(alloc, now))
        self.query_one("#detail-resources", Static).update(detail_text.resources_text(alloc))
        self.query_one("#detail-reschedule", Static).update(detail_text.reschedule_text(alloc, now))
        self.query_one("#detail-placement", Static).update(detail_text.placement_text(alloc))

    @staticmethod
    def _fill(table: DataTable[Text], rows: list[tuple[Text, ...]]) -> None:
        """Small tables (tens of rows): replace the rows, keep the cursor where it was."""
        cursor = table.cursor_row
        with table.app.batch_update():
            table.clear()
            for row in rows:
                table.add_row(*row)
            if rows:
                table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)

    def show_usage(self, text: Text) -> None:
        self.query_one("#detail-usage", Static).update(text)

    def focus_content(self) -> None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.active_pane
        if pane is None:
            return
        focusable = pane.query("DataTable, VerticalScroll").first()
        focusable.focus()

    def show_tab(self, number: int) -> None:
        """`1`…`6`: that tab, with the focus in it (from the list: one key, not `enter shift+tab → →`)."""
        if not 1 <= number <= len(TAB_IDS):
            return
        self.query_one(TabbedContent).active = TAB_IDS[number - 1]
        # The pane is shown on the next refresh; focus it then.
        self.call_after_refresh(self.focus_content)
