"""TerminalView inside a running app (App.run_test + Pilot)."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Static

from nomad_tui.term.backends import available
from nomad_tui.term.emulator import Emulator, drawable
from nomad_tui.term.pyte_backend import PyteEmulator
from nomad_tui.ui import raw_input
from nomad_tui.ui.widgets.terminal import TerminalView

COLS, ROWS = 40, 10
# The tests that show an issue-17 behaviour on screen run on every VT backend that loads here.
BACKENDS = sorted(available())


class TerminalApp(App[None]):
    def __init__(self, terminal: TerminalView | None = None) -> None:
        super().__init__()
        self.terminal = terminal or TerminalView()
        self.received: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.terminal
        yield Static("below", id="other")

    def on_terminal_view_input(self, message: TerminalView.Input) -> None:
        self.received.append(message)

    def on_terminal_view_resized(self, message: TerminalView.Resized) -> None:
        self.received.append(message)

    def on_terminal_view_title_changed(self, message: TerminalView.TitleChanged) -> None:
        self.received.append(message)

    def on_terminal_view_detach_requested(self, message: TerminalView.DetachRequested) -> None:
        self.received.append(message)

    def on_raw_keys(self, message: raw_input.RawKeys) -> None:
        raw_input.deliver(self, message)

    def inputs(self, *, replies: bool = False) -> list[bytes]:
        return [m.data for m in self.received if isinstance(m, TerminalView.Input) and m.reply == replies]

    def of(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.received if isinstance(m, kind)]


CSS = "TerminalView { height: 10; } #other { height: 1; }"


def make_app(terminal: TerminalView | None = None) -> TerminalApp:
    app = TerminalApp(terminal)
    app.CSS = CSS
    return app


async def settle(app: TerminalApp, pilot: object) -> None:
    """Everything fed is parsed and the next frame has been painted."""
    await app.terminal.wait_idle()
    await pilot.pause(0.05)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def lines(terminal: TerminalView) -> list[str]:
    return [terminal.render_line(y).text.rstrip() for y in range(terminal.size.height)]


async def test_renders_fed_bytes_and_reports_size_title_and_replies() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        terminal.focus()
        await pilot.pause()
        assert [(m.cols, m.rows) for m in app.of(TerminalView.Resized)] == [(COLS, ROWS)]
        assert (terminal.emulator.cols, terminal.emulator.rows) == (COLS, ROWS)

        terminal.feed(b"hello \x1b[31mred\x1b[0m\r\n\x1b[38;2;1;2;3mrgb\x1b[0m\x1b]0;remote title\x07\x1b[6n")
        await settle(app, pilot)
        assert lines(terminal)[:2] == ["hello red", "rgb"]
        segments = list(terminal.render_line(0))
        red = next(s for s in segments if s.text.startswith("red"))
        assert (
            red.style is not None and red.style.color is not None and red.style.color.name == "#cd0000"
        )  # xterm's red, not the app theme's
        assert [m.title for m in app.of(TerminalView.TitleChanged)] == ["remote title"]
        assert app.inputs(replies=True) == [b"\x1b[2;4R"]
        assert terminal.frames >= 1


async def test_keys_become_input_messages() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        app.terminal.focus()
        await pilot.pause()
        await pilot.press("l", "s", "enter", "ctrl+c", "up", "tab", "shift+tab", "escape", "f5", "alt+x")
        await pilot.pause()
        assert app.inputs() == [b"l", b"s", b"\r", b"\x03", b"\x1b[A", b"\t", b"\x1b[Z", b"\x1b", b"\x1b[15~", b"\x1bx"]
        # Tab was sent to the remote, not used to move focus.
        assert app.focused is app.terminal

        app.terminal.feed(b"\x1b[?1h")  # the remote switches to application cursor keys
        await settle(app, pilot)
        app.received.clear()
        await pilot.press("up", "home")
        await pilot.pause()
        assert app.inputs() == [b"\x1bOA", b"\x1bOH"]


async def test_detach_key_is_not_sent() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        app.terminal.focus()
        await pilot.pause()
        await pilot.press("ctrl+right_square_bracket")
        await pilot.pause()
        assert app.inputs() == []
        assert len(app.of(TerminalView.DetachRequested)) == 1


async def test_configurable_detach_key() -> None:
    app = make_app(TerminalView(detach_key="ctrl+b"))
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        app.terminal.focus()
        await pilot.pause()
        await pilot.press("ctrl+b", "ctrl+right_square_bracket")
        await pilot.pause()
        assert app.inputs() == [b"\x1d"]
        assert len(app.of(TerminalView.DetachRequested)) == 1


async def test_paste_plain_and_bracketed() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        terminal.focus()
        await pilot.pause()
        terminal.post_message(events.Paste("echo 1\necho 2"))
        await pilot.pause()
        terminal.feed(b"\x1b[?2004h")
        await settle(app, pilot)
        terminal.post_message(events.Paste("evil\x1b[201~rm -rf ~"))
        await pilot.pause()
        assert app.inputs() == [b"echo 1\recho 2", b"\x1b[200~evil[201~rm -rf ~\x1b[201~"]


async def test_resize_posts_resized_and_resizes_the_emulator() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(60, 21)
        await pilot.pause()
        await pilot.pause()
        assert [(m.cols, m.rows) for m in app.of(TerminalView.Resized)] == [(COLS, ROWS), (60, 10)]
        assert (app.terminal.emulator.cols, app.terminal.emulator.rows) == (60, 10)
        app.terminal.feed(b"x" * 59 + b"|")
        await settle(app, pilot)
        assert lines(app.terminal)[0] == "x" * 59 + "|"


async def test_cursor_is_drawn_only_when_focused() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        app.set_focus(None)  # the app focuses the first focusable widget on its own
        terminal.feed(b"ab")
        await settle(app, pilot)

        def cursor_reversed() -> bool:
            cell = terminal.render_line(0).crop(2, 3)
            return any(segment.style is not None and segment.style.reverse for segment in cell)

        assert not cursor_reversed()
        terminal.focus()
        await pilot.pause()
        assert cursor_reversed()
        terminal.feed(b"\x1b[?25l")  # the remote hides it
        await settle(app, pilot)
        assert not cursor_reversed()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_scrollback_with_shift_page_keys(backend: str) -> None:
    app = make_app(TerminalView(available()[backend](COLS, ROWS)))
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        terminal.focus()
        terminal.feed(b"\r\n".join(f"line {i}".encode() for i in range(100)))
        await settle(app, pilot)
        assert lines(terminal)[-1] == "line 99"
        await pilot.press("shift+pageup")
        await pilot.pause()
        assert terminal.history_offset == ROWS - 1
        assert lines(terminal)[-1] == "line 90"
        assert "[9/90]" in lines(terminal)[0]  # where we are in the scrollback
        # Output arriving meanwhile does not move the view.
        terminal.feed(b"\r\nline 100")
        await settle(app, pilot)
        assert lines(terminal)[-1] == "line 90"
        await pilot.press("shift+pagedown", "shift+pagedown")
        await pilot.pause()
        assert terminal.history_offset == 0
        assert lines(terminal)[-1] == "line 100"
        # Typing jumps back to the live screen.
        await pilot.press("shift+pageup", "x")
        await pilot.pause()
        assert terminal.history_offset == 0
        assert app.inputs() == [b"x"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_view_into_the_scrollback_stays_on_its_lines_while_old_ones_are_dropped(backend: str) -> None:
    """Scrolled back while output keeps coming and the scrollback, full, drops its oldest lines
    (libghostty a page at a time): the view shows the same lines throughout, and every
    scrollback line is the one pushed at its place."""
    app = make_app(TerminalView(available()[backend](COLS, ROWS)))
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        emulator = terminal.emulator
        terminal.focus()
        count = 0

        async def more(lines_: int) -> None:
            nonlocal count
            terminal.feed(b"".join(b"\r\nline %d" % n for n in range(count, count + lines_)))
            count += lines_
            await settle(app, pilot)

        await more(4500)
        terminal.scroll_history(-10)
        await pilot.pause()
        shown = lines(terminal)[1:]
        assert shown[-1].startswith("line ")
        reads = getattr(emulator, "history_reads", 0)
        dropped = False
        for _ in range(15):  # 1500 lines: fewer than the scrollback keeps, more than one page
            length = emulator.scrollback_len
            await more(100)
            dropped = dropped or emulator.scrollback_len < length + 100
            assert lines(terminal)[1:] == shown
        assert dropped  # the scrollback was full: old lines went while the view stayed put
        # libghostty: the lines in view were read from it once, not again at every repaint.
        assert getattr(emulator, "history_reads", 0) == reads
        pushed, length = emulator.scrollback_pushed, emulator.scrollback_len
        assert pushed == count - ROWS + 1 and length >= 2000
        # The first line pushed was the blank one above "line 0".
        assert [emulator.scrollback_text(i).rstrip() for i in (0, length // 2, length - 1)] == [
            f"line {pushed - length + i - 1}" for i in (0, length // 2, length - 1)
        ]


async def test_bytes_fed_before_mount_are_shown() -> None:
    terminal = TerminalView(PyteEmulator(COLS, ROWS))
    terminal.feed(b"early bird")
    app = make_app(terminal)
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        await settle(app, pilot)
        assert lines(terminal)[0] == "early bird"


async def test_nothing_from_the_remote_reaches_the_real_terminal() -> None:
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        terminal.focus()
        terminal.feed(
            b"ok\x1b]52;c;aGFja2Vk\x07\x1b]0;pwned\x07\x1b]52;c;aGFja2Vk\x1b\\\xc2\x9b31mC1"
            b"\x1bPq#0;2;0;0;0\x1b\\\x1b_apc\x1b\\\x1b[2Jend\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"
        )
        await settle(app, pilot)
        update = app.screen._compositor.render_update(full=True)
        output = "".join(update.render_segments(app.console))
        for forbidden in ("\x1b]", "\x1bP", "\x1b_", "\x9b", "\x9d", "\x07", "aGFja2Vk", "pwned", "http://x"):
            assert forbidden not in output, forbidden
        for y in range(ROWS):
            for segment in terminal.render_line(y):
                assert drawable(segment.text), repr(segment.text)
        assert [m.title for m in app.of(TerminalView.TitleChanged)] == ["pwned"]  # only as a message


async def test_firehose_skips_ahead_and_the_app_stays_responsive() -> None:
    """5 MB arriving faster than it can be parsed (`yes`): the widget keeps only the tail."""
    app = make_app()
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal = app.terminal
        terminal.focus()
        await pilot.pause()
        total = 5 * 1024 * 1024
        chunk = b"y\r\n" * (256 * 1024 // 3)
        sent = 0
        while sent < total:
            terminal.feed(chunk)  # a fast network delivers far more per loop turn than we parse
            sent += len(chunk)
            await asyncio.sleep(0)
        terminal.feed(b"the end\r\n")
        await terminal.wait_idle()
        await pilot.pause(0.05)
        # How much is skipped depends on how fast this machine parses (a quiet one with libghostty
        # keeps up with more than half): that some was, and that every byte is accounted for, does not.
        assert terminal.skips >= 1
        assert terminal.skipped_bytes >= len(chunk)
        assert terminal.bytes_fed + terminal.skipped_bytes == terminal.bytes_received
        assert terminal.backlog_bytes == 0
        assert lines(terminal)[-2:] == ["the end", ""]
        assert lines(terminal)[-3] == "y"
        # Still responsive: a key press goes out at once.
        await pilot.press("q")
        await pilot.pause()
        assert app.inputs()[-1] == b"q"


async def test_custom_emulator_is_used() -> None:
    emulator: Emulator = PyteEmulator(10, 3)
    app = make_app(TerminalView(emulator))
    async with app.run_test(size=(COLS, ROWS + 1)):
        assert app.terminal.emulator is emulator
        assert (emulator.cols, emulator.rows) == (COLS, ROWS)


class CountingEmulator(PyteEmulator):
    """Records which screen rows the widget turns into strips."""

    def __init__(self) -> None:
        super().__init__(COLS, ROWS)
        self.rendered: list[int] = []

    def row_runs(self, y: int) -> list[tuple[str, object]]:  # type: ignore[override]
        self.rendered.append(y)
        return super().row_runs(y)


async def test_only_dirty_rows_are_rendered_again() -> None:
    emulator = CountingEmulator()
    app = make_app(TerminalView(emulator))
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        app.terminal.feed(b"\r\n".join(b"row %d" % i for i in range(ROWS)))
        await settle(app, pilot)
        emulator.rendered.clear()
        app.terminal.feed(b"\x1b[4;1Hchanged")
        await settle(app, pilot)
        assert set(emulator.rendered) == {3}
        assert lines(app.terminal)[3] == "changed"
        assert set(emulator.rendered) == {3}  # the other rows come from the strip cache


class PaintTimes(TerminalView):
    def __init__(self) -> None:
        super().__init__(PyteEmulator(COLS, ROWS), max_fps=30)
        self.painted_at: list[float] = []

    def _repaint(self) -> None:
        self.painted_at.append(time.monotonic())
        super()._repaint()


async def test_repaints_are_at_most_max_fps() -> None:
    terminal = PaintTimes()
    app = make_app(terminal)
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal.feed(b"fill\r\n" * ROWS)  # from here on every line scrolls the whole screen
        await settle(app, pilot)
        terminal.painted_at.clear()
        for i in range(200):
            terminal.feed(b"tick %d\r\n" % i)
            await asyncio.sleep(0)
            if i % 20 == 0:
                await pilot.pause(0.01)
        await settle(app, pilot)
        gaps = [b - a for a, b in zip(terminal.painted_at, terminal.painted_at[1:], strict=False)]
        assert len(terminal.painted_at) >= 2
        assert min(gaps) >= 1 / 30 - 0.005  # output in bulk: never faster than max_fps (with timer slack)
        assert lines(terminal)[-2] == "tick 199"


async def test_the_echo_of_a_key_is_painted_without_waiting_for_a_frame() -> None:
    """Small changes wait for the echo frame rate (here one a minute) unless they follow the
    user's input: the first one after a key is painted at once, the next waits again."""
    terminal = TerminalView(PyteEmulator(COLS, ROWS), echo_fps=1 / 60, max_fps=1 / 60)
    app = make_app(terminal)
    async with app.run_test(size=(COLS, ROWS + 1)) as pilot:
        terminal.focus()
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        frames = terminal.frames
        terminal.feed(b"a")  # the remote's echo
        await settle(app, pilot)
        assert terminal.frames == frames + 1 and lines(terminal)[0] == "a"
        terminal.feed(b"b")  # output nobody typed for: it waits for its frame
        await settle(app, pilot)
        assert terminal.frames == frames + 1 and lines(terminal)[0] == "a"
        assert app.inputs() == [b"a"]


