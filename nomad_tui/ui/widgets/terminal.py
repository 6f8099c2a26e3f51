"""`TerminalView`: a Line-API widget that shows an `Emulator` and turns keys into input bytes.

It knows nothing about WebSockets or Nomad.  Whoever owns the connection (the exec session):
- calls `feed(data)` with the remote's output bytes;
- sends `TerminalView.Input.data` to the remote's stdin (keys, pastes, and the emulator's answers
  to DSR/DA queries, the latter flagged `reply=True`);
- sends a tty size on `TerminalView.Resized` (one is posted once the widget has a size);
- shows `TerminalView.TitleChanged.title` in its own chrome, and handles `DetachRequested`;
- sets `accepts_input = False` once the remote is gone, so keys reach the screen's bindings.

Rendering: one cached `Strip` per screen row, dropped when the emulator marks the row dirty; at
most `max_fps` repaints a second for output in bulk, up to `echo_fps` for a lone small change such
as a key's echo (so typing is not held back to the frame rate).

Output is parsed by a worker in slices of a few milliseconds with a yield between them, so the app
keeps responding.  When the backlog grows past about `max_lag` seconds of parsing (measured; at
most `backlog_limit` bytes), the middle is dropped and only the last `keep_tail` bytes are parsed,
as tmux and mosh do, so `yes` or `cat` of a big file cannot freeze the dashboard.

Nothing the remote sends reaches the user's real terminal: the emulator keeps every control
sequence, and each run of text is checked printable again here before it becomes a Segment.
"""

from __future__ import annotations

import asyncio
import binascii
import time
from base64 import b64decode
from collections import deque

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from nomad_tui.term import palette
from nomad_tui.term.backends import make_emulator
from nomad_tui.term.emulator import CellStyle, Emulator, Run, drawable
from nomad_tui.term.keys import encode_key, encode_paste
from nomad_tui.term.mouse import (
    LEFT,
    MIDDLE,
    RIGHT,
    WHEEL_DOWN,
    WHEEL_LINES,
    WHEEL_UP,
    MouseAction,
    MouseTracker,
    wheel_as_arrows,
)
from nomad_tui.ui import raw_input
from nomad_tui.ui.widgets.selection import paint_selection

DEFAULT_DETACH_KEY = "ctrl+right_square_bracket"
SCROLLBACK_KEYS = {"shift+pageup": -1, "shift+pagedown": 1}
SMALL_CHANGE_BYTES = 256  # output up to this size since the last paint is an echo, not bulk
_MOUSE_BUTTONS = {1: LEFT, 2: MIDDLE, 3: RIGHT}  # Textual's button numbers to xterm's


def _base64_size(encoded: bytes | bytearray) -> int:
    """How many bytes `encoded` decodes to (no decoding needed)."""
    return len(encoded) * 3 // 4 - encoded[-2:].count(b"=")


def _decode_base64(encoded: bytes | bytearray) -> bytes:
    try:
        return b64decode(encoded)
    except (binascii.Error, ValueError):
        return b""  # malformed: nothing the screen can use


def _printable(text: str) -> str:
    """Defence in depth: the emulator already guarantees this; never trust it alone."""
    if drawable(text):
        return text
    return "".join(char if drawable(char) else "\ufffd" for char in text)


