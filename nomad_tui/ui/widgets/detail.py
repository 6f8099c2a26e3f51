"""The detail panes of the selected allocation: summary, tasks, events, resources, reschedule, placement.

They render an Allocation handed to them (by the screen, from the detail watcher).  When the
allocation is garbage-collected the panes keep their last content, greyed, under a banner.

Only the tab on show is filled when the allocation changes; the others are filled when they are
opened.  A text whose shape is unchanged is repainted without a new layout: on a busy cluster the
selected allocation changes every few seconds, and laying out the screen for each of its six tabs
cost more than everything else the update did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from nomad_tui.api.models import Allocation
from nomad_tui.ui.detail_tabs import DETAIL_TABS, DetailTab, TableTab

TABS_BY_PANE = {f"tab-{tab.key}": tab for tab in DETAIL_TABS}


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

    def __init__(self, *, clock: Callable[[], datetime] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock or (lambda: datetime.now(UTC))  # for a tab opened after show()
        self.alloc: Allocation | None = None
        self.alloc_id: str | None = None
        self.gone = False
        self._unfilled: set[str] = set()  # tabs whose content is older than `alloc`
        self._texts: dict[str, Text] = {}  # what each Static shows, by id

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
        self._update_static("detail-banner", text)

    def _update_static(self, static_id: str, text: Text) -> None:
        """Show `text` in a Static; lay the screen out again only if its size may change."""
        old = self._texts.get(static_id)
        if old is not None and old == text:
            return
        static = self.query_one(f"#{static_id}", Static)
        self._texts[static_id] = text
        width = static.content_size.width
        same_shape = (
            old is not None
            and width > 0
            and _lines(old) == _lines(text)
            and max(_widest(old), _widest(text)) <= width  # neither wraps
        )
        static.update(text, layout=not same_shape and static_id != "detail-banner")  # the banner is one line

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
            self._update_static(f"detail-{tab.key}", Text())
            if tab.live is not None:
                self._update_static(f"detail-{tab.live}", Text())
        self._unfilled.clear()

    def show(self, alloc: Allocation, now: datetime, status: Text) -> None:
        self.alloc = alloc
        self.alloc_id = alloc.id
        self.gone = False
        self.remove_class("-gone")
        self.set_banner(status)
        self._unfilled = {tab.key for tab in DETAIL_TABS}
        self._fill_tab(TABS_BY_PANE.get(self.query_one(TabbedContent).active), now)

    @on(TabbedContent.TabActivated)
    def _tab_opened(self, event: TabbedContent.TabActivated) -> None:
        self._fill_tab(TABS_BY_PANE.get(event.pane.id or ""), self.clock())

    def _fill_tab(self, tab: DetailTab | None, now: datetime) -> None:
        alloc = self.alloc
        if tab is None or tab.key not in self._unfilled or alloc is None:
            return
        self._unfilled.discard(tab.key)
        if isinstance(tab, TableTab):
            self._fill(self.query_one(f"#detail-{tab.key}", DataTable), tab.rows(alloc, now))
        else:
            self._update_static(f"detail-{tab.key}", tab.text(alloc, now))

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
        self._update_static("detail-usage", text)

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


def _lines(text: Text) -> int:
    return text.plain.count("\n") + 1


def _widest(text: Text) -> int:
    return max(map(cell_len, text.plain.split("\n")))