async def test_raw_keys_reach_the_remote_as_the_terminal_sent_them_while_focused() -> None:
    """The driver's input thread feeds `RawRoutingParser`; its messages go to the app, as here."""
    view = TerminalView(raw_keys=True)
    app = TerminalApp(view)
    parser = raw_input.RawRoutingParser()

    def typed(text: str) -> None:
        for event in parser.feed(text):
            app.post_message(event)

    async with app.run_test(size=(COLS, ROWS)) as pilot:
        view.focus()
        await pilot.pause()
        assert raw_input.GATE.holder is view
        typed("\x1b:wq\r")  # Esc and `:wq` in one read: vim must see the Esc
        typed("\x1bb\x1b.\x1b1\x08\x7f\x1b\x7f\x1b\r")
        typed("\x1b[200~pasted\x1b[201~")
        typed("\x1d")  # the detach key stays ours
        await pilot.pause()
        sent = b"".join(m.data for m in app.received if isinstance(m, TerminalView.Input))
        assert sent == b"\x1b:wq\r\x1bb\x1b.\x1b1\x08\x7f\x1b\x7f\x1b\rpasted"
        assert any(isinstance(m, TerminalView.DetachRequested) for m in app.received)

        view.accepts_input = False  # the remote is gone: keys are keys again
        assert raw_input.GATE.holder is None
        events = list(parser.feed("r"))
        assert [type(e).__name__ for e in events] == ["Key"]
    assert raw_input.GATE.holder is None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_ansi_colours_are_xterms_and_dim_is_carried(backend: str) -> None:
    """Red and magenta differ, blue is blue (not the app theme's), SGR 2 reaches the screen."""
    view = TerminalView(available()[backend](COLS, ROWS))
    app = TerminalApp(view)
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        view.feed(b"\x1b[31mR\x1b[35mM\x1b[34mB\x1b[94mb\x1b[0;2mD\x1b[1mX\x1b[22mN\x1b[0m")
        await view.wait_idle()
        await pilot.pause()
        segments = [s for s in view.render_line(0) if s.text.strip()]
        colours = {s.text: s.style.color.name for s in segments if s.style and s.style.color}
        assert colours["R"] == "#cd0000" and colours["M"] == "#cd00cd" and colours["B"] == "#0000ee"
        assert colours["b"] == "#5c5cff"
        styles = {s.text: s.style for s in segments}
        assert styles["D"] is not None and styles["D"].dim and not styles["D"].bold
        assert styles["X"] is not None and styles["X"].dim and styles["X"].bold  # SGR 2 then 1: both
        assert styles["N"] is not None and not styles["N"].dim and not styles["N"].bold  # SGR 22: neither
    emulator = view.emulator
    assert emulator.cell(4, 0).style.dim and not emulator.cell(4, 0).style.bold


