"""Keys typed ahead of a dialog never answer it, nor run something else while it is being opened.

A burst (`ctrl+d y` sent in one write: a paste, `tmux send-keys -l`, keys batched over SSH) reaches the
app as key events stamped with the moment they were read, all before the first one has been acted on.
Two rules keep such a burst from confirming a destructive action:

- a `GuardedDialog` ignores every key (and paste) read before the dialog was opened: only a key pressed
  while it exists can answer it;
- while an action that leads to a dialog is on its way to it (`KeyGate.hold` on its worker until it
  ends or `release`s: reading the allocation's tasks, between a picker and the confirmation), keys that
  reach the screen behind are dropped instead of running its bindings (`y` would open the raw view,
  `enter` the detail).  The app's quit key still works, so a stuck action never makes the app deaf.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, TypeVar

from textual import events
from textual._time import get_time
from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import Worker

ResultType = TypeVar("ResultType")
MARKER_PATIENCE: float | None = 2.0  # seconds; the marker takes a few loop turns


class GuardedDialog(ModalScreen[ResultType]):
    """A dialog that only keys pressed after it was opened can answer."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        # Textual stamps every input event with the same clock when it is read from the terminal.
        self.opened_at = get_time()

    def typed_ahead(self, event: events.Event) -> bool:
        """True for an event read before this dialog existed."""
        return event.time < self.opened_at


class KeyGate:
    """The app's filter in front of key dispatch (see `NomadTuiApp.on_event`)."""

    def __init__(self, always_pass: frozenset[str] = frozenset()) -> None:
        self.always_pass = always_pass  # keys never held back (the app's quit key)
        self._holds: list[Worker[Any]] = []
        self.dropped = 0  # keys dropped so far (tests wait on it)

    def hold(self, worker: Worker[Any]) -> None:
        """Drop keys aimed at the screens behind the dialogs while `worker` runs."""
        self._holds = [w for w in self._holds if not w.is_finished]
        self._holds.append(worker)

    def release(self, worker: Worker[Any]) -> None:
        """`worker` asks nothing more (it now sends what was confirmed): keys go where they would again."""
        self._holds = [w for w in self._holds if w is not worker and not w.is_finished]

    @property
    def holding(self) -> bool:
        return any(not worker.is_finished for worker in self._holds)

    def drops(self, event: events.Event, screen: Screen[object]) -> bool:
        """Whether `event` (a key or a paste, not yet dispatched) must be dropped, with `screen` on top."""
        if isinstance(screen, GuardedDialog):
            dropped = screen.typed_ahead(event)
        else:
            dropped = self.holding and not (isinstance(event, events.Key) and event.key in self.always_pass)
        self.dropped += dropped
        return dropped


async def typed_before_handled(app: App[Any], widget: Widget | None) -> None:
    """Wait until every key read before now has run its binding.

    A priority key (`ctrl+d`) runs as the app reads it, but a `j` read just before it was forwarded to
    the focused widget and runs its binding only once it has bubbled up, queue by queue, to the app:
    the action would read the old cursor.  A marker sent along the same path, one queue after the
    other, arrives after that `j` at every step, so once it reaches the app the `j` has moved the cursor.
    """
    path: list[MessagePump] = []
    node: MessagePump | None = widget
    while node is not None:
        path.append(node)
        node = node._parent
    if not path or path[-1] is not app:
        path.append(app)
    arrived = asyncio.Event()

    def step(index: int) -> None:
        # A queue that is closing takes no message (and passes no key on): go past it.
        while index < len(path) and not path[index].call_later(step, index + 1):
            index += 1
        if index == len(path):
            arrived.set()

    step(0)
    # A safety net, not a timing: a marker lost with a widget removed mid-way must not keep the
    # action (and the key gate holding keys for it) waiting for ever.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(arrived.wait(), MARKER_PATIENCE)
