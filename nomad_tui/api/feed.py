"""The allocation feed: a live collection whose cost follows the changes, not the list.

It gives its consumer a snapshot, then upserts, then now and then a complete list to reconcile with,
plus a word on how it is kept live.  The consumer (the dashboard) applies everything through the
store's diff and does not know where a change came from.

  1. First paint: `GET /v1/allocations?namespace=…&reverse=true&per_page=N` (Nomad 1.3+ pages in
     CreateIndex order, newest first with `reverse`): the first page goes out at once, the rest
     follows page by page with a progress count.  A server that ignores `per_page` (before 1.3)
     answers everything in one page, which is then the whole snapshot.
  2. Changes: the event stream from the snapshot's index (nomad/stream/event_broker.go Subscribe).  The
     entry at that index is asked for again on purpose: if it comes back, the buffer still covers
     everything since the snapshot; if the first entry is newer, entries may have been dropped from
     Nomad's 100-entry buffer, and a reconciliation runs at once.
  3. Reconciliation, because Nomad sends no event when it garbage-collects an allocation and drops
     buffer gaps silently: a whole list (`task_states=false`, paged) every so often, the interval
     scaled from the last one's measured CPU cost and size to keep the average under RECONCILE_BUDGET
     of a core and RECONCILE_BYTES_PER_S;
     and at once when the stream reconnects, the index goes backwards, or entries were missed.  Each
     page is decoded for IDs and ModifyIndexes first, whole stubs only where they differ from what
     the consumer holds (differing_stubs).
  4. Task states: above TASK_STATES_LIMIT the pages come without them (~3x lighter); they are then
     read in the background, newest first, paced to FILL_BUDGET of a core, and events keep them.
  5. Namespaces: `*` on the stream needs read-job in every namespace.  When it is refused for `*`,
     the feed opens one stream per namespace the token can list (up to MAX_NAMESPACE_STREAMS),
     each resuming from its namespace's newest held change.
  6. Fallback: when the stream is refused (403, or a 200 that ends before its first `{}`; for `*`,
     with more readable namespaces than MAX_NAMESPACE_STREAMS), absent (404, before 1.0) or fails
     MAX_STREAM_FAILURES times in a row, the feed yields `Fallback` and the consumer switches to
     list blocking queries.

No Textual here: `run()` is an async iterator of the items below.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

import msgspec

from nomad_tui.api.backoff import jittered
from nomad_tui.api.client import MAX_LIST_BYTES, THREAD_DECODE_BYTES, NomadClient, QueryMeta, Response, decode_off_loop
from nomad_tui.api.decode import decode
from nomad_tui.api.errors import NomadError, PermissionDenied
from nomad_tui.api.events import StreamAbsent, StreamRefused, stream_allocation_events, with_task_states
from nomad_tui.api.models import AllocKey, AllocStub, TaskStateSummary

FIRST_PAGE = 500  # what the first paint waits for: a screen or two, light enough to answer at once
PAGE = 20_000  # later pages: large, since a page costs Nomad a walk from the list's start
# Pages are asked with TaskStates while fewer than this many allocations are loaded (the Tasks and
# Restarts columns); above it task_states=false keeps a 100k list ~3x lighter (nomad/structs/alloc.go Stub).
TASK_STATES_LIMIT = 2000
RECONCILE_BUDGET = 0.02  # share of one core the paced reconciliation may use on average
# ...and the bytes it may move on average: a whole list is what the event stream saves, so it must stay
# rare (at 10k allocations an 8.7 MB list every ~34 s; at 100k, 88 MB every ~6 min — Nomad itself
# garbage-collects on a 5-minute tick, so a GC'd allocation is not kept much longer than that).
RECONCILE_BYTES_PER_S = 256 * 1024
FILL_PAGE = 1000  # allocations per background page of task states
FILL_BUDGET = 0.03  # share of one core the one-time task-state fill may use while it runs
RECONCILE_MIN = 30.0  # seconds: never reconcile more often than this
RECONCILE_MAX = 600.0
# With a token that cannot read every namespace, one stream per readable namespace, up to this many.
MAX_NAMESPACE_STREAMS = 16
MAX_STREAM_FAILURES = 3  # consecutive stream failures (never subscribed in between) before falling back
HEALTH_EVERY = 1.0  # seconds between freshness reports while events flow


class FeedMode(StrEnum):
    EVENTS = "events"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class Upserts:
    """New or changed allocations: a page of the first load, or what the event stream brought."""

    stubs: list[AllocStub]
    index: int
    nbytes: int
    source: str  # "page" or "events"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A complete list: what it lacks and nothing newer than `since` wrote is gone.

    `stubs` are the allocations to upsert; `ids` every ID the list held, when `stubs` carries only
    those that differ from what the consumer holds (None: `stubs` is the whole list)."""

    stubs: list[AllocStub]
    ids: set[str] | None
    index: int
    since: int
    nbytes: int
    reset: bool  # the index went backwards (a restored agent): the list wins outright


