"""The allocation list's watcher: runs the feed (paged first load, event stream, paced reconciliation)
and, when the feed falls back, the list blocking queries; it posts what either brings as messages.

It never touches the store or widgets: the screen applies each message through the store's diff.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from contextlib import aclosing
from typing import Any, TypeVar

from textual.message import Message

from nomad_tui.api.client import NomadClient
from nomad_tui.api.feed import AllocFeed, Fallback, FeedMode, Health
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.ui.messages import AllocFeedItem, ListConnectionChanged
from nomad_tui.ui.watchers import TASK_STATES_LIMIT, AllocListWatcher

Post = Callable[[Message], object]
T = TypeVar("T")


class AllocFeedWatcher:
    def __init__(
        self,
        client: NomadClient,
        namespace: str,
        post: Post,
        *,
        generation: int = 0,
        wait: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        force_list: bool = False,
        held: Callable[[str], int] | None = None,
        newest_in: Callable[[str], int] | None = None,
        feed_options: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.post = post
        self.generation = generation
        self.wait = wait
        self.clock = clock
        self.force_list = force_list
        self.held = held
        self.newest_in = newest_in
        self.feed_options = feed_options or {}
        self.state = ConnectionState(mode=FeedMode.LIST if force_list else FeedMode.EVENTS)
        self.feed: AllocFeed | None = None
        self.list_watcher: AllocListWatcher | None = None
        self.fallback_reason = "asked for list queries" if force_list else ""
        self.fallback_detail = ""

    @property
    def mode(self) -> FeedMode:
        return FeedMode.LIST if self.list_watcher is not None or self.force_list else FeedMode.EVENTS

    @property
    def task_states(self) -> bool:
        """Whether the allocations came with their task states (small clusters)."""
        if self.list_watcher is not None:
            return self.list_watcher.task_states
        return self.feed is not None and self.feed.task_states_complete

    def resync(self) -> None:
        if self.list_watcher is not None:
            self.list_watcher.resync()
        elif self.feed is not None:
            self.feed.resync("asked")

    async def run(self) -> None:
        if not self.force_list:
            self.feed = AllocFeed(
                self.client,
                self.namespace,
                clock=self.clock,
                held=self.held,
                newest_in=self.newest_in,
                **self.feed_options,
            )
            async with aclosing(self.feed.run()) as items:
                async for item in items:
                    if isinstance(item, Fallback):
                        self.fallback_reason = item.reason
                        self.fallback_detail = item.detail
                        break
                    if isinstance(item, Health):
                        self._health(item)
                    else:
                        self.post(AllocFeedItem(item, self.generation))
        await self._run_list()

    def _health(self, health: Health) -> None:
        now = self.clock()
        if health.error is not None:
            self.state = ConnectionState.failed(self.state, health.error, health.attempt, now + health.retry_in)
        else:
            meta = health.meta
            self.state = ConnectionState(
                phase=Phase.LIVE,
                index=meta.index if meta is not None else self.state.index,
                # The stream says nothing of the leader: keep what the last list answer said.
                known_leader=_or(meta.known_leader if meta else None, self.state.known_leader),
                last_contact_ms=_or(meta.last_contact_ms if meta else None, self.state.last_contact_ms),
                last_success=now,
                last_change=now if health.changed or self.state.last_change is None else self.state.last_change,
                mode=FeedMode.EVENTS,
                mode_detail=self._streams_detail(),
            )
        self.post(ListConnectionChanged(self.state, self.generation))

    def _streams_detail(self) -> str:
        namespaces = self.feed.stream_namespaces if self.feed is not None else []
        if not namespaces:
            return ""
        return f"namespace {namespaces[0]}" if len(namespaces) == 1 else f"{len(namespaces)} namespaces"

    async def _run_list(self) -> None:
        """Today's list blocking queries, labelled as the fallback they are."""
        note = self.fallback_reason
        detail = self.fallback_detail

        def post(message: Message) -> object:
            if isinstance(message, ListConnectionChanged):
                message.state = dataclasses.replace(message.state, mode=FeedMode.LIST, note=note, mode_detail=detail)
                self.state = message.state
            return self.post(message)

        self.list_watcher = AllocListWatcher(
            self.client,
            self.namespace,
            post,
            generation=self.generation,
            wait=self.wait,
            task_states_limit=TASK_STATES_LIMIT,
            clock=self.clock,
        )
        self.feed = None
        await self.list_watcher.run()


def _or(value: T | None, previous: T | None) -> T | None:
    return previous if value is None else value