@pytest.mark.parametrize("backend", BACKENDS)
async def test_mouse_goes_to_a_remote_that_tracks_it_and_shift_keeps_it_local(backend: str) -> None:
    view = TerminalView(available()[backend](COLS, ROWS))
    app = TerminalApp(view)

    def sent() -> list[bytes]:
        data = [m.data for m in app.received if isinstance(m, TerminalView.Input) and not m.reply]
        app.received.clear()
        return data

    def wheel(up: bool, shift: bool = False) -> None:
        kind = events.MouseScrollUp if up else events.MouseScrollDown
        view.post_message(kind(view, 2, 1, 0, 0, 0, shift, False, False))

    async with app.run_test(size=(COLS, ROWS)) as pilot:
        view.feed(b"\x1b[?1049h")  # alternate screen, no tracking: the wheel sends arrows
        await view.wait_idle()
        wheel(up=True)
        await pilot.pause()
        assert sent() == [b"\x1b[A" * 3]

        view.feed(b"\x1b[?1002h\x1b[?1006h")
        await view.wait_idle()
        await pilot.click(TerminalView, offset=(5, 3))
        await pilot.pause()
        assert sent() == [b"\x1b[<0;6;4M", b"\x1b[<0;6;4m"]
        wheel(up=False)
        await pilot.pause()
        assert sent() == [b"\x1b[<65;3;2M"]
        assert not view.allow_select

        await pilot.click(TerminalView, offset=(5, 3), shift=True)  # shift: ours (selection)
        wheel(up=True, shift=True)
        await pilot.pause()
        assert sent() == []
        assert view.allow_select

        view.feed(b"\x1b[?1002l\x1b[?1006l\x1b[?1049l")
        await view.wait_idle()
        await pilot.click(TerminalView, offset=(5, 3))
        await pilot.pause()
        assert sent() == []
