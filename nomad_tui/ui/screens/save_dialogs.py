"""Saving to a file and small choices: the path is shown and editable, nothing is overwritten without
asking, and what is written is plain text of ours (never the task's raw control sequences)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.key_gate import GuardedDialog
from nomad_tui.ui.screens.action_dialogs import DIALOG_CSS, ConfirmScreen

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(*parts: str, suffix: str, now: datetime | None = None) -> str:
    """A file name from cluster strings (job, allocation, task): only safe characters, a time stamp."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    cleaned = [_UNSAFE_NAME.sub("_", part).strip("._")[:40] for part in parts if part]
    return "-".join([*(c for c in cleaned if c), stamp]) + suffix


def save_dir(app: App[object]) -> Path:
    """Where files are suggested: the app's `save_dir` (tests point it elsewhere), else the working directory."""
    directory = getattr(app, "save_dir", None)
    return Path(directory) if directory is not None else Path.cwd()


class SavePathScreen(GuardedDialog[Path | None]):
    """The path to write, prefilled and editable.  Dismisses with it, or None on escape."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SavePathScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, heading: str, suggested: Path) -> None:
        super().__init__()
        self.heading = heading
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(sanitize_line(self.heading)), classes="dialog-title")
            yield Input(value=str(self.suggested), id="save-path")
            yield Static(Text("enter: save · esc: cancel"), classes="dialog-hint")

    @on(Input.Submitted, "#save-path")
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(Path(value).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(GuardedDialog[str | None]):
    """Pick one of a few labelled choices of ours.  Dismisses with the chosen key, or None."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ChoiceScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, heading: str, choices: Iterable[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.heading = heading
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.heading), classes="dialog-title")
            options = [Option(Text(label), id=key) for key, label in self.choices]
            yield OptionList(*options, id="choices")
            yield Static(Text("enter: choose · esc: cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        keys = [key for key, _ in self.choices]
        if self.current in keys:
            self.query_one(OptionList).highlighted = keys.index(self.current)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


async def ask_path(app: App[object], heading: str, suggested: Path) -> Path | None:
    """The path to write to, confirmed: an existing file is replaced only when the user says so."""
    path = await app.push_screen_wait(SavePathScreen(heading, suggested))
    if path is None:
        return None
    if path.is_dir():
        app.notify(f"{path} is a directory: nothing saved.", severity="error", markup=False)
        return None
    if path.exists():
        question = ConfirmScreen.question("Replace the existing file?", f"{path} already exists.", confirm="Replace")
        if not await app.push_screen_wait(question):
            return None
    return path


async def write_text(app: App[object], path: Path, text: str, what: str) -> bool:
    """Write `text` to `path` off the event loop and say where it went (or why it did not)."""
    try:
        await asyncio.to_thread(_write, path, text)
    except OSError as exc:
        app.notify(f"Could not save to {path}: {exc.strerror or exc}", severity="error", markup=False)
        return False
    app.notify(f"Saved {what} to {path}", timeout=6, markup=False)
    return True


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
