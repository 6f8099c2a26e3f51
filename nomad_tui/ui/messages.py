"""Messages from the watchers (workers that fetch) to the screens and widgets (that render)."""

from __future__ import annotations

from textual.message import Message

from nomad_tui.api.client import QueryMeta
from nomad_tui.api.feed import Progress, Snapshot, Upserts
from nomad_tui.api.models import Allocation, AllocStub
from nomad_tui.state.connection import ConnectionState


class WatcherMessage(Message, bubble=False):
    """From a watcher to the screen that runs it, and no further: nothing above the screen handles
    these, and on a busy cluster a bubble to the app would be one more dispatch per event.  (Each
    subclass says bubble=False again: Textual resets it to True for every class that does not.)"""


class AllocListFetched(WatcherMessage, bubble=False):
    """A complete allocation list (for the namespaces being watched)."""

    def __init__(self, stubs: list[AllocStub], meta: QueryMeta, *, generation: int) -> None:
        super().__init__()
        self.stubs = stubs
        self.meta = meta
        self.generation = generation  # which watcher sent it: answers from a replaced watcher are dropped


class AllocFeedItem(WatcherMessage, bubble=False):
    """What the allocation feed brought: a page or events (Upserts), a whole list to reconcile with
    (Snapshot), or how far the first load is (Progress)."""

    def __init__(self, item: Upserts | Snapshot | Progress, generation: int) -> None:
        super().__init__()
        self.item = item
        self.generation = generation


class ListConnectionChanged(WatcherMessage, bubble=False):
    def __init__(self, state: ConnectionState, generation: int) -> None:
        super().__init__()
        self.state = state
        self.generation = generation


class NamespaceSubstituted(WatcherMessage, bubble=False):
    """The list watcher watches namespace `watched` instead of `*`: the agent is older than Nomad 0.12,
    where `*` is a plain namespace name (`reason` says so, for the status bar)."""

    def __init__(self, watched: str, reason: str, generation: int) -> None:
        super().__init__()
        self.watched = watched
        self.reason = reason
        self.generation = generation


class AllocDetailFetched(WatcherMessage, bubble=False):
    def __init__(self, alloc_id: str, alloc: Allocation) -> None:
        super().__init__()
        self.alloc_id = alloc_id
        self.alloc = alloc


class AllocDetailGone(WatcherMessage, bubble=False):
    """404: the allocation was garbage-collected (or never existed)."""

    def __init__(self, alloc_id: str) -> None:
        super().__init__()
        self.alloc_id = alloc_id


class DetailConnectionChanged(WatcherMessage, bubble=False):
    def __init__(self, alloc_id: str, state: ConnectionState) -> None:
        super().__init__()
        self.alloc_id = alloc_id
        self.state = state