@dataclass(frozen=True, slots=True)
class Progress:
    """The first load so far."""

    loaded: int
    estimate: int | None  # the whole list's size, estimated from CreateIndex span; None if unknown
    done: bool


@dataclass(frozen=True, slots=True)
class Health:
    """How the feed is doing: live (with the last answer's meta) or retrying after an error."""

    mode: FeedMode
    meta: QueryMeta | None = None
    error: NomadError | None = None
    attempt: int = 0
    retry_in: float = 0.0
    note: str = ""
    changed: bool = True  # the data changed with this answer


@dataclass(frozen=True, slots=True)
class Fallback:
    """The event stream cannot be used: keep the list live with blocking queries instead."""

    reason: str
    detail: str = ""  # a few words for the status bar beside "list", when there is more to say


FeedItem = Upserts | Snapshot | Progress | Health | Fallback


@dataclass
class FeedStats:
    """Counters for tests and benchmarks."""

    reconciles: int = 0
    last_reconcile_cost: float = 0.0  # CPU seconds
    last_reconcile_bytes: int = 0
    reconcile_interval: float = RECONCILE_MIN
    subscribes: int = 0
    gaps: int = 0
    resets: int = 0
    bytes: int = 0
    events: int = 0
    filled: int = 0  # allocations read again for their task states
    reasons: list[str] = field(default_factory=list)  # why each reconciliation ran


async def list_page(
    client: NomadClient,
    *,
    namespace: str,
    per_page: int,
    next_token: str = "",
    reverse: bool = False,
    task_states: bool = False,
) -> Response[list[AllocStub]]:
    params = _page_params(client, namespace, per_page, next_token, reverse=reverse, task_states=task_states)
    if not task_states:
        return await client.query("/v1/allocations", list[AllocStub], params=params, max_bytes=MAX_LIST_BYTES)
    # A server that ignores per_page sends the whole list: the list's cap, not a single object's.
    response: Response[list[AllocStub]] = await client.query(
        "/v1/allocations", list[AllocStub], params=params, max_bytes=MAX_LIST_BYTES
    )
    stubs = response.value
    for position, stub in enumerate(stubs):
        if stub.task_states is None:
            stubs[position] = with_task_states(stub)
    return response


def _page_params(
    client: NomadClient, namespace: str, per_page: int, next_token: str, *, reverse: bool, task_states: bool
) -> dict[str, str]:
    params = client.common_params(namespace)
    if per_page:
        params["per_page"] = str(per_page)
    if next_token:
        params["next_token"] = next_token
    if reverse:
        params["reverse"] = "true"
    if not task_states:
        params["task_states"] = "false"
    return params


async def list_page_body(client: NomadClient, *, namespace: str, per_page: int, next_token: str) -> Response[bytes]:
    """A light list page (no task states) left undecoded: the reconciliation decodes what it needs."""
    params = _page_params(client, namespace, per_page, next_token, reverse=False, task_states=False)
    reply = await client.send("GET", "/v1/allocations", params=params, max_bytes=MAX_LIST_BYTES)
    return Response(reply.content, QueryMeta.from_headers(reply.headers), len(reply.content))


