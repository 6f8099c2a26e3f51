"""Watchers: the long-running fetch loops.  They hold BlockingQueries and post messages; they never
touch widgets or the store (the screen applies what they send, on the event loop, in one step)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import replace

from textual.message import Message

from nomad_tui.api.blocking import BlockingQuery, Failure, Update
from nomad_tui.api.client import NomadClient, QueryMeta, Response
from nomad_tui.api.errors import NomadError, NotFound, PermissionDenied
from nomad_tui.api.models import Allocation, AllocStub
from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.ui.messages import (
    AllocDetailFetched,
    AllocDetailGone,
    AllocListFetched,
    DetailConnectionChanged,
    ListConnectionChanged,
    NamespaceSubstituted,
)

Post = Callable[[Message], object]

# Lists up to this many allocations are fetched with TaskStates (the Tasks and Restarts columns);
# bigger ones use task_states=false, about 3x lighter per allocation (docs/nomad-wire.md §2; README performance).
TASK_STATES_LIMIT = 2000
# Lists bigger than PACE_ABOVE_BYTES (~25k allocations without TaskStates) are re-fetched at most at
# LIST_BYTES_PER_SECOND on average (~40 % of a core decoding here), and never more than
# MAX_LIST_INTERVAL apart: a 90 MB list (100k allocations) every 0.9 s.  Smaller lists are not paced:
# measured at 10k allocations, pacing raised change-to-visible p95 from 109 to 255 ms.
# The namespace fallback holds one blocking query per readable namespace. Each holds a pooled
# connection (64 in all) and counts against Nomad's per-client limit (100 by default, answered 429):
# beyond this many namespaces the queries take turns in this many slots, each holding its slot for at
# most FALLBACK_TURN_WAIT seconds (a change then shows within a few turns, not at once).
MAX_HELD_QUERIES = 24
FALLBACK_TURN_WAIT = 5.0
# How long the first list waits for the agent's version (to know what `*` means) before going ahead;
# a slow /v1/agent/self then only delays the answer to "is `*` literal here?" (the empty-list check).
AGENT_INFO_WAIT = 2.0
PACE_ABOVE_BYTES = 20_000_000
LIST_BYTES_PER_SECOND = 100_000_000
MAX_LIST_INTERVAL = 3.0


def _live(meta: QueryMeta, now: float) -> ConnectionState:
    """A successful answer: live, and (an answer is only posted when something changed) changed now."""
    return ConnectionState(
        phase=Phase.LIVE,
        index=meta.index,
        known_leader=meta.known_leader,
        last_contact_ms=meta.last_contact_ms,
        last_success=now,
        last_change=now,
    )


def _unreadable(failing: dict[str, Failure]) -> str:
    """What the status bar says while some namespaces of the fallback cannot be read."""
    parts = [f"{sanitize_line(ns)}: {failure.error.kind}" for ns, failure in sorted(failing.items())]
    return "not shown: " + "; ".join(parts)


class AllocListWatcher:
    """Keeps the allocation list current; with `*` denied, falls back to the namespaces we may read."""

    def __init__(
        self,
        client: NomadClient,
        namespace: str,
        post: Post,
        *,
        generation: int = 0,
        wait: float = 300.0,
        task_states_limit: int = TASK_STATES_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.post = post
        self.generation = generation
        self.wait = wait
        self.task_states_limit = task_states_limit
        self.clock = clock
        self.state = ConnectionState()
        # Start light: the first paint needs no TaskStates; small clusters switch them on right after.
        self.task_states = False
        self.queries: list[BlockingQuery[list[AllocStub]]] = []
        self.fallback_namespaces: list[str] | None = None
        self._substitution_reason = ""  # why `default` is watched instead of `*`, for the status bar

    def resync(self) -> None:
        for query in self.queries:
            query.resync()

    def _query(self, namespace: str, slots: asyncio.Semaphore | None = None) -> BlockingQuery[list[AllocStub]]:
        async def fetch(index: int | None, wait: float) -> Response[list[AllocStub]]:
            if slots is None:
                return await self.client.list_allocations(
                    namespace=namespace, index=index, wait=wait, task_states=self.task_states
                )
            async with slots:
                return await self.client.list_allocations(
                    namespace=namespace, index=index, wait=wait, task_states=self.task_states
                )

        async def probe() -> int:
            return await self.client.allocations_index(namespace=namespace)

        wait = self.wait if slots is None else min(self.wait, FALLBACK_TURN_WAIT)
        query = BlockingQuery(fetch, wait=wait, clock=self.clock, probe=probe)
        self.queries.append(query)
        return query

    def _pace(self, nbytes: int) -> None:
        """Space the list queries by the size of the answer: on a busy cluster each change re-sends
        the whole list, so a 90 MB list re-fetched back to back would keep a core busy decoding."""
        interval = 0.0 if nbytes <= PACE_ABOVE_BYTES else min(MAX_LIST_INTERVAL, nbytes / LIST_BYTES_PER_SECOND)
        for query in self.queries:
            query.min_interval = interval

    def _adapt_payload(self, count: int) -> None:
        wanted = count <= self.task_states_limit
        if wanted != self.task_states:
            self.task_states = wanted
            self.resync()

    def _report_failure(self, failure: Failure) -> None:
        self.state = ConnectionState.failed(self.state, failure.error, failure.attempt, self.clock() + failure.retry_in)
        self.post(ListConnectionChanged(self.state, self.generation))

    async def run(self) -> None:
        namespace = self.namespace
        if namespace == "*" and await self._star_unsupported():
            # Enterprise agents before 0.12 list their namespaces; open-source ones have only `default`.
            namespace = "" if await self._readable_namespaces() else "default"
            if namespace:
                self._substitute(namespace, self._version_reason())
        if namespace:
            namespace = await self._watch(namespace)
        if namespace:
            self._substitute(namespace, self._substitution_reason)
            await self._watch(namespace)
        if self.fallback_namespaces:
            await self._run_fallback()

    async def _watch(self, namespace: str) -> str:
        """Run the one blocking query; returns a namespace to watch instead, or "" when done (or when
        the fallback over readable namespaces should take over)."""
        self.queries.clear()
        async with aclosing(self._query(namespace).updates()) as updates:
            async for item in updates:
                if isinstance(item, Failure):
                    denied_star = isinstance(item.error, PermissionDenied) and namespace == "*"
                    if denied_star and self.state.last_success is None:
                        # Namespaces we may read, else `default`: before 1.0 open-source agents do not
                        # list namespaces, and before 0.12 `*` needs a rule for a namespace named `*`.
                        if await self._readable_namespaces():
                            return ""
                        if await self._default_readable():
                            self._substitution_reason = "`*` refused to this token"
                            return "default"
                        # Refused everywhere (a revoked or unknown token): keep asking for `*`, so the
                        # list comes back whole once the token is good again.
                    self._report_failure(item)
                    continue
                first = self.state.last_success is None
                if first and namespace == "*" and not item.value and await self._star_is_literal():
                    self._substitution_reason = self._version_reason()
                    return "default"
                self._deliver(item.value, item.meta)
                self._pace(item.nbytes)
                self._adapt_payload(len(item.value))
        return ""

    async def _star_unsupported(self) -> bool:
        """The agent says it is older than 0.12, where `*` is a namespace literally named so."""
        try:
            info = await asyncio.wait_for(self.client.agent_info(), AGENT_INFO_WAIT)
        except (NomadError, TimeoutError):
            return False  # agent:read missing, or slow: `_star_is_literal` catches an old agent later
        return info.at_least(0, 12) is False

    async def _star_is_literal(self) -> bool:
        """`*` listed nothing while the version is unknown: an old agent answers `[]` for the literal
        name, so ask the default namespace once (without blocking) and see whether it has anything."""
        known = self.client.known_agent
        if known is not None and known.version is not None:
            return False
        try:
            probe = await self.client.list_allocations(namespace="default", task_states=False)
        except NomadError:
            return False
        return bool(probe.value)

    async def _default_readable(self) -> bool:
        """One non-blocking read of `default`: may this token list anything at all?"""
        try:
            await self.client.list_allocations(namespace="default", task_states=False)
        except NomadError:
            return False
        return True

    def _version_reason(self) -> str:
        known = self.client.known_agent
        version = f"Nomad {known.version_text}" if known is not None and known.version_text else "this agent"
        return f"{version} has no `*` (0.12+)"

    def _substitute(self, namespace: str, reason: str) -> None:
        self.post(NamespaceSubstituted(namespace, reason, self.generation))

    def _deliver(self, stubs: list[AllocStub], meta: QueryMeta) -> None:
        self.state = _live(meta, self.clock())
        self.post(AllocListFetched(stubs, meta, generation=self.generation))
        self.post(ListConnectionChanged(self.state, self.generation))

    async def _readable_namespaces(self) -> bool:
        """`*` was refused (older agents refuse it to tokens scoped to some namespaces, nomad#9268)."""
        try:
            namespaces = await self.client.list_namespaces()
        except NomadError:
            return False
        self.fallback_namespaces = sorted({ns.name for ns in namespaces if ns.name})
        return bool(self.fallback_namespaces)

    async def _run_fallback(self) -> None:
        """One blocking query per readable namespace, merged into one list."""
        assert self.fallback_namespaces is not None
        self.queries.clear()
        latest: dict[str, list[AllocStub]] = {}
        meta_by_ns: dict[str, QueryMeta] = {}
        inbox: asyncio.Queue[tuple[str, Update[list[AllocStub]] | Failure]] = asyncio.Queue()

        many = len(self.fallback_namespaces) > MAX_HELD_QUERIES
        slots = asyncio.Semaphore(MAX_HELD_QUERIES) if many else None

        async def pump(namespace: str) -> None:
            async with aclosing(self._query(namespace, slots).updates()) as updates:
                async for item in updates:
                    await inbox.put((namespace, item))

        tasks = [asyncio.create_task(pump(ns)) for ns in self.fallback_namespaces]
        # Namespaces whose query is failing: one unreadable namespace must not hide the others, so
        # it counts as answered (with what it last served) and the list is shown without it.
        failing: dict[str, Failure] = {}
        try:
            while True:
                namespace, item = await inbox.get()
                if isinstance(item, Failure):
                    failing[namespace] = item
                    latest.setdefault(namespace, [])
                    if len(failing) == len(tasks) or not meta_by_ns:
                        self._report_failure(item)
                        continue
                else:
                    failing.pop(namespace, None)
                    latest[namespace] = item.value
                    meta_by_ns[namespace] = item.meta
                if len(latest) < len(tasks):
                    continue  # wait until every namespace has answered (or failed) once
                merged = [stub for stubs in latest.values() for stub in stubs]
                meta = max(meta_by_ns.values(), key=lambda m: m.index)
                self._deliver(merged, meta)
                if failing:
                    self.state = replace(self.state, error=_unreadable(failing))
                    self.post(ListConnectionChanged(self.state, self.generation))
                self._pace(item.nbytes if isinstance(item, Update) else 0)
                self._adapt_payload(len(merged))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


class AllocDetailWatcher:
    """Keeps one allocation current through its own blocking query (index = its ModifyIndex)."""

    def __init__(
        self,
        client: NomadClient,
        alloc_id: str,
        post: Post,
        *,
        wait: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        namespace: str | None = None,
    ) -> None:
        self.client = client
        self.alloc_id = alloc_id
        self.namespace = namespace  # the allocation's own
        self.post = post
        self.wait = wait
        self.clock = clock
        self.state = ConnectionState()
        self.query: BlockingQuery[Allocation] | None = None

    async def run(self) -> None:
        async def fetch(index: int | None, wait: float) -> Response[Allocation]:
            return await self.client.read_allocation(self.alloc_id, index=index, wait=wait, namespace=self.namespace)

        self.query = BlockingQuery(fetch, wait=self.wait, clock=self.clock)
        async with aclosing(self.query.updates()) as updates:
            async for item in updates:
                if isinstance(item, Failure):
                    if isinstance(item.error, NotFound):
                        self.post(AllocDetailGone(self.alloc_id))
                        return
                    retry_at = self.clock() + item.retry_in
                    self.state = ConnectionState.failed(self.state, item.error, item.attempt, retry_at)
                    self.post(DetailConnectionChanged(self.alloc_id, self.state))
                    continue
                self.state = _live(item.meta, self.clock())
                self.post(AllocDetailFetched(self.alloc_id, item.value))
                self.post(DetailConnectionChanged(self.alloc_id, self.state))
