"""Opening and closing screens in a loop keeps the number of footer widgets flat.  Textual 8.2.8's
own Footer keeps every generation of FooterKeys reachable (it reproduces with a bare Textual app);
nomad-tui's AppFooter does not, and every screen of the app uses it."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

import nomad_tui
from nomad_tui.ui.widgets.footer import AppFooter

pytestmark = pytest.mark.hostile

CYCLES = 10


class Dialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        yield Static("dialog")


class Bare(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("d", "dialog", "Dialog")]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield self.footer()


def footer_keys() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, FooterKey))


async def footer_keys_kept(footer: type[Footer]) -> int:
    app = Bare(footer)
    async with app.run_test() as pilot:
        await pilot.pause()
        before = footer_keys()
        for _ in range(CYCLES):
            await app.push_screen(Dialog())
            await pilot.pause()
            app.pop_screen()
            await pilot.pause()
        return footer_keys() - before


async def test_screen_push_and_pop_do_not_leak_footer_widgets() -> None:
    kept = await footer_keys_kept(AppFooter)
    assert kept < CYCLES, f"{kept} FooterKeys kept after {CYCLES} dialogs"


def test_every_screen_uses_the_footer_without_the_leak() -> None:
    sources = Path(nomad_tui.__file__).parent.rglob("*.py")
    plain = [p.name for p in sources if re.search(r"\byield Footer\(", p.read_text())]
    assert plain == []
