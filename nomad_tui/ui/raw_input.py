"""Raw keyboard input for the focused exec terminal.

Textual's driver reads the user's terminal on a thread and hands the text to its key parser, which
loses what a remote program needs (alt+b becomes ctrl+left, `Esc :` in one read loses the Esc,
ctrl+h becomes Backspace).  `RawRoutingParser` takes the parser's place in the Linux driver: while
a `TerminalView` holds the `GATE`, typed bytes go to the app as `RawKeys` messages, unparsed, and
only mouse reports, pastes, focus events, replies to the UI's queries and the local keys (detach,
scrollback) reach Textual's parser (see `nomad_tui.term.raw_input`).  Without a holder, it is
Textual's parser unchanged.

The kitty keyboard protocol, which Textual switches on, makes terminals that support it report
every key as `CSI … u`; while a terminal holds the gate it is switched off (popped), so the user's
terminal sends what it would send to a shell, and it is pushed again when the gate is released.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Protocol

from textual import constants
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.message import Message

from nomad_tui.term.raw_input import RawInputSplitter

# The flags Textual's Linux driver pushes (disambiguate | all keys | associated text).
_KITTY_FLAGS = 1 | 8 | 16


class RawKeys(Message):
    """Bytes the user typed, exactly as their terminal sent them (posted to the app)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data


class RawKeysTaker(Protocol):
    @property
    def owns_keyboard(self) -> bool: ...

    def take_raw_keys(self, data: bytes) -> None: ...

    def refresh_raw_gate(self) -> None: ...


class RawInputGate:
    """Which widget takes raw input now.  Written on the app's thread, read on the input thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.holder: RawKeysTaker | None = None
        self.local_keys: tuple[bytes, ...] = ()

    def hold(self, holder: RawKeysTaker, local_keys: Iterable[bytes]) -> bool:
        """Returns True if the gate was free (the caller then switches the kitty protocol off)."""
        with self._lock:
            was_free = self.holder is None
            self.holder = holder
            self.local_keys = tuple(local_keys)
            return was_free

    def release(self, holder: object) -> bool:
        """Returns True if `holder` held the gate."""
        with self._lock:
            if self.holder is not holder:
                return False
            self.holder = None
            return True


GATE = RawInputGate()


class RawRoutingParser(XTermParser):
    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._splitter: RawInputSplitter | None = None
        self._splitter_keys: tuple[bytes, ...] = ()

    def _current_splitter(self) -> RawInputSplitter:
        keys = GATE.local_keys
        splitter = self._splitter
        if splitter is None or (keys != self._splitter_keys and not splitter.pending):
            splitter = self._splitter = RawInputSplitter(keys)
            self._splitter_keys = keys
        return splitter

    def feed(self, data: str) -> Iterable[Any]:
        splitter = self._splitter
        if not data or (GATE.holder is None and (splitter is None or not splitter.pending)):
            return super().feed(data)
        events: list[Any] = []
        for to_remote, text in self._current_splitter().split(data):
            if to_remote:
                events.append(RawKeys(text.encode("utf-8", "surrogateescape")))
            else:
                events.extend(super().feed(text))
        return events

    def tick(self) -> Iterable[Any]:
        events: list[Any] = []
        if self._splitter is not None:
            held = self._splitter.take_stale()
            if held:
                events.append(RawKeys(held.encode("utf-8", "surrogateescape")))
        events.extend(super().tick())
        return events


def deliver(app: App[Any], message: RawKeys) -> None:
    """The app's handler for `RawKeys`: to the terminal holding the gate, or (focus moved on
    before these bytes were read) parsed as keys after all."""
    holder = GATE.holder
    if holder is not None and holder.owns_keyboard:
        holder.take_raw_keys(message.data)
        return
    if holder is not None:
        # Its screen was left (ctrl+] pops it without a Blur) or its session ended: the gate is
        # stale.  Give it back, so what follows is parsed as keys from the start.
        holder.refresh_raw_gate()
    for event in XTermParser().feed(message.data.decode("utf-8", "replace")):
        app.post_message(event)


def install() -> None:
    """Put `RawRoutingParser` in the Linux driver (before the app starts its input thread)."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # not on this platform: Textual's own input path stays
        return
    linux_driver.XTermParser = RawRoutingParser  # type: ignore[misc]


def kitty_keyboard_off() -> str:
    """What to write to the user's terminal when a terminal takes the gate."""
    return "" if constants.DISABLE_KITTY_KEY else "\x1b[<u"


def kitty_keyboard_on() -> str:
    """... and when it is released: push Textual's flags again."""
    return "" if constants.DISABLE_KITTY_KEY else f"\x1b[>{_KITTY_FLAGS}u"
