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
from nomad_tui.ui.detail_tabs import DETAIL_TABS, TableTab


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
            for tab in DETAIL_TABS:
                with TabPane(tab.title, id=f"tab-{tab.key}"):
                    if isinstance(tab, TableTab):
                        yield DataTable(id=f"detail-{tab.key}", cursor_type="row", zebra_stripes=True)
                        continue
                    with VerticalScroll():
                        if tab.live is not None:
                            yield Static(id=f"detail-{tab.live}")
                        yield Static(id=f"detail-{tab.key}")

    def on_mount(self) -> None:
        for tab in DETAIL_TABS:
            if isinstance(tab, TableTab):
                self.query_one(f"#detail-{tab.key}", DataTable).add_columns(*tab.columns)

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
        for tab in DETAIL_TABS:
            if isinstance(tab, TableTab):
                self.query_one(f"#detail-{tab.key}", DataTable).clear()
                continue
            self.query_one(f"#detail-{tab.key}", Static).update("")
            if tab.live is not None:
                self.query_one(f"#detail-{tab.live}", Static).update("")

    def show(self, alloc: Allocation, now: datetime, status: Text) -> None:
        self.alloc = alloc
        self.alloc_id = alloc.id
        self.gone = False
        self.remove_class("-gone")
        self.set_banner(status)
        for tab in DETAIL_TABS:
            if isinstance(tab, TableTab):
                self._fill(self.query_one(f"#detail-{tab.key}", DataTable), tab.rows(alloc, now))
            else:
                self.query_one(f"#detail-{tab.key}", Static).update(tab.text(alloc, now))

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
        if not 1 <= number <= len(DETAIL_TABS):
            return
        self.query_one(TabbedContent).active = f"tab-{DETAIL_TABS[number - 1].key}"
        # The pane is shown on the next refresh; focus it then.
        self.call_after_refresh(self.focus_content)
