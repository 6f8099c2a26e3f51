"""The file browser (`f`): an allocation's directory, its files viewed in pages or followed as they grow.

Names, sizes and times come from /v1/client/fs/ls; a file is read whole with `cat` when small, in
`readat` pages when big, and followed with `stream`.  Everything a file holds is untrusted and goes
through the same buffer, sanitiser and view as logs; a binary file is shown as a hex dump.
"""

from __future__ import annotations

import asyncio
import posixpath
import random

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from nomad_tui.api import fs
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError, PermissionDenied
from nomad_tui.api.models import parse_time
from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.key_gate import typed_before_handled
from nomad_tui.ui.keymap import bindings
from nomad_tui.ui.screens.log_pane import LogPaneScreen, human_bytes
from nomad_tui.ui.widgets.footer import AppFooter

FOLLOW_BACK = 16 * 1024  # following starts this far before the end
HEX_WIDTH = 16


def explain(error: NomadError, what: str) -> str:
    """One line for the user; a 403 names the capability the token lacks."""
    if isinstance(error, PermissionDenied) or error.message == "Permission denied":
        return f"Permission denied: {what} needs the read-fs capability, which this token lacks."
    return f"{error.kind}: {error.message}"


_TEXT_CONTROLS = frozenset(b"\t\n\x0c\r\x1b")