def _decode_differing(body: bytes, keys: list[AllocKey], positions: list[int]) -> list[AllocStub]:
    """The whole stubs at these positions of a list body, the rest skipped unbuilt (msgspec.Raw)."""
    try:
        items = msgspec.json.decode(body, type=list[msgspec.Raw])
    except (msgspec.ValidationError, msgspec.DecodeError):
        items = []
    if len(items) != len(keys):  # an odd document, read the lax way (which may drop items): by ID
        wanted = {keys[p].id for p in positions}
        stubs: list[AllocStub] = decode(body, list[AllocStub], path="/v1/allocations")
        return [stub for stub in stubs if stub.id in wanted]
    return [decode(bytes(items[p]), AllocStub, path="/v1/allocations") for p in positions]


async def differing_stubs(body: bytes, held: Callable[[str], int], ids: set[str]) -> list[AllocStub]:
    """The allocations of a list body whose ModifyIndex differs from what is held (adding every ID
    to `ids`): keys first, whole stubs only for those that differ, which on a live feed are few."""
    keys: list[AllocKey] = await decode_off_loop(body, list[AllocKey], path="/v1/allocations")
    ids.update(key.id for key in keys)
    positions = [p for p, key in enumerate(keys) if held(key.id) != key.modify_index]
    if not positions:
        return []
    if len(body) > THREAD_DECODE_BYTES:
        return await asyncio.to_thread(_decode_differing, body, keys, positions)
    return _decode_differing(body, keys, positions)


class _Outbox:
    """What the feed has for run() to yield, and run()'s wake-up.  Not an asyncio.Queue: waiting on
    a queue and on the feed's task at once takes a new task per item, and events come one by one."""

    def __init__(self) -> None:
        self.items: deque[FeedItem] = deque()
        self.ready = asyncio.Event()

    def put_nowait(self, item: FeedItem) -> None:
        self.items.append(item)
        self.ready.set()


