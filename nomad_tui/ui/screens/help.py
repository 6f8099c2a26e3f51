"""The `?` help screen: every key by context, and the `:` commands."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from nomad_tui.ui import commands

# (context, key, what it does) — the one reference; the README's Keys table mirrors it.
KEYS: tuple[tuple[str, str, str], ...] = (
    ("Allocation list", "j / k / ↑ / ↓", "move the cursor"),
    ("Allocation list", "g / G / home / end", "first / last allocation"),
    ("Allocation list", "pgup / pgdn", "page up / down"),
    ("Allocation list", "enter", "focus the detail panes"),
    ("Allocation list", "/", "filter: words, status:failed, job:web, node:x, task:y, !term to negate"),
    ("Allocation list", ":", "command line (see below)"),
    ("Allocation list", "esc", "back to the list / clear the filter"),
    ("Allocation list", "< / >", "sort by the previous / next column"),
    ("Allocation list", "I N S A M T", "sort by ID, Node, Status, Age, Modified, Tasks (again: reverse)"),
    ("Allocation list", "J", "jobs view, on the selected allocation's job (:jobs, :nodes, :allocs switch views)"),
    ("Allocation list", "y", "raw: the whole allocation as JSON (/ search, n / N next / previous)"),
    ("Allocation list", "[ / ]", "jump to the previous / next allocation of the reschedule chain"),
    ("Allocation list", "ctrl+r", "resync: fetch everything again now"),
    ("Allocation list", "ctrl+d", "stop the allocation (or every marked one), after confirming"),
    ("Allocation list", "r", "restart: one running task or all tasks, after confirming"),
    ("Allocation list", "x", "signal: SIGHUP … SIGKILL or any name, one task or all, after confirming"),
    ("Allocation list", "space / ctrl+\\", "mark / unmark for a bulk action; clear all marks"),
    ("Allocation list", "l", "logs of the selected allocation"),
    ("Allocation list", "L", "tail every running allocation of the job (or its task group) in one pane"),
    ("Allocation list", "f", "files: browse the allocation directory, view or follow a file"),
    ("Allocation list", "c / o", "copy the full allocation ID / open it in Nomad's web UI (or show its URL)"),
    ("Allocation list", "ctrl+s", "export this view (filter, sort, every column, full IDs) as CSV"),
    ("Allocation list", "s", "exec: pick a running task, edit the command, open a terminal tab"),
    ("Allocation list", "e", "exec sessions of this run: re-attach to one"),
    ("Allocation list", "ctrl+p", "command palette: actions, namespaces, allocations by ID prefix"),
    ("Allocation list", "?", "this help"),
    ("Allocation list", "q / ctrl+c", "quit"),
    ("Jobs / nodes", "enter", "the allocations of the selected job or node (esc: back to the view)"),
    ("Jobs / nodes", "/ , < / >", "filter (column:value, column:=exact), sort by the previous / next column"),
    ("Jobs / nodes", "y / esc", "raw JSON of the selected job or node / back"),
    ("Detail panes", "tab / shift+tab", "move between the tabs and their content"),
    ("Detail panes", "esc", "back to the list"),
    ("Dialogs", "y / n / esc", "confirm / cancel (Cancel has the focus)"),
    ("Dialogs", "type the name, enter", "danger = type-name contexts: type the job (or context) name to confirm"),
    ("Logs", "o / e / a", "stdout / stderr / both interleaved (stderr lines marked err)"),
    ("Logs", "T", "next task"),
    ("Logs", "b", "start from: the last 16 KiB … 1 MiB, or the start of the log"),
    ("Logs", "s / G", "follow the tail on and off / jump to the end and follow"),
    ("Logs", "/ , n / N", "search (case-insensitive), next / previous match"),
    ("Logs", "t / w", "receive timestamps on and off / wrap long lines on and off"),
    ("Logs", "ctrl+s", "save what is buffered (as shown) to a file; the path is asked, nothing overwritten silently"),
    ("Logs", "c / C", "copy the lines on screen to the clipboard / ANSI colours on and off"),
    ("Logs", "?", "these keys"),
    ("Logs", "esc / q", "back to the list"),
    ("Job tail", "o / e / a", "stdout / stderr / both, interleaved; lines labelled allocation + task"),
    ("Job tail", "/ n N s G t w ctrl+s c", "search, follow, timestamps, wrap, save, copy, as in the logs"),
    ("Job tail", "esc / q", "back to the list (allocations join and leave while it is open)"),
    ("Files", "enter / backspace", "open a directory or view a file / up a directory"),
    ("Files", "F", "follow the file as it grows (in the list or the viewer)"),
    ("Files", "[ / ]", "viewer: previous / next 256 KiB page of a big file"),
    ("Files", "/ n N t w ctrl+s c", "viewer: search, timestamps, wrap, save, copy, as in the logs"),
    ("Files", "esc / q", "back"),
    ("Exec", "ctrl+]", "back to the dashboard; the session keeps running (e brings it back)"),
    ("Exec", "~.", "at the start of a line: close the session (~~ sends one ~)"),
    ("Exec", "ctrl+pgup / ctrl+pgdn", "previous / next session tab"),
    ("Exec", "shift+pgup / shift+pgdn", "scroll back through the output"),
    ("Exec", "r / w / esc", "once the session has ended: reconnect / close the tab / dashboard"),
    ("Help", "esc / q / ?", "close this help"),
)


class HelpScreen(ModalScreen[None]):
    """Every key; with `only`, the keys of one context (`?` inside the logs shows the log keys)."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", show=True),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: round $primary;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, only: str | None = None) -> None:
        super().__init__()
        self.only = only

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._keys_table())
            if self.only is None:
                yield Static(self._commands_table())

    def _keys_table(self) -> Table:
        title = "Keys" if self.only is None else f"Keys: {self.only}"
        table = Table(title=title, expand=True, box=box.SIMPLE_HEAD, title_style="bold")
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        for context, key, what in KEYS:
            if self.only is not None and context != self.only:
                continue
            table.add_row(Text(context), Text(key), Text(what))
        return table

    def _commands_table(self) -> Table:
        table = Table(title="Commands (type : first)", expand=True, box=box.SIMPLE_HEAD, title_style="bold")
        table.add_column("Command", style="bold", no_wrap=True)
        table.add_column("Does")
        for usage, what in commands.HELP:
            table.add_row(Text(":" + usage), Text(what))
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
