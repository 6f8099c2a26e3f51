"""RawScreen (`y`): the whole object as Nomad sends it, as highlighted JSON, scrollable and searchable.

The document is read again in full (the allocation list holds only stubs).  It is re-encoded with
`ensure_ascii=False` so names stay readable, and every line then passes the sanitiser: JSON already
escapes C0 controls, the sanitiser makes C1 controls, DEL and bidi overrides inert too.  Highlighting
is lexing into `Text` (no markup is ever parsed), so a job named `[red]x` stays exactly that.
"""

from __future__ import annotations

import json
import re

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError
from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.widgets.footer import AppFooter

MATCH_STYLE = "black on yellow"
CURRENT_STYLE = "black on bright_green"


def json_lines(value: object) -> list[str]:
    """Pretty JSON, one sanitised line per list item."""
    return [sanitize_line(line) for line in json.dumps(value, indent=2, ensure_ascii=False).split("\n")]


class RawScreen(Screen[None]):
    BINDINGS = bindings("raw")  # ui/keymap.py
    DEFAULT_CSS = """
    RawScreen #raw-title { height: 1; padding: 0 1; background: $panel; }
    RawScreen #raw-scroll { height: 1fr; }
    RawScreen #raw-search { dock: bottom; display: none; height: 1; border: none; padding: 0 1; }
    RawScreen #raw-search.-visible { display: block; }
    """

    def __init__(self, client: NomadClient, path: str, namespace: str | None, *, title: str) -> None:
        super().__init__()
        self.client = client
        self.path = path
        self.namespace = namespace
        self.title_text = sanitize_line(title)
        self.lines: list[str] = []
        self.matches: list[int] = []
        self.current = -1
        self.term = ""

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.title_text} · loading…", style="bold"), id="raw-title")
        with VerticalScroll(id="raw-scroll"):
            yield Static(id="raw-body")
        yield Input(placeholder="search (case-insensitive)", id="raw-search")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#raw-scroll").focus()
        self.load()

    @work(group="raw", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            response = await self.client.read_json(self.path, namespace=self.namespace)
        except NomadError as exc:
            self._title(f"cannot read it: {sanitize_line(exc.message)}", "bold red")
            return
        self.lines = json_lines(response.value)
        self._title(f"{len(self.lines)} lines · index {response.meta.index}", "bold")
        self._render_body()

    def _title(self, state: str, style: str) -> None:
        self.query_one("#raw-title", Static).update(Text(f"{self.title_text} · {state}", style=style))

    def _render_body(self) -> None:
        code = "\n".join(self.lines)
        text = Syntax(code, "json", theme="ansi_dark", word_wrap=False, background_color="default").highlight(code)
        text.no_wrap = True
        if self.term:
            starts = [0]
            for line in self.lines:
                starts.append(starts[-1] + len(line) + 1)
            pattern = re.compile(re.escape(self.term), re.IGNORECASE)
            for number in self.matches:
                style = CURRENT_STYLE if self.current >= 0 and self.matches[self.current] == number else MATCH_STYLE
                for found in pattern.finditer(self.lines[number]):
                    text.stylize(style, starts[number] + found.start(), starts[number] + found.end())
        self.query_one("#raw-body", Static).update(text)

    # ------------------------------------------------------------------------------ actions
    def action_close(self) -> None:
        search = self.query_one("#raw-search", Input)
        if search.has_class("-visible") and search.has_focus:
            search.remove_class("-visible")
            self.query_one("#raw-scroll").focus()
            return
        self.app.pop_screen()

    def action_search(self) -> None:
        search = self.query_one("#raw-search", Input)
        search.add_class("-visible")
        search.focus()

    @on(Input.Submitted, "#raw-search")
    def searched(self, event: Input.Submitted) -> None:
        event.input.remove_class("-visible")
        self.query_one("#raw-scroll").focus()
        self.term = event.value.strip()
        needle = self.term.lower()
        self.matches = [i for i, line in enumerate(self.lines) if needle and needle in line.lower()]
        self.current = -1
        if not self.matches and self.term:
            self.app.notify(f"{sanitize_line(self.term)!r} is not in this document.", severity="warning", markup=False)
        self.action_next_match(1)

    def action_next_match(self, step: int) -> None:
        if not self.matches:
            self._render_body()
            return
        self.current = (self.current + step) % len(self.matches)
        self._render_body()
        line = self.matches[self.current]
        scroll = self.query_one("#raw-scroll", VerticalScroll)
        scroll.scroll_to(y=max(0, line - scroll.size.height // 3), animate=False)
        self._title(f"match {self.current + 1} of {len(self.matches)} for {sanitize_line(self.term)!r}", "bold")

    def action_scroll_lines(self, step: int) -> None:
        scroll = self.query_one("#raw-scroll", VerticalScroll)
        scroll.scroll_to(y=scroll.scroll_y + step, animate=False)

    def action_edge(self, end: int) -> None:
        scroll = self.query_one("#raw-scroll", VerticalScroll)
        if end:
            scroll.scroll_end(animate=False)
        else:
            scroll.scroll_home(animate=False)