class AllocFeed:
    def __init__(
        self,
        client: NomadClient,
        namespace: str,
        *,
        first_page: int = FIRST_PAGE,
        page: int = PAGE,
        task_states_limit: int = TASK_STATES_LIMIT,
        reconcile_budget: float = RECONCILE_BUDGET,
        reconcile_min: float = RECONCILE_MIN,
        reconcile_bytes_per_s: float = RECONCILE_BYTES_PER_S,
        fill_page: int = FILL_PAGE,
        fill_budget: float = FILL_BUDGET,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
        rng: Callable[[], float] = random.random,
        held: Callable[[str], int] | None = None,
        newest_in: Callable[[str], int] | None = None,
        max_namespace_streams: int = MAX_NAMESPACE_STREAMS,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.first_page = first_page
        self.page = page
        self.task_states_limit = task_states_limit
        self.reconcile_budget = reconcile_budget
        self.reconcile_min = reconcile_min
        self.reconcile_bytes_per_s = reconcile_bytes_per_s
        self.fill_page = fill_page
        self.fill_budget = fill_budget
        self.clock = clock
        self.cpu_clock = cpu_clock
        self.rng = rng
        # The ModifyIndex the consumer holds for an ID (-1 if none): lets a reconciliation keep only
        # what differs instead of a second copy of the whole list.
        self.held = held
        # The newest ModifyIndex the consumer holds in a namespace (0 if none): per-namespace streams
        # resume from it (see _namespace_streams).
        self.newest_in = newest_in
        self.max_namespace_streams = max_namespace_streams
        self.stream_namespaces: list[str] = []  # one stream each, when `*` was refused; else empty
        self.stats = FeedStats()
        self.index = 0  # the newest index we have applied (list or event)
        self.task_states_complete = False  # every allocation of the first load came with TaskStates
        self.paginates = True  # the server honours per_page (Nomad 1.3+)
        self._out = _Outbox()
        self._shared = SharedValues()
        self._resync = asyncio.Event()
        self._reconcile_due = 0.0

    def _send(self, item: Upserts | Snapshot) -> None:
        self._shared.compact(item.stubs)
        self._out.put_nowait(item)

    def resync(self, reason: str = "asked") -> None:
        """Reconcile with a whole list now (the user's ctrl+r, or a sign that events were missed)."""
        self.stats.reasons.append(reason)
        self._resync.set()

    # ------------------------------------------------------------------------------ running
    async def run(self) -> AsyncGenerator[FeedItem, None]:
        out = self._out
        drive = asyncio.create_task(self._drive())
        drive.add_done_callback(lambda _: out.ready.set())
        try:
            while True:
                while out.items:
                    item = out.items.popleft()
                    yield item
                    if isinstance(item, Fallback):
                        return
                if drive.done():
                    drive.result()  # a bug in the feed surfaces here (the worker restarts it), never a hang
                    return
                out.ready.clear()
                await out.ready.wait()
        finally:
            drive.cancel()
            await asyncio.gather(drive, return_exceptions=True)

    async def _drive(self) -> None:
        try:
            start_cpu = self.cpu_clock()
            snapshot_index = await self._first_load()
            if snapshot_index is None:
                return
            # The first reconciliation is paced by the first load's cost.
            self._pace(self.cpu_clock() - start_cpu, self.stats.bytes)
            await self._follow(snapshot_index)
        except NomadError as error:  # pragma: no cover - every path above handles its own errors
            self._out.put_nowait(Fallback(f"feed failed: {error}"))

    def _backoff(self, attempt: int) -> float:
        return jittered(attempt, self.rng)

    # ------------------------------------------------------------------------------ first load
    async def _first_load(self) -> int | None:
        """Page the list in, newest first; returns the index to follow events from (None: fell back)."""
        attempt = 0
        while True:
            try:
                return await self._load_pages()
            except PermissionDenied as error:
                if self.namespace == "*":
                    # Older servers refuse `*` to tokens scoped to some namespaces: the list watcher
                    # knows how to go namespace by namespace.
                    self._out.put_nowait(Fallback(f"listing every namespace refused: {error.message}"))
                    return None
                attempt += 1
                delay = self._backoff(attempt)
                self._out.put_nowait(Health(FeedMode.EVENTS, error=error, attempt=attempt, retry_in=delay))
                await asyncio.sleep(delay)
            except NomadError as error:
                attempt += 1
                delay = self._backoff(attempt)
                self._out.put_nowait(Health(FeedMode.EVENTS, error=error, attempt=attempt, retry_in=delay))
                await asyncio.sleep(delay)

    async def _load_pages(self) -> int:
        with_states = self.task_states_limit > 0
        first = await list_page(
            self.client,
            namespace=self.namespace,
            per_page=self.first_page,
            reverse=True,
            task_states=with_states,
        )
        stubs = first.value
        index = first.meta.index
        self.index = max(self.index, index)
        self.stats.bytes += first.nbytes
        if len(stubs) > self.first_page or (not first.meta.next_token and not _newest_first(stubs)):
            # The server ignored per_page (before 1.3): this is the whole list, oldest first, with the
            # task states asked for the first page (heavier than planned, once; nothing to fill later).
            self.paginates = False
            self.task_states_complete = with_states
            # The health first: when the rows show, the status bar already says live.
            self._out.put_nowait(Health(FeedMode.EVENTS, meta=first.meta, note="one page"))
            self._send(Snapshot(stubs, None, index, index, first.nbytes, reset=False))
            self._out.put_nowait(Progress(len(stubs), len(stubs), done=True))
            return index
        loaded = len(stubs)
        token = first.meta.next_token or ""
        if token:  # said before the rows show, so the first paint already says more is coming
            self._out.put_nowait(Progress(loaded, None, done=False))
        self._out.put_nowait(Health(FeedMode.EVENTS, meta=first.meta))
        self._send(Upserts(stubs, index, first.nbytes, "page"))
        newest = stubs[0].create_index if stubs else 0
        self.task_states_complete = with_states and not token
        oldest = asyncio.create_task(self._oldest_create_index()) if token else None
        try:
            return await self._more_pages(index, token, loaded, newest, stubs, with_states, oldest)
        finally:
            if oldest is not None:
                oldest.cancel()

    async def _more_pages(
        self,
        index: int,
        token: str,
        loaded: int,
        newest: int,
        stubs: list[AllocStub],
        with_states: bool,
        oldest: asyncio.Task[int | None] | None,
    ) -> int:
        floor: int | None = None
        while token:
            if floor is None and oldest is not None and oldest.done() and not oldest.cancelled():
                floor = oldest.result()
            self._out.put_nowait(Progress(loaded, _estimate(loaded, newest, stubs, floor), done=False))
            with_states = with_states and loaded < self.task_states_limit
            response = await list_page(
                self.client,
                namespace=self.namespace,
                per_page=self.page,
                next_token=token,
                reverse=True,
                task_states=with_states,
            )
            stubs = response.value
            self.stats.bytes += response.nbytes
            loaded += len(stubs)
            token = response.meta.next_token or ""
            self.task_states_complete = with_states and not token
            self._send(Upserts(stubs, response.meta.index, response.nbytes, "page"))
            del response
        self._out.put_nowait(Progress(loaded, loaded, done=True))
        return index

    async def _oldest_create_index(self) -> int | None:
        """The oldest allocation's CreateIndex (one item, oldest first): with the newest, a progress
        estimate — Nomad says nowhere how many allocations a list holds."""
        try:
            response = await list_page(self.client, namespace=self.namespace, per_page=1, task_states=False)
        except NomadError:
            return None
        return response.value[0].create_index if len(response.value) == 1 else None

    # ------------------------------------------------------------------------------ following
    async def _follow(self, snapshot_index: int) -> None:
        helpers = [asyncio.create_task(self._reconcile_loop())]
        if not self.task_states_complete and self.fill_budget > 0 and self.paginates:
            helpers.append(asyncio.create_task(self._fill_task_states()))
        try:
            refused = await self._stream_loop(self.namespace, snapshot_index, witness=True)
            if refused is None:
                return
            if self.namespace == "*":
                await self._namespace_streams(refused, snapshot_index)
            else:
                self._out.put_nowait(Fallback(f"event stream refused: {refused}"))
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def _namespace_streams(self, refused: str, snapshot_index: int) -> None:
        """`*` on the stream needs read-job in every namespace (docs/nomad-wire.md §8);
        a token scoped to some namespaces gets one stream per namespace it can read, up to
        max_namespace_streams; beyond that the list blocking queries are lighter than so many streams."""
        try:
            namespaces = sorted({ns.name for ns in await self.client.list_namespaces() if ns.name})
        except NomadError as error:
            self._out.put_nowait(Fallback(f"event stream refused ({refused}); namespaces unreadable: {error.message}"))
            return
        if not namespaces or len(namespaces) > self.max_namespace_streams:
            self._out.put_nowait(
                Fallback(
                    f"event stream refused for every namespace at once ({refused}), and {len(namespaces)} "
                    f"readable namespaces are more than {self.max_namespace_streams} streams",
                    detail=f"{len(namespaces)} namespaces",
                )
            )
            return
        self.stream_namespaces = namespaces
        newest = self.newest_in or (lambda namespace: 0)
        loops = []
        for namespace in namespaces:
            # The namespace's newest allocation change is an entry of its own stream: asked for again,
            # it witnesses that nothing was dropped since.  A namespace with no allocation has none.
            witness = newest(namespace)
            resume = witness or snapshot_index
            loops.append(asyncio.create_task(self._stream_loop(namespace, resume, witness=bool(witness))))
        try:
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                refused_here = task.result()
                if refused_here is not None:
                    self._out.put_nowait(Fallback(f"event stream refused: {refused_here}"))
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def _fill_task_states(self) -> None:
        """Above the threshold the list came without TaskStates: read them in the background, newest
        first, a page at a time, paced to FILL_BUDGET of a core. Events keep them current after that
        (their payloads carry task states), so this walks the list once."""
        token = ""
        attempt = 0
        while True:
            start_cpu = self.cpu_clock()
            try:
                response = await list_page(
                    self.client,
                    namespace=self.namespace,
                    per_page=self.fill_page,
                    next_token=token,
                    reverse=True,
                    task_states=True,
                )
            except NomadError:
                attempt += 1
                await asyncio.sleep(self._backoff(attempt) + self.reconcile_min)
                continue
            attempt = 0
            self.stats.bytes += response.nbytes
            self.stats.filled += len(response.value)
            self._send(Upserts(response.value, response.meta.index, response.nbytes, "task states"))
            token = response.meta.next_token or ""
            if not token or len(response.value) > self.fill_page:
                self.task_states_complete = True
                return
            del response
            cost = self.cpu_clock() - start_cpu
            await asyncio.sleep(max(0.05, cost / self.fill_budget))

    async def _stream_loop(self, namespace: str, resume: int, *, witness: bool) -> str | None:
        """Follow one stream from `resume`; returns the refusal's message if it was refused before it
        ever started (the caller decides what to do instead); any other end is a Fallback.

        `witness`: the entry at `resume` is one this stream carries, so if the first entry replayed is
        newer, entries were dropped from the buffer in between."""
        failures = 0
        reconnect = False
        started = False
        while True:
            self.stats.subscribes += 1
            subscribed = False
            last_health = -HEALTH_EVERY
            last_entry: int | None = None  # the Index of the last entry in this subscription
            try:
                async with aclosing(
                    stream_allocation_events(self.client, index=resume, namespace=namespace)
                ) as batches:
                    async for batch in batches:
                        if not subscribed:
                            subscribed = started = True
                            failures = 0
                            self._out.put_nowait(
                                Health(FeedMode.EVENTS, meta=QueryMeta(index=self.index), changed=False)
                            )
                            if reconnect:
                                self.resync("stream reconnected")
                        self.stats.bytes += batch.nbytes
                        if not batch.first_index:
                            continue
                        if last_entry is None and witness and batch.first_index > resume:
                            # We asked again for the entry we already have: it is no longer buffered,
                            # so entries after it may have been dropped too.
                            self.stats.gaps += 1
                            self.resync("entries missed")
                        elif last_entry is not None and batch.first_index < last_entry:
                            self.stats.resets += 1
                            self.resync("index went backwards")
                        last_entry = resume = batch.last_index
                        witness = True  # from now on `resume` is an entry this stream carried
                        self.index = max(self.index, batch.last_index)
                        self.stats.events += len(batch.allocations)
                        if batch.allocations:
                            self._send(Upserts(batch.allocations, batch.last_index, batch.nbytes, "events"))
                        now = self.clock()
                        if now - last_health >= HEALTH_EVERY:
                            # The index and "changed" age for the status bar: once a second is enough.
                            last_health = now
                            self._out.put_nowait(Health(FeedMode.EVENTS, meta=QueryMeta(index=self.index)))
            except StreamAbsent:
                self._out.put_nowait(Fallback("no event stream on this server (Nomad before 1.0)"))
                return None
            except StreamRefused as error:
                if not started:
                    return error.message
                self._out.put_nowait(Fallback(f"event stream refused: {error.message}"))
                return None
            except NomadError as error:
                if not subscribed:
                    failures += 1
                if failures >= MAX_STREAM_FAILURES:
                    self._out.put_nowait(Fallback(f"event stream failing ({error.message})"))
                    return None
                delay = self._backoff(max(1, failures))
                self._out.put_nowait(Health(FeedMode.EVENTS, error=error, attempt=max(1, failures), retry_in=delay))
                await asyncio.sleep(delay)
            reconnect = True

    async def _reconcile_loop(self) -> None:
        while True:
            wait = max(0.0, self._reconcile_due - self.clock())
            with suppress(TimeoutError):
                await asyncio.wait_for(self._resync.wait(), wait)
            if not self._resync.is_set():
                self.stats.reasons.append("paced")
            self._resync.clear()
            try:
                await self._reconcile()
            except NomadError as error:
                # The stream is what keeps us live; a failed reconciliation is retried on the pace.
                self._out.put_nowait(Health(FeedMode.EVENTS, error=error, attempt=1, retry_in=self.reconcile_min))
                self._reconcile_due = self.clock() + self.reconcile_min

    async def _reconcile(self) -> None:
        """One whole list, paged and light; only what differs from what is held is kept in memory."""
        start_cpu = self.cpu_clock()
        before = self.index
        held = self.held
        changed: list[AllocStub] = []
        ids: set[str] | None = set() if held is not None else None
        since = index = nbytes = 0
        token = ""
        meta = QueryMeta(index=0)
        while True:
            if held is None or ids is None:
                response = await list_page(self.client, namespace=self.namespace, per_page=self.page, next_token=token)
                changed.extend(response.value)
                meta, nbytes = response.meta, nbytes + response.nbytes
                del response
            else:
                page = await list_page_body(self.client, namespace=self.namespace, per_page=self.page, next_token=token)
                changed.extend(await differing_stubs(page.value, held, ids))
                meta, nbytes = page.meta, nbytes + page.nbytes
                del page
            since = since or meta.index
            index = max(index, meta.index)
            token = meta.next_token or ""
            if not token:
                break
        # An index below what we had seen before asking: a restored agent rewrote every index.
        reset = since < before
        self.stats.bytes += nbytes
        self.stats.reconciles += 1
        if reset:
            self.stats.resets += 1
            if ids is not None:  # the list must win outright: hand over all of it
                changed = await self._whole_list()
                ids = None
        self.index = index if reset else max(self.index, index)
        self._send(Snapshot(changed, ids, index, since, nbytes, reset=reset))
        self._out.put_nowait(Health(FeedMode.EVENTS, meta=dataclasses.replace(meta, index=self.index), changed=False))
        del changed
        self._pace(self.cpu_clock() - start_cpu, nbytes)

    async def _whole_list(self) -> list[AllocStub]:
        stubs: list[AllocStub] = []
        token = ""
        while True:
            response = await list_page(self.client, namespace=self.namespace, per_page=self.page, next_token=token)
            stubs.extend(response.value)
            self.stats.bytes += response.nbytes
            token = response.meta.next_token or ""
            if not token:
                return stubs

    def _pace(self, cost: float, nbytes: int) -> None:
        """The next reconciliation comes when this one's CPU cost is RECONCILE_BUDGET of the time and
        its bytes RECONCILE_BYTES_PER_S."""
        self.stats.last_reconcile_cost = cost
        self.stats.last_reconcile_bytes = nbytes
        wanted = max(cost / self.reconcile_budget, nbytes / self.reconcile_bytes_per_s)
        interval = min(RECONCILE_MAX, max(self.reconcile_min, wanted))
        self.stats.reconcile_interval = interval
        self._reconcile_due = self.clock() + interval


class SharedValues:
    """One copy of each value many allocations repeat: the strings (namespace, node, job, group,
    statuses, the evaluation) and the task-state maps (most running allocations of a group read
    {"app": running, 0 restarts}): the decoder makes new ones for every allocation, and at a million
    allocations the copies are hundreds of MB.  Nothing changes a held stub's values (a change is a
    new stub), so sharing is safe.  The tables are bounded: new evaluations keep coming on a busy
    cluster, so past `limit` entries a table starts over (what is held keeps its values)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.table: dict[str, str] = {}
        self.task_states: dict[tuple[object, ...], dict[str, TaskStateSummary]] = {}

    def compact(self, stubs: list[AllocStub]) -> None:
        if len(self.table) > self.limit:
            self.table = {}
        if len(self.task_states) > self.limit:
            self.task_states = {}
        one = self.table.setdefault
        maps = self.task_states.setdefault
        for stub in stubs:
            stub.namespace = one(stub.namespace, stub.namespace)
            stub.node_id = one(stub.node_id, stub.node_id)
            stub.node_name = one(stub.node_name, stub.node_name)
            stub.job_id = one(stub.job_id, stub.job_id)
            stub.job_type = one(stub.job_type, stub.job_type)
            stub.task_group = one(stub.task_group, stub.task_group)
            stub.desired_status = one(stub.desired_status, stub.desired_status)
            stub.desired_description = one(stub.desired_description, stub.desired_description)
            stub.client_status = one(stub.client_status, stub.client_status)
            stub.client_description = one(stub.client_description, stub.client_description)
            stub.eval_id = one(stub.eval_id, stub.eval_id)
            states = stub.task_states
            if states:
                key = tuple((name, s.state, s.failed, s.restarts) for name, s in states.items())
                stub.task_states = maps(key, states)


def _newest_first(stubs: list[AllocStub]) -> bool:
    return all(a.create_index >= b.create_index for a, b in pairwise(stubs))


def _estimate(loaded: int, newest: int, last_page: list[AllocStub], oldest: int | None) -> int | None:
    """Allocations in the whole list, assuming they are spread over CreateIndex as evenly as so far."""
    if oldest is None or not last_page:
        return None
    reached = last_page[-1].create_index
    covered = newest - reached
    if covered <= 0 or reached <= oldest:
        return None
    return max(loaded, round(loaded * (newest - oldest) / covered))
