"""Selecting text with the mouse in our Line-API widgets, and copying it with ctrl+c.

Both once crashed the app: the terminal defined a `scroll_offset` (an int) that Textual's selection
reads as its own Offset, and the log view a `_render(raw, …)` that Textual's copy calls as `_render()`.
"""

from __future__ import annotations

from conftest import drag, until
from textual.app import App, ComposeResult

from nomad_tui.state.logbuffer import LogBuffer
from nomad_tui.term.pyte_backend import PyteEmulator
from nomad_tui.ui.widgets.log_view import LogView
from nomad_tui.ui.widgets.terminal import TerminalView


class OneWidget(App[None]):
    def __init__(self, widget: LogView | TerminalView) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


async def test_drag_and_copy_in_the_log_view() -> None:
    buffer = LogBuffer()
    buffer.append(b"".join(f"line {i} \x1b[31mred\x1b[0m\n".encode() for i in range(100)))
    view = LogView(buffer)
    app = OneWidget(view)
    async with app.run_test(size=(40, 10)) as pilot:
        view.data_added()
        await pilot.pause()
        view.scroll_to(y=50, animate=False, immediate=True)  # selection offsets are in scrolled (virtual) rows
        await until(pilot, lambda: view.scroll_y == 50, what="scrolled")
        assert view.render_line(0).text.startswith("line 50 red")
        await drag(pilot, view, (5, 0), (6, 2))
        assert app.screen.get_selected_text() == "50 red\nline 51 red\nline 52"
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        assert app.clipboard == "50 red\nline 51 red\nline 52"


async def test_drag_and_copy_in_the_terminal() -> None:
    terminal = TerminalView(PyteEmulator(40, 9))
    app = OneWidget(terminal)
    async with app.run_test(size=(40, 10)) as pilot:
        terminal.feed(b"first line\r\nsecond \x1b[1mline\x1b[0m\r\n")
        await terminal.wait_idle()
        await pilot.pause()
        await drag(pilot, terminal, (6, 0), (10, 1))
        assert app.screen.get_selected_text() == "line\nsecond line"
        # Selected cells are painted.
        selected = app.screen.get_component_rich_style("screen--selection")
        assert any(seg.style and seg.style.bgcolor == selected.bgcolor for seg in terminal.render_line(1))
        await pilot.press("ctrl+c")  # a live terminal sends ctrl+c to the remote; the app must survive it
        await pilot.pause()
        assert app.is_running
        terminal.accepts_input = False  # once the remote is gone, ctrl+c copies
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "line\nsecond line"


async def test_drag_and_copy_across_a_wrapped_line() -> None:
    buffer = LogBuffer()
    buffer.append(b"short\n" + b"".join(b"%d" % (i % 10) for i in range(60)) + b"\n")
    view = LogView(buffer)
    app = OneWidget(view)
    async with app.run_test(size=(40, 10)) as pilot:
        view.set_wrap(True)
        await until(pilot, lambda: view.virtual_size.height == 3, what="the long line folded")
        await drag(pilot, view, (36, 1), (1, 2))  # the end of the first piece into the second
        assert app.screen.get_selected_text() == "6789\n01"
