"""The event stream's broker: Allocation events per raft index, a replay buffer, subscribers.

As Nomad's (nomad/stream/event_buffer.go, event_broker.go): the buffer keeps the last `size` raft
entries that produced events (100 by default; a GC produces none); a subscription at index N starts at
the first buffered entry whose Index is >= N (so the entry at N itself is replayed), silently at the
oldest one when N has already left the buffer, and at the newest one (whose Index is below N) when
every buffered entry is older than N; index 0 replays the whole buffer.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from nomad_tui.devagent import wire
from nomad_tui.devagent.model.cluster import Commit

BUFFER_ENTRIES = 100
SUBSCRIBER_QUEUE = 1000


@dataclass(frozen=True)
class Event:
    namespace: str
    key: str
    job_id: str
    deployment_id: str
    body: bytes  # the encoded Event object, encoded at commit time (a snapshot of the allocation)


@dataclass(frozen=True)
class Entry:
    index: int
    events: tuple[Event, ...]


@dataclass
class Subscription:
    namespaces: frozenset[str] | None  # None: every namespace
    keys: frozenset[str] | None  # Allocation topic keys; None: "*"
    queue: asyncio.Queue[Entry | None]
    token: str = ""  # the secret it subscribed with, so revoking that token can close it

    def select(self, entry: Entry) -> list[Event]:
        return [
            ev
            for ev in entry.events
            if (self.namespaces is None or ev.namespace in self.namespaces)
            and (self.keys is None or ev.key in self.keys or ev.job_id in self.keys or ev.deployment_id in self.keys)
        ]


class EventBroker:
    def __init__(self, size: int = BUFFER_ENTRIES) -> None:
        self.buffer: deque[Entry] = deque(maxlen=max(1, size))
        self.subscribers: list[Subscription] = []

    def on_commit(self, commit: Commit) -> None:
        if commit.restored:
            self.buffer.clear()
            for sub in self.subscribers:
                _offer(sub, None)
            return
        events = []
        for kind, alloc in commit.changes:
            payload = {"Allocation": wire.full_allocation(alloc, with_job=False)}
            body = wire.encode(
                {
                    "FilterKeys": [alloc.JobID, alloc.DeploymentID],
                    "Index": commit.index,
                    "Key": alloc.ID,
                    "Namespace": alloc.Namespace,
                    "Payload": payload,
                    "Topic": "Allocation",
                    "Type": kind,
                }
            )
            events.append(Event(alloc.Namespace, alloc.ID, alloc.JobID, alloc.DeploymentID, body))
        if not events:
            return
        entry = Entry(commit.index, tuple(events))
        self.buffer.append(entry)
        for sub in self.subscribers:
            _offer(sub, entry)

    def subscribe(
        self, start_index: int, namespaces: frozenset[str] | None, keys: frozenset[str] | None, token: str = ""
    ) -> Subscription:
        """Replay from the closest buffered entry (see the module doc), then live ones."""
        sub = Subscription(namespaces, keys, asyncio.Queue(SUBSCRIBER_QUEUE), token)
        for entry in replay(self.buffer, start_index):
            _offer(sub, entry)
        self.subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self.subscribers:
            self.subscribers.remove(sub)

    def close_all(self) -> None:
        for sub in self.subscribers:
            _offer(sub, None)

    def close_token(self, token: str) -> int:
        """End the streams subscribed with `token` (Nomad's broker force-closes a deleted token's
        subscriptions: the body just ends). Returns how many."""
        subs = [sub for sub in self.subscribers if sub.token == token]
        for sub in subs:
            _offer(sub, None)
        return len(subs)


def replay(buffer: deque[Entry], start_index: int) -> list[Entry]:
    """The entries a subscription at `start_index` gets first (Nomad's StartAtClosest)."""
    if start_index == 0 or not buffer:
        return list(buffer)
    for position, entry in enumerate(buffer):
        if entry.index >= start_index:
            return list(buffer)[position:]
    # Every buffered entry is older than start_index: Nomad starts at the newest one anyway.
    return [buffer[-1]]


def _offer(sub: Subscription, entry: Entry | None) -> None:
    try:
        sub.queue.put_nowait(entry)
    except asyncio.QueueFull:
        # A reader that fell this far behind is dropped, as Nomad drops slow subscribers.
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)


def line(entry_index: int, events: list[Event]) -> bytes:
    return b'{"Events":[' + b",".join(ev.body for ev in events) + b'],"Index":' + str(entry_index).encode() + b"}\n"
