"""ResourceScreen: a resource view (jobs, nodes) as a live table over its store, declared by a ViewSpec.

The list is a blocking query (a watcher in a worker); the screen applies each answer to its store and
view on the event loop.  `enter` drills into the allocations of the selected item (the dashboard's
list, filtered, with a breadcrumb), `y` shows the whole document, `esc` goes back.  While another
screen is in front the query is stopped, so a view nobody looks at costs nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from nomad_tui.api.client import NomadClient
from nomad_tui.api.cluster_models import JobStub
from nomad_tui.api.errors import NomadError
from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.state.resources import ResourceStore, ResourceView
from nomad_tui.state.store import Diff
from nomad_tui.ui import commands
from nomad_tui.ui.keymap import RESOURCES, bindings
from nomad_tui.ui.typed_app import nomad_app
from nomad_tui.ui.views import (
    ROW_LOADS,
    STORE_SETTLE,
    ResourcesConnection,
    ResourcesFetched,
    ResourceWatcher,
    ViewSpec,
)
from nomad_tui.ui.widgets.footer import AppFooter
from nomad_tui.ui.widgets.prompt import PromptLine, filter_and_command_lines
from nomad_tui.ui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from nomad_tui.ui.screens.dashboard import DashboardScreen


class ResourceScreen(Screen[None]):
    BINDINGS = bindings("resources")  # ui/keymap.py
    DEFAULT_CSS = """
    ResourceScreen #resource-title { height: 1; padding: 0 1; background: $panel; }
    ResourceScreen #resource-detail { height: 40%; min-height: 6; border-top: solid $panel; padding: 0 1; }
    """

    def __init__(self, spec: ViewSpec, client: NomadClient, namespace: str) -> None:
        super().__init__()
        self.spec = spec
        self.client = client
        self.namespace = namespace
        self.store: ResourceStore[Any] = ResourceStore(spec.kind)
        self.view: ResourceView[Any] = ResourceView(self.store)
        self.generation = 0
        self.watcher: ResourceWatcher | None = None
        self.state = ConnectionState()
        self.loaded = False
        self._more: dict[tuple[str, object], list[str]] = {}
        self._raw_items: list[Any] = []
        self.preselect: str | None = None  # an item key to put the cursor on (`J` on an allocation)
        self._row_loads: dict[str, tuple[object, object]] = {}  # item key -> (version, value)
        self._row_loading: set[str] = set()
        self._store_timer: Timer | None = None

    # ------------------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="resource-title")
        yield ResourceTable(self.view, id="resource-table")
        with VerticalScroll(id="resource-detail"):
            yield Static(id="resource-detail-text")
        # The dashboard's one-line prompts: an Input squeezed into a docked row showed only its border.
        yield from filter_and_command_lines(
            "words, column:value, column:=exact, !term",
            "allocs · jobs · nodes · sort COLUMN [asc|desc] · filter … · q",
            commands.COMPLETIONS,
        )
        yield AppFooter()

    @property
    def table(self) -> ResourceTable:
        return self.query_one(ResourceTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._update_title()
        if self.spec.row_load is not None:
            self.watch(self.table, "scroll_y", lambda _: self._load_visible_rows(), init=False)

    def on_screen_resume(self) -> None:
        self.start_watcher()
        self.table.focus()
        self._apply_preselect()
        dashboard = self._dashboard()
        if self.spec.enrich is not None and dashboard is not None:
            dashboard.store_listeners.append(self._store_changed)

    def _apply_preselect(self) -> None:
        if self.preselect is not None and self.table.select_id(self.preselect):
            self.preselect = None

    def on_screen_suspend(self) -> None:
        self.stop_watcher()
        dashboard = self._dashboard()
        if dashboard is not None and self._store_changed in dashboard.store_listeners:
            dashboard.store_listeners.remove(self._store_changed)

    # ------------------------------------------------------------------------------ watching
    def start_watcher(self) -> None:
        self.generation += 1
        self.watcher = ResourceWatcher(
            self.spec,
            self.client,
            self.namespace,
            self.post_message,
            generation=self.generation,
            wait=getattr(self.app, "watch_wait", 300.0),
            clock=getattr(self.app, "monotonic", None) or time.monotonic,
        )
        self.run_worker(self.watcher.run(), group="resources", exclusive=True, exit_on_error=False)

    def stop_watcher(self) -> None:
        self.watcher = None
        self.generation += 1
        self.workers.cancel_group(self, "resources")

    @on(ResourcesFetched)
    def fetched(self, message: ResourcesFetched) -> None:
        if message.generation != self.generation:
            return
        self._raw_items = message.items
        self.table.empty_message = f"No {self.spec.kind.name}"
        self._apply_items()

    def _store_changed(self, diff: Diff | None) -> None:
        """The allocation list changed (running counts, versions, live allocations per node): apply it
        once things settle, at most once per STORE_SETTLE, from the store itself (no request)."""
        if self._store_timer is None and self.loaded:
            self._store_timer = self.set_timer(STORE_SETTLE, self._store_settled)

    def _store_settled(self) -> None:
        self._store_timer = None
        self._apply_items()

    def _apply_items(self) -> None:
        items = self._raw_items
        if self.spec.enrich is not None:
            store = getattr(self._dashboard(), "store", None)
            loaded = {key: value for key, (_, value) in self._row_loads.items()}
            items = self.spec.enrich(items, getattr(store, "stubs", {}), loaded)
        diff = self.store.apply_list(items)
        table = self.table
        if diff or not self.loaded:
            self.loaded = True
            self.view.rebuild()
            table.data_changed()
            self._apply_preselect()
            self._show_detail()
        self._update_title()
        self._load_visible_rows()

    def _load_visible_rows(self) -> None:
        """Per-row data (a node's allocated resources) for the rows on screen whose version moved."""
        row_load = self.spec.row_load
        if row_load is None:
            return
        for key in self.table.visible_ids():
            if len(self._row_loading) >= ROW_LOADS:
                return
            item = self.store.get(key)
            if item is None or key in self._row_loading:
                continue
            version = row_load.version(item)
            known = self._row_loads.get(key)
            if known is None or known[0] != version:
                self._row_loading.add(key)
                self.run_worker(self._load_row(key, item, version), group="row-load", exit_on_error=False)

    async def _load_row(self, key: str, item: Any, version: object) -> None:
        assert self.spec.row_load is not None
        try:
            value: object = await self.spec.row_load.load(self.client, item)
        except NomadError:
            value = None  # shown as unknown ("?"), asked again when the row's version moves
        finally:
            self._row_loading.discard(key)
        self._row_loads[key] = (version, value)
        if self.watcher is not None:  # still in front
            self._apply_items()

    @on(ResourcesConnection)
    def connection(self, message: ResourcesConnection) -> None:
        if message.generation != self.generation:
            return
        self.state = message.state
        if message.state.phase is Phase.RETRYING and not self.loaded:
            self.table.empty_message = f"Cannot list {self.spec.kind.name}: {message.state.error}. Retrying…"
            self.table.refresh()
        self._update_title()

    def _update_title(self) -> None:
        kind = self.spec.kind
        text = Text(kind.title, style="bold")
        if self.spec.kind.name == "jobs":
            text.append(f" · namespace {sanitize_line(self.namespace)}")
        text.append(f" · {len(self.view)}" + (f" of {len(self.store)}" if self.view.filter else ""))
        if self.view.filter:
            text.append(f" · filter {sanitize_line(self.view.filter.text)}", style="italic")
        now = getattr(self.app, "monotonic", lambda: 0.0)()
        text.append(f" · {self.state.describe(now)}", style="dim" if self.state.phase is Phase.LIVE else "bold yellow")
        text.append("   enter: allocations · y: raw · esc: back", style="dim")
        self.query_one("#resource-title", Static).update(text)

    # ------------------------------------------------------------------------------ detail
    @on(ResourceTable.Highlighted)
    def highlighted(self, message: ResourceTable.Highlighted) -> None:
        self._show_detail()

    def selected(self) -> Any | None:
        key = self.table.cursor_id
        return self.store.get(key) if key is not None else None

    def _show_detail(self) -> None:
        item = self.selected()
        detail = self.query_one("#resource-detail-text", Static)
        if item is None:
            detail.update(Text("Nothing selected", style="dim"))
            return
        text = self.spec.summary(item)
        self._add_more(item, text)
        detail.update(text)

    def _add_more(self, item: Any, text: Text) -> None:
        """The part of the detail that needs a request (a job's placement story, a node's allocated
        resources): read once per version of the item, in a worker, then shown."""
        more = self.spec.more
        if more is None or not more.wanted(item):
            return
        key = (self.spec.kind.key(item), more.version(item))
        lines = self._more.get(key)
        if lines is None:
            text.append(f"{more.loading}\n", style="dim")
            self.run_worker(self._load_more(item, key), group="more", exclusive=True, exit_on_error=False)
            return
        for line in lines:
            text.append(line + "\n", style="" if line.startswith(" ") else "bold")

    async def _load_more(self, item: Any, key: tuple[str, object]) -> None:
        assert self.spec.more is not None
        try:
            self._more[key] = await self.spec.more.load(self.client, item)
        except NomadError as exc:
            self._more[key] = [f"Cannot read it: {sanitize_line(exc.message)}"]
        self._show_detail()

    # ------------------------------------------------------------------------------ actions
    def action_quit(self) -> None:
        nomad_app(self).request_quit()

    def action_help(self) -> None:
        from nomad_tui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(first=RESOURCES))  # the jobs / nodes keys on top

    def action_resync(self) -> None:
        if self.watcher is not None:
            self.watcher.query.resync()

    def action_drill(self) -> None:
        item = self.selected()
        if item is None:
            return
        drill = self.spec.drill(item)
        dashboard = self._dashboard()
        self.app.pop_screen()
        if dashboard is not None:
            dashboard.show_drill(self.spec.kind.name, drill)

    def action_tail_job(self) -> None:
        """`L` in the jobs view: every running allocation of the selected job in one pane, from the
        dashboard's live allocation store (no watcher of its own)."""
        item = self.selected()
        dashboard = self._dashboard()
        if self.spec.kind.name != "jobs" or not isinstance(item, JobStub) or dashboard is None:
            self.app.notify("L tails a job: choose one in the jobs view.", timeout=3, markup=False)
            return
        namespace = item.namespace or "default"
        if dashboard.namespace not in ("*", namespace):
            self.app.notify(
                f"The allocation list watches namespace {sanitize_line(dashboard.namespace)}; "
                f"`:ns *` or `:ns {sanitize_line(namespace)}` first to tail this job.",
                severity="warning",
                markup=False,
            )
            return
        from nomad_tui.ui.screens.job_tail import JobTailScreen, TailScope

        scope = TailScope(namespace, item.id)
        self.app.push_screen(JobTailScreen(self.client, dashboard.store, scope, dashboard.store_listeners))

    def action_raw(self) -> None:
        item = self.selected()
        if item is None:
            return
        from nomad_tui.ui.screens.raw import RawScreen

        path, namespace = self.spec.raw_path(item)
        self.app.push_screen(RawScreen(self.client, path, namespace, title=f"{self.spec.kind.title[:-1]} {path}"))

    def action_back(self) -> None:
        filter_input = self.query_one("#filter", Input)
        command_input = self.query_one("#command", Input)
        if self.query_one("#command-line", PromptLine).is_open:
            self._close(command_input)
        elif self.query_one("#filter-line", PromptLine).is_open and filter_input.has_focus:
            filter_input.value = ""
            self._apply_filter("")
            self._close(filter_input)
        elif self.view.filter:
            filter_input.value = ""
            self._apply_filter("")
        else:
            self.app.pop_screen()

    def action_sort_column(self, step: int) -> None:
        keys = [c.key for c in self.spec.kind.columns]
        index = keys.index(self.view.sort_column) if self.view.sort_column in keys else 0
        self._sort(keys[(index + step) % len(keys)], self.view.descending)

    def _sort(self, column: str, descending: bool) -> None:
        self.view.set_sort(column, descending)
        self.table.data_changed()

    # ------------------------------------------------------------------------------ prompts
    def _close(self, prompt: Input) -> None:
        line = prompt.parent
        if isinstance(line, PromptLine):
            line.close()
        self.table.focus()

    def action_start_filter(self) -> None:
        if isinstance(self.focused, Input):
            raise SkipAction()  # a `/` typed into a prompt is text
        self.query_one("#command-line", PromptLine).close()
        self.query_one("#filter-line", PromptLine).open()

    def action_start_command(self) -> None:
        if isinstance(self.focused, Input):
            raise SkipAction()  # `job:web` in the filter: the `:` is text
        self.query_one("#filter-line", PromptLine).close()
        self.query_one("#command", Input).value = ""
        self.query_one("#command-line", PromptLine).open()

    @on(Input.Changed, "#filter")
    def filter_typed(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        self._apply_filter(event.value)
        if not event.value.strip():
            self._close(event.input)
        else:
            self.table.focus()

    def _apply_filter(self, text: str) -> None:
        if text.strip() == self.view.filter.text:
            return
        self.view.set_filter(text)
        self.table.data_changed()
        self._update_title()

    @on(Input.Submitted, "#command")
    def command_submitted(self, event: Input.Submitted) -> None:
        self._close(event.input)
        words = event.value.strip().removeprefix(":").split()
        if words and words[0].lower() == "sort":
            column = words[1].lower() if len(words) > 1 else ""
            if self.spec.kind.column(column) is None:
                names = ", ".join(c.key for c in self.spec.kind.columns)
                self.app.notify(f"usage: sort COLUMN [asc|desc]; columns: {names}", severity="error", markup=False)
                return
            self._sort(column, len(words) > 2 and words[2].lower() == "desc")
            return
        try:
            command = commands.parse(event.value)
        except commands.CommandError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        if command.name == "filter":
            prompt = self.query_one("#filter", Input)
            prompt.value = command.args[0]
            self._apply_filter(command.args[0])
            return
        dashboard = self._dashboard()
        self.app.pop_screen()
        if dashboard is not None:
            dashboard.run_command(command)

    def _dashboard(self) -> DashboardScreen | None:
        """The allocation list under this view (views are pushed over it)."""
        from nomad_tui.ui.screens.dashboard import DashboardScreen

        return next((s for s in self.app.screen_stack if isinstance(s, DashboardScreen)), None)