def looks_binary(data: bytes) -> bool:
    """A NUL, or more than one byte in ten a control that text does not use.  Nomad's own sniff (stat's
    ContentType) calls a file binary for a single BEL, which terminal-style logs have; a text file with
    a few escapes is better shown as text (sanitised), a real binary one as a hex dump."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    odd = sum(1 for b in head if b < 0x20 and b not in _TEXT_CONTROLS)
    return odd * 10 > len(head)


def hexdump(data: bytes, start: int) -> bytes:
    """`xxd`-style lines: offset, hex bytes, printable ASCII (everything else a dot)."""
    lines = []
    for at in range(0, len(data), HEX_WIDTH):
        chunk = data[at : at + HEX_WIDTH]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        shown = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{start + at:08x}  {hexes:<{HEX_WIDTH * 3 - 1}}  |{shown}|\n")
    return "".join(lines).encode()


def modified(mod_time: str) -> str:
    when = parse_time(mod_time)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S") if when is not None else "-"


class FileBrowserScreen(Screen[None]):
    BINDINGS = bindings("files")  # ui/keymap.py

    DEFAULT_CSS = """
    FileBrowserScreen #files-header { height: 1; padding: 0 1; background: $panel; }
    FileBrowserScreen #files-state { height: 1; padding: 0 1; color: $text-muted; }
    FileBrowserScreen DataTable { height: 1fr; }
    """

    def __init__(self, client: NomadClient, alloc_id: str, title: str, path: str = "/") -> None:
        super().__init__()
        self.client = client
        self.alloc_id = alloc_id
        self.title_text = sanitize_line(title)
        self.path = path
        self.entries: list[fs.AllocFileInfo] = []
        self.state_text = "loading…"

    def compose(self) -> ComposeResult:
        yield Static(id="files-header")
        yield DataTable(id="files", cursor_type="row", zebra_stripes=False)
        yield Static(id="files-state")
        yield AppFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        table = self.table
        table.add_column("Name", key="name")
        table.add_column("Size", key="size")
        table.add_column("Modified", key="modified")
        table.add_column("Mode", key="mode")
        table.focus()
        self.load(self.path)

    def load(self, path: str, select: str | None = None) -> None:
        self.run_worker(self._load(path, select), group="ls", exclusive=True, exit_on_error=False)

    async def _load(self, path: str, select: str | None) -> None:
        self._set_state("loading…")
        try:
            entries = await fs.list_dir(self.client, self.alloc_id, path)
        except NomadError as error:
            self._set_state(explain(error, "browsing files"))
            return
        self.path = path
        self.entries = sorted(entries, key=lambda e: (not e.is_dir, e.name))
        table = self.table
        table.clear()
        for entry in self.entries:
            name = Text(sanitize_line(entry.name) + ("/" if entry.is_dir else ""))
            if entry.is_dir:
                name.stylize("bold")
            size = Text("-" if entry.is_dir else human_bytes(entry.size), justify="right")
            table.add_row(name, size, Text(modified(entry.mod_time)), Text(sanitize_line(entry.file_mode)))
        if select is not None:
            for row, entry in enumerate(self.entries):
                if entry.name == select:
                    table.move_cursor(row=row)
        count = len(self.entries)
        self._set_state(f"{count} entr{'y' if count == 1 else 'ies'}" if count else "empty directory")

    def _set_state(self, text: str) -> None:
        self.state_text = text
        if not self.is_mounted:
            return
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("Files ", style="bold")
        header.append(f"{self.title_text} · ")
        header.append(sanitize_line(self.path), style="bold")
        self.query_one("#files-header", Static).update(header)
        self.query_one("#files-state", Static).update(Text(sanitize_line(text), no_wrap=True, overflow="ellipsis"))

    def _selected(self) -> fs.AllocFileInfo | None:
        row = self.table.cursor_row
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _child(self, name: str) -> str:
        return posixpath.join(self.path, name)

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open_selected()

    def action_open(self) -> None:
        """enter: a priority key (the table's own hidden enter would hide "⏎ Open" from the footer), so it
        opens the row once the keys typed before it have moved the cursor (`j⏎` in one read)."""
        self.run_worker(self._open_in_order(self.focused), group="open", exclusive=True, exit_on_error=False)

    async def _open_in_order(self, focused: Widget | None) -> None:
        await typed_before_handled(self.app, focused or self)
        self._open_selected()

    def _open_selected(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        if entry.is_dir:
            self.load(self._child(entry.name))
        else:
            self.app.push_screen(FileViewScreen(self.client, self.alloc_id, self.title_text, self._child(entry.name)))

    def action_follow_file(self) -> None:
        entry = self._selected()
        if entry is None or entry.is_dir:
            self.app.notify("Choose a file to follow.", timeout=2, markup=False)
            return
        path = self._child(entry.name)
        self.app.push_screen(FileViewScreen(self.client, self.alloc_id, self.title_text, path, follow=True))

    def action_move(self, step: int) -> None:
        if self.entries:
            row = max(0, min(len(self.entries) - 1, self.table.cursor_row + step))
            self.table.move_cursor(row=row)

    def action_edge(self, end: int) -> None:
        if self.entries:
            self.table.move_cursor(row=len(self.entries) - 1 if end else 0)

    def action_parent(self) -> None:
        if self.path.strip("/") == "":
            return
        parent, name = posixpath.split(self.path.rstrip("/"))
        self.load(parent or "/", select=name)

    def action_reload(self) -> None:
        entry = self._selected()
        self.load(self.path, select=entry.name if entry else None)

    def action_close(self) -> None:
        self.app.pop_screen()


class FileViewScreen(LogPaneScreen):
    """One file: read in pages (`[` / `]`), or followed as it grows (`F`)."""

    BINDINGS = bindings("file-view")  # ui/keymap.py
    HELP_CONTEXT = "Files"

    def __init__(self, client: NomadClient, alloc_id: str, title: str, path: str, *, follow: bool = False) -> None:
        super().__init__()
        self.client = client
        self.alloc_id = alloc_id
        self.title_text = title
        self.path = path
        self.following = follow
        self.file_size = 0
        self.page_start = 0
        self.page_end = 0  # where the next page starts: a line's start, never inside one
        self.pages_before: list[int] = []  # starts of the pages read before this one (`[` goes back)
        self.page_bytes = 0  # bytes of the file on screen (a hex dump's text is ~5x longer)
        self.binary = False

    def on_mount(self) -> None:
        super().on_mount()
        self.view.follow = False
        self._start()

    def _start(self) -> None:
        self.workers.cancel_group(self, "file")
        self.buffer.clear()
        self.view.reset()
        self.view.follow = self.following
        work = self._follow() if self.following else self._read_page(self.page_start)
        self.run_worker(work, group="file", exclusive=True, exit_on_error=False)

    async def _read_page(self, start: int) -> None:
        self._set_state("reading…")
        try:
            info = await fs.stat_file(self.client, self.alloc_id, self.path)
            if info.is_dir:
                self._set_state(f"{sanitize_line(self.path)} is a directory")
                return
            self.file_size = info.size
            if info.size <= fs.PAGE_BYTES and start == 0:
                data = await fs.cat_file(self.client, self.alloc_id, self.path)
            else:
                data = await fs.read_at(self.client, self.alloc_id, self.path, start)
        except NomadError as error:
            self._set_state(explain(error, "reading files"))
            return
        self.page_start = start
        self.binary = looks_binary(data)
        if not self.binary and start + len(data) < self.file_size:
            # A page ends at a line's end: the partial last line begins the next page, never cut in two
            # (unless one line is longer than a whole page).
            cut = data.rfind(b"\n")
            if cut >= 0:
                data = data[: cut + 1]
        self.page_end = start + len(data)
        self.page_bytes = len(data)
        self.buffer.append(hexdump(data, start) if self.binary else data)
        self.buffer.flush()
        self.view.scroll_home(animate=False, immediate=True)
        self._dirty = True
        span = f"bytes {start:,}–{self.page_end:,} of {self.file_size:,}"
        if self.binary:
            self._set_state(f"binary file, {self.file_size:,} bytes · shown as a hex dump · {span}")
        else:
            self._set_state(f"text · {span}")

    async def _follow(self) -> None:
        attempt = 0
        position: int | None = None
        while True:
            try:
                self._set_state("connecting…" if position is None else "reconnecting…")
                if position is None:
                    frames = fs.stream_file(self.client, self.alloc_id, self.path, origin="end", offset=FOLLOW_BACK)
                else:
                    frames = fs.stream_file(self.client, self.alloc_id, self.path, origin="start", offset=position)
                self._set_state("following")
                async for frame in frames:
                    attempt = 0
                    if frame.file_event:
                        self.buffer.add_marker(f"--- {frame.file_event} ---")
                        if frame.file_event == "file deleted":
                            self._dirty = True
                            self._set_state("the file was deleted")
                            return
                    if frame.data:
                        self.buffer.append(frame.data)
                        position = frame.offset
                    self._dirty = True
                self._set_state("stream ended by the agent; reconnecting…")
            except NomadError as error:
                attempt += 1
                delay = min(30.0, 2.0 * attempt) * (0.5 + random.random() / 2)
                self._set_state(f"{explain(error, 'following files')} · retrying in {delay:.0f}s")
                await asyncio.sleep(delay)
                continue
            await asyncio.sleep(0.5)

    def header_text(self) -> Text:
        header = Text()
        header.append("File ", style="bold")
        header.append(f"{self.title_text} · ")
        header.append(sanitize_line(self.path), style="bold")
        if self.file_size and not self.following:
            header.append(f" · {human_bytes(self.file_size)}")
        header.append(" · following the file" if self.following else " · [ ] pages, F follows")
        return header

    def tail_text(self) -> str:
        return super().tail_text() if self.following else ""

    def save_name_parts(self) -> tuple[str, ...]:
        return (self.alloc_id[:8], posixpath.basename(self.path))

    def counts_text(self) -> str:
        if self.following:
            return super().counts_text()
        what = "lines of hex" if self.binary else "lines"
        return f" · {len(self.buffer)} {what} · {human_bytes(self.page_bytes)} received"

    def action_page(self, step: int) -> None:
        if self.following:
            return
        if step > 0 and self.page_end < self.file_size:
            self.pages_before.append(self.page_start)
            self.page_start = self.page_end
        elif step < 0 and self.pages_before:
            self.page_start = self.pages_before.pop()
        else:
            self.app.notify("No more pages that way.", timeout=2, markup=False)
            return
        self._start()

    def action_toggle_stream(self) -> None:
        self.following = not self.following
        self._start()