class TerminalView(Widget, can_focus=True):
    DEFAULT_CSS = """
    TerminalView {
        width: 1fr;
        height: 1fr;
    }
    """

    class Input(Message):
        """Bytes for the remote's stdin."""

        def __init__(self, data: bytes, *, reply: bool = False) -> None:
            super().__init__()
            self.data = data
            self.reply = reply  # True for answers to the remote's own queries, not typed input

    class Resized(Message):
        """The terminal now has this many columns and rows: tell the remote (tty_size)."""

        def __init__(self, cols: int, rows: int) -> None:
            super().__init__()
            self.cols = cols
            self.rows = rows

    class TitleChanged(Message):
        """The remote set its window title (already sanitised and truncated)."""

        def __init__(self, title: str) -> None:
            super().__init__()
            self.title = title

    class DetachRequested(Message):
        """The user pressed the detach key."""

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        detach_key: str = DEFAULT_DETACH_KEY,
        max_fps: float = 30.0,
        echo_fps: float = 120.0,
        slice_bytes: int = 512,
        slice_budget: float = 0.005,
        max_lag: float = 0.5,
        backlog_limit: int = 512 * 1024,
        keep_tail: int = 16 * 1024,
        raw_keys: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._emulator = emulator if emulator is not None else make_emulator()
        self.detach_key = detach_key
        self.max_fps = max_fps
        self.echo_fps = echo_fps
        self.slice_bytes = slice_bytes
        self.slice_budget = slice_budget
        self.max_lag = max_lag
        self.backlog_limit = backlog_limit
        self.keep_tail = keep_tail
        # Measured parse speed (bytes/s, smoothed): the backlog may hold about `max_lag` seconds
        # of work.  `yes` parses ~20x slower per byte than long lines, so a fixed byte limit
        # would mean seconds of lag for one and needless skips for the other.
        self._parse_rate = 1_000_000.0

        # Output waiting to be parsed: bytes, or base64 text not decoded yet (decoded only when
        # its turn comes, so output that a skip-ahead drops is never decoded at all).
        self._backlog: deque[bytes | bytearray] = deque()
        self._head_offset = 0  # bytes of the first backlog chunk already parsed
        self._backlog_bytes = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

        self._strips: dict[int, Strip] = {}
        self._styles: dict[CellStyle, Style] = {}
        self._base_style = Style()
        self._repaint_timer: object | None = None  # a Timer, or True while a call_later is queued
        self._last_paint = 0.0
        self._painted_cursor: tuple[int, int] = (-1, -1)
        self._reported_size: tuple[int, int] | None = None
        self._title = ""
        self._history_offset = 0
        self._pushed_seen = self._emulator.scrollback_pushed

        # True: while focused (and taking input), the user's keys arrive as the bytes their
        # terminal sent (`take_raw_keys`), not through Textual's key parser (`ui.raw_input`).
        self.raw_keys = raw_keys
        self._accepts_input = True
        self._mouse = MouseTracker()
        self._parsed_since_paint = 0
        self._awaiting_echo = False  # input went out since the last repaint
        self._repaint_cost = 0.0  # seconds the emulator took to hand over changed rows (smoothed)
        self._mouse_shift = False

        # Counters, for the exec session's status line, the benchmark and tests.
        self.bytes_received = 0
        self.bytes_fed = 0
        self.skipped_bytes = 0
        self.skips = 0
        self.frames = 0

    # ------------------------------------------------------------------ public surface

    @property
    def emulator(self) -> Emulator:
        return self._emulator

    @property
    def accepts_input(self) -> bool:
        """False once the remote is gone: keys (but the detach and scrollback keys) are no longer
        encoded and bubble to the screen's bindings instead, e.g. "r" to reconnect."""
        return self._accepts_input

    @accepts_input.setter
    def accepts_input(self, value: bool) -> None:
        self._accepts_input = value
        self._update_raw_gate()

    def take_raw_keys(self, data: bytes) -> None:
        """Bytes the user's terminal sent while this terminal held the raw-input gate."""
        if data and self._accepts_input:
            self._set_history_offset(0)
            self._send_input(data)

    def _send_input(self, data: bytes) -> None:
        """The user's input for the remote: the next small change on screen is taken for its echo."""
        self._awaiting_echo = True
        self.post_message(self.Input(data))

    def _local_keys(self) -> list[bytes]:
        """The keys that stay ours while input is raw: detach, scrollback, and the screen's
        priority bindings (switching between sessions), which take keys before any widget."""
        names = [self.detach_key, *SCROLLBACK_KEYS]
        for key, bindings in self.screen._bindings.key_to_bindings.items():
            if any(binding.priority for binding in bindings):
                names.append(key)
        return [data for data in (encode_key(name, None) for name in names) if data]

    @property
    def owns_keyboard(self) -> bool:
        """Typed bytes are ours now: input accepted, mounted, focused, and on the screen in front
        (a popped screen keeps its focused widget without a Blur)."""
        return self._accepts_input and self.is_attached and self.app.focused is self and self.screen is self.app.screen

    def refresh_raw_gate(self) -> None:
        self._update_raw_gate()

    def _update_raw_gate(self) -> None:
        want = self.raw_keys and self.owns_keyboard
        if want:
            if raw_input.GATE.hold(self, self._local_keys()):
                self._tell_user_terminal(raw_input.kitty_keyboard_off())
        elif raw_input.GATE.release(self):
            self._tell_user_terminal(raw_input.kitty_keyboard_on())

    def _tell_user_terminal(self, sequence: str) -> None:
        """Our own control sequence for the user's real terminal (never the remote's bytes)."""
        driver = getattr(self.app, "_driver", None)
        if sequence and driver is not None and not driver.is_headless:
            driver.write(sequence)

    @property
    def backlog_bytes(self) -> int:
        return self._backlog_bytes

    @property
    def history_offset(self) -> int:
        """Lines scrolled back into the scrollback (0: showing the live screen).  Not called
        `scroll_offset`: that is Widget's own (an Offset) and text selection reads it."""
        return self._history_offset

    def feed(self, data: bytes) -> None:
        """Queue output bytes from the remote; returns at once, parsing happens in slices."""
        if not data:
            return
        self._backlog.append(bytes(data))
        self._backlog_bytes += len(data)
        self.bytes_received += len(data)
        if self._backlog_bytes > self.skip_threshold:
            self._skip_ahead()
        self._idle.clear()
        self._wake.set()

    def feed_base64(self, encoded: bytes) -> None:
        """Queue output that arrived base64-encoded (an exec frame's payload); it is decoded only
        if it is going to be parsed."""
        if not encoded:
            return
        size = _base64_size(encoded)
        self._backlog.append(bytearray(encoded))  # a bytearray marks "still encoded"
        self._backlog_bytes += size
        self.bytes_received += size
        if self._backlog_bytes > self.skip_threshold:
            self._skip_ahead()
        self._idle.clear()
        self._wake.set()

    @property
    def skip_threshold(self) -> int:
        """Backlog size past which output is skipped: `max_lag` seconds of parsing at the measured
        speed, at least a few tails' worth and at most `backlog_limit`."""
        return int(min(self.backlog_limit, max(4 * self.keep_tail, self._parse_rate * self.max_lag)))

    async def wait_idle(self) -> None:
        """Wait until everything fed so far has been parsed."""
        await self._idle.wait()

    def scroll_history(self, pages: float) -> None:
        """Move the view through the scrollback by `pages` screens (negative: back in time)."""
        lines = int(pages * max(1, self._emulator.rows - 1)) or (1 if pages > 0 else -1)
        self._set_history_offset(self._history_offset - lines)

    # ------------------------------------------------------------------ feeding

    def _skip_ahead(self) -> None:
        """Drop all but the tail of the backlog: the screen only needs the latest output."""
        if self._head_offset:
            self._backlog[0] = self._backlog[0][self._head_offset :]
            self._head_offset = 0
        # Decode only the chunks that make up the tail; the rest are dropped as they came.
        parts: list[bytes] = []
        kept = 0
        while self._backlog and kept < self.keep_tail:
            chunk = self._backlog.pop()
            data = _decode_base64(chunk) if isinstance(chunk, bytearray) else chunk
            parts.append(data)
            kept += len(data)
        tail = b"".join(reversed(parts))[-self.keep_tail :]
        # Start at a line boundary when there is one, so the tail does not begin mid-sequence.
        newline = tail.find(b"\n", 0, len(tail) // 2)
        if newline != -1:
            tail = tail[newline + 1 :]
        self.skipped_bytes += self._backlog_bytes - len(tail)
        self.skips += 1
        self._backlog.clear()
        self._backlog.append(tail)
        self._backlog_bytes = len(tail)
        self._emulator.note_gap()

    def _take_slice(self) -> bytes:
        head = self._backlog[0]
        if isinstance(head, bytearray):  # still base64: decode it now that it is to be parsed
            data = _decode_base64(head)
            self._backlog_bytes += len(data) - _base64_size(head)
            head = self._backlog[0] = data
            if not data:
                self._backlog.popleft()
                return b""
        start = self._head_offset
        chunk = head[start : start + self.slice_bytes]  # copies one slice, not the rest of the chunk
        if start + len(chunk) >= len(head):
            self._backlog.popleft()
            self._head_offset = 0
        else:
            self._head_offset = start + len(chunk)
        self._backlog_bytes -= len(chunk)
        return bytes(chunk)

    async def _pump(self) -> None:
        """Parse the backlog a few milliseconds at a time, yielding to the event loop between."""
        emulator = self._emulator
        clock = time.perf_counter
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._backlog:
                started = clock()
                deadline = started + self.slice_budget
                parsed = 0
                while self._backlog and clock() < deadline:
                    chunk = self._take_slice()
                    emulator.feed(chunk)
                    parsed += len(chunk)
                self.bytes_fed += parsed
                self._parsed_since_paint += parsed
                elapsed = clock() - started
                if elapsed > 0.002:
                    self._parse_rate = 0.7 * self._parse_rate + 0.3 * (parsed / elapsed)
                self._after_feed()
                await asyncio.sleep(0)
            self._idle.set()

    def _after_feed(self) -> None:
        replies = self._emulator.replies()
        if replies:
            self.post_message(self.Input(replies, reply=True))
        self._schedule_repaint()

    # ------------------------------------------------------------------ repainting

    def _schedule_repaint(self) -> None:
        if self._repaint_timer is not None or not self.is_mounted:
            return
        # Output in bulk repaints at most `max_fps` times a second.  A small change with nothing
        # else waiting (a prompt, a spinner) may go out sooner, up to `echo_fps`: holding an echo
        # back for a 30 fps frame would add up to 33 ms to every keystroke.  The first small change
        # after the user's input is taken for its echo and painted at once: one paint per input,
        # so typing (or key repeat) cannot drive the frame rate, but no echo waits for a frame.
        # The emulator is asked for its dirty rows only after a few bytes: a backend that reads
        # rows when asked (libghostty's render state) would otherwise read the whole screen
        # after every parse slice of a flood.
        small = (
            not self._backlog
            and self._parsed_since_paint <= SMALL_CHANGE_BYTES
            and len(self._emulator.dirty_rows()) <= 2
        )
        # Bulk output also waits at least a few times as long as the last repaint took, so
        # reading and drawing the screen never takes more than a fraction of the event loop.
        if small and self._awaiting_echo:
            interval = 0.0
        else:
            interval = 1.0 / self.echo_fps if small else max(1.0 / self.max_fps, 4 * self._repaint_cost)
        delay = self._last_paint + interval - time.monotonic()
        if delay > 0:
            self._repaint_timer = self.set_timer(delay, self._repaint, name="terminal-repaint")
        else:
            # A zero-interval Timer divides by zero inside Textual; repaint on the next message.
            self._repaint_timer = True
            self.call_later(self._repaint)

    def _repaint(self) -> None:
        self._repaint_timer = None
        self._awaiting_echo = False
        self._last_paint = started = time.monotonic()
        self._parsed_since_paint = 0
        emulator = self._emulator
        dirty = emulator.dirty_rows()
        emulator.clear_dirty_rows()
        self._repaint_cost = 0.7 * self._repaint_cost + 0.3 * (time.monotonic() - started)
        base = self.rich_style
        if base != self._base_style:
            self._base_style = base
            self._strips.clear()
            dirty = set(range(emulator.rows))
        for y in dirty:
            self._strips.pop(y, None)

        pushed = emulator.scrollback_pushed
        if self._history_offset:
            # Stay on the same lines while new output scrolls in underneath.
            self._history_offset = min(self._history_offset + pushed - self._pushed_seen, emulator.scrollback_len)
        self._pushed_seen = pushed

        cursor = emulator.cursor
        cursor_row = (cursor.x, cursor.y)
        if self._history_offset:
            self.refresh()
        else:
            rows = set(dirty)
            if cursor_row != self._painted_cursor:
                rows.update((self._painted_cursor[1], cursor.y))
            self._refresh_rows(rows)
        self._painted_cursor = cursor_row

        title = emulator.title
        if title != self._title:
            self._title = title
            self.post_message(self.TitleChanged(title))
        self.frames += 1

    def _refresh_rows(self, rows: set[int]) -> None:
        height = self.size.height
        visible = sorted(y for y in rows if 0 <= y < height)
        if not visible:
            return
        width = self.size.width
        regions = []
        start = previous = visible[0]
        for y in visible[1:]:
            if y != previous + 1:
                regions.append(Region(0, start, width, previous - start + 1))
                start = y
            previous = y
        regions.append(Region(0, start, width, previous - start + 1))
        self.refresh(*regions)

    # ------------------------------------------------------------------ rendering

    def _rich_style(self, style: CellStyle) -> Style:
        rich = self._styles.get(style)
        if rich is None:
            rich = Style(
                color=palette.rgb(style.fg),
                bgcolor=palette.rgb(style.bg),
                bold=style.bold or None,
                dim=style.dim or None,
                italic=style.italic or None,
                underline=style.underline or None,
                strike=style.strike or None,
                reverse=style.reverse or None,
                blink=style.blink or None,
            )
            if len(self._styles) > 4096:
                self._styles.clear()
            self._styles[style] = rich
        return rich

    def _strip(self, runs: list[Run]) -> Strip:
        width = self._emulator.cols
        segments = []
        clean = True
        for text, style in runs:
            if not text.isprintable() and not drawable(text):
                text = _printable(text)
                clean = False
            segments.append(Segment(text, self._rich_style(style)))
        strip = Strip(segments, width) if clean else Strip(segments).adjust_cell_length(width)
        return strip.apply_style(self._base_style)

    def _screen_strip(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            # Offsets let a mouse drag select text (Textual reads them from the segments' meta).
            strip = self._strips[y] = self._strip(self._emulator.row_runs(y)).apply_offsets(0, y)
        return strip

    def render_line(self, y: int) -> Strip:
        emulator = self._emulator
        width = self.size.width
        offset = self._history_offset
        if offset:
            history = emulator.scrollback_len
            index = history - offset + y
            if index < history:
                strip = self._strip(emulator.scrollback_runs(index)).apply_offsets(0, y)
            elif index - history < emulator.rows:
                strip = self._screen_strip(index - history).apply_offsets(0, y)
            else:
                strip = Strip.blank(width, self._base_style)
            if y == 0:
                strip = self._with_position_label(strip, offset, history, width)
        elif y < emulator.rows:
            strip = self._screen_strip(y)
            cursor = emulator.cursor
            if y == cursor.y and cursor.visible and self.has_focus:
                strip = self._with_cursor(strip, cursor.x)
        else:
            strip = Strip.blank(width, self._base_style)
        strip = strip.adjust_cell_length(width, self._base_style)
        return paint_selection(self, strip, y)

    # ------------------------------------------------------------------ text selection

    def _row_text(self, y: int) -> str:
        """The text on row `y` of the widget as shown (scrolled back or live), printable only."""
        emulator = self._emulator
        history = emulator.scrollback_len
        index = history - self._history_offset + y
        if index < history:
            runs = emulator.scrollback_runs(index)
        elif index - history < emulator.rows:
            runs = emulator.row_runs(index - history)
        else:
            return ""
        return _printable("".join(text for text, _ in runs)).rstrip()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, for the screen's copy (ctrl+c when the remote is gone)."""
        return selection.extract("\n".join(self._row_text(y) for y in range(self.size.height))), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    @staticmethod
    def _with_cursor(strip: Strip, x: int) -> Strip:
        before, cell, after = strip.divide([x, x + 1, strip.cell_length])
        flipped = [
            Segment(text, (style or Style()) + Style(reverse=not (style and style.reverse))) for text, style, _ in cell
        ]
        return Strip.join([before, Strip(flipped, cell.cell_length or 1) if flipped else cell, after])

    def _with_position_label(self, strip: Strip, offset: int, history: int, width: int) -> Strip:
        label = f" [{offset}/{history}] "
        if len(label) >= width:
            return strip
        start = width - len(label)
        return Strip.join(
            [strip.crop(0, start), Strip([Segment(label, self._base_style + Style(reverse=True))], len(label))]
        )

    # ------------------------------------------------------------------ events

    def on_mount(self) -> None:
        self._base_style = self.rich_style
        self.run_worker(self._pump(), name="terminal-feed", group="terminal-feed", exclusive=True)
        if self._backlog:
            self._wake.set()

    def on_resize(self, event: events.Resize) -> None:
        cols, rows = self.size.width, self.size.height
        if cols < 1 or rows < 1:
            return
        emulator = self._emulator
        if (cols, rows) != (emulator.cols, emulator.rows):
            emulator.resize(cols, rows)
            self._strips.clear()
            self._history_offset = min(self._history_offset, emulator.scrollback_len)
        if (cols, rows) != self._reported_size:
            self._reported_size = (cols, rows)
            self.post_message(self.Resized(cols, rows))
        self.refresh()

    def on_key(self, event: events.Key) -> None:
        key = event.key
        if key == self.detach_key:
            event.stop()
            event.prevent_default()
            self.post_message(self.DetachRequested())
            return
        if key in SCROLLBACK_KEYS:
            event.stop()
            event.prevent_default()
            self.scroll_history(SCROLLBACK_KEYS[key])
            return
        if not self.accepts_input:
            return
        data = encode_key(key, event.character, application_cursor=self._emulator.modes.application_cursor)
        if not data:
            return  # not a key a terminal sends: let the app have it
        event.stop()
        event.prevent_default()
        self._set_history_offset(0)
        self._send_input(data)

    def on_paste(self, event: events.Paste) -> None:
        if not self.accepts_input:
            return
        event.stop()
        event.prevent_default()
        data = encode_paste(event.text, self._emulator.modes.bracketed_paste)
        if data:
            self._set_history_offset(0)
            self._send_input(data)

    # ------------------------------------------------------------------ mouse

    @property
    def allow_select(self) -> bool:
        """Text selection is ours unless the remote tracks the mouse; then shift selects, as in
        xterm (Textual asks before the press reaches us, so the shift of the last move counts)."""
        if self._emulator.modes.mouse_tracking and self._accepts_input and not self._mouse_shift:
            return False
        return super().allow_select

    def _forward_mouse(self, action: MouseAction, button: int, event: events.MouseEvent) -> bool:
        """Report a pointer event to the remote if it tracks the mouse (shift keeps it local)."""
        self._mouse_shift = event.shift
        modes = self._emulator.modes
        if not modes.mouse_tracking or not self._accepts_input or event.shift or self._history_offset:
            return False
        event.stop()
        data = self._mouse.report(modes, action, button, event.x, event.y, meta=event.meta, ctrl=event.ctrl)
        if data:
            self._send_input(data)
        return True

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if self._forward_mouse(MouseAction.PRESS, _MOUSE_BUTTONS.get(event.button, LEFT), event):
            self.capture_mouse()  # the release and drags outside the widget are the remote's too

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._forward_mouse(MouseAction.RELEASE, _MOUSE_BUTTONS.get(event.button, LEFT), event):
            self.capture_mouse(False)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._forward_mouse(MouseAction.MOVE, 0, event)

    def _wheel(self, event: events.MouseScrollUp | events.MouseScrollDown, up: bool) -> None:
        if self._forward_mouse(MouseAction.WHEEL, WHEEL_UP if up else WHEEL_DOWN, event):
            return
        modes = self._emulator.modes
        if not modes.alternate_screen:
            event.stop()
            self._set_history_offset(self._history_offset + (WHEEL_LINES if up else -WHEEL_LINES))
        elif self._accepts_input:
            data = wheel_as_arrows(modes, up)
            if data:
                event.stop()
                self._send_input(data)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, up=True)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, up=False)

    def on_focus(self, event: events.Focus) -> None:
        self._update_raw_gate()
        self._refresh_rows({self._emulator.cursor.y})

    def on_blur(self, event: events.Blur) -> None:
        self._update_raw_gate()
        self._refresh_rows({self._emulator.cursor.y})

    def on_unmount(self) -> None:
        if raw_input.GATE.release(self):
            self._tell_user_terminal(raw_input.kitty_keyboard_on())

    def _set_history_offset(self, offset: int) -> None:
        offset = max(0, min(offset, self._emulator.scrollback_len))
        if offset != self._history_offset:
            self._history_offset = offset
            self._pushed_seen = self._emulator.scrollback_pushed
            self.refresh()
