"""Building `/v1/allocations` bodies: namespace, prefix, filter, paging and order, cached twice.

Two caches, because a change on a big cluster used to cost a full re-encode of every stub:

- `StubCache` keeps each allocation's encoded stub (per variant: task_states on/off, resources on/off)
  until that allocation changes (its ModifyIndex moves, it is GC'd, or a restore rewrites indexes).
  A body is then `b"[" + b",".join(pieces) + b"]"`, which is byte for byte what encoding the whole
  list gives (compact msgspec JSON has no whitespace), so a change costs one stub's encode plus a walk
  over the list; the join happens in batches while sending (`ListPayload`).
- `ListCache` keeps finished bodies (as piece lists) in a small LRU keyed by (index, query), so many
  watchers asking the same thing at the same index share one build (and one compression).
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import payload, web
from aiohttp.abc import AbstractStreamWriter

from nomad_tui.devagent import bexpr, wire
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import HttpError
from nomad_tui.devagent.model.cluster import Cluster, Commit
from nomad_tui.devagent.model.records import ALLOCATION_FIELDS, Allocation

CACHE_ENTRIES = 16
CACHE_BYTES = 384 * 1024 * 1024
SEND_CHUNK = 256 * 1024
JOIN_BELOW = 16 * 1024 * 1024  # bodies up to this size (~18k stubs without task states) are kept joined
_HEX = re.compile(r"[0-9a-fA-F]*")


@dataclass(frozen=True)
class ListQuery:
    namespace: str  # "*" for every namespace
    prefix: str
    filter: str
    task_states: bool
    resources: bool
    per_page: int
    next_token: str
    reverse: bool
    pretty: bool
    allowed: frozenset[str] | None = None  # with "*": the namespaces the token may read (None: all)


@dataclass
class ListBody:
    """A finished list body, kept as its pieces: big compact bodies are the stubs (the first carrying
    "[", the last "]") to be joined with commas; bodies up to JOIN_BELOW and `?pretty` ones are one
    piece. Sending streams joined batches of pieces, so a 100k list is never copied into one 88-290 MB
    bytes object (nor twice more into the transport's buffer) and the LRU holds pointers to stub bytes
    the StubCache owns anyway."""

    pieces: list[bytes]
    next_token: str
    gzip: dict[str, bytes]  # compressed variants, filled by the compression layer on demand
    length: int = 0

    def __post_init__(self) -> None:
        self.length = sum(map(len, self.pieces)) + max(0, len(self.pieces) - 1)

    def joined(self) -> bytes:
        return b",".join(self.pieces)

    def chunks(self, target: int = SEND_CHUNK) -> Iterator[bytes]:
        """The body in joined batches of about `target` bytes, in order."""
        pieces = self.pieces
        count = len(pieces)
        start = 0
        while start < count:
            end = start
            size = 0
            while end < count and size < target:
                size += len(pieces[end]) + 1
                end += 1
            batch = pieces[start:end]
            if start:
                batch.insert(0, b"")  # the comma between this batch and the previous one
            yield b",".join(batch)
            start = end

    def cost(self) -> int:
        """What this entry adds to memory: pointers for compact bodies (their stubs live in the
        StubCache), the bytes themselves for a pretty body, plus any compressed variants."""
        own = self.length if len(self.pieces) == 1 else 8 * len(self.pieces)
        return own + sum(len(v) for v in self.gzip.values())


class ListPayload(payload.Payload):
    """A ListBody as an aiohttp response body: Content-Length up front, then batches with drain."""

    _autoclose = True

    def __init__(self, body: ListBody) -> None:
        super().__init__(body, content_type="application/json")
        self._size = body.length

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._value.joined().decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self._value.joined()

    async def write(self, writer: AbstractStreamWriter) -> None:
        for chunk in self._value.chunks():
            await writer.write(chunk)

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        await self.write(writer)


def uuid_index_error(text: str, exact: bool) -> str | None:
    """go-memdb's UUID index checks, with their texts."""
    if exact and len(text) != 36:
        return "UUID must be 36 characters"
    hyphens = text.count("-")
    if hyphens > 4:
        return f'UUID should have maximum of 4 "-"; got {hyphens}'
    sanitized = text.replace("-", "")
    if len(sanitized) % 2:
        return "Input (without hyphens) must be even length"
    match = _HEX.match(sanitized)
    if match is None or match.end() != len(sanitized):
        bad = sanitized[match.end() if match else 0]
        return f"Invalid UUID: encoding/hex: invalid byte: U+{ord(bad):04X} {bad!r}"
    return None


LIST_BODY: web.ResponseKey[ListBody] = web.ResponseKey("list_body", ListBody)


class StubCache:
    """Encoded stubs per allocation, valid while its ModifyIndex stays (every write moves it).

    An entry is `[ModifyIndex, v0, v1, v2, v3]`, one slot per (task_states, resources) variant, filled
    only when that variant is asked for. Entries of changed and GC'd allocations are dropped at commit
    time so stale bytes do not pile up under churn; a restore clears everything, because it rewrites
    CreateIndex/ModifyIndex and a later write could bring an old ModifyIndex back with new content.
    """

    def __init__(self, cluster: Cluster) -> None:
        self._entries: dict[str, list[Any]] = {}
        cluster.listeners.append(self.on_commit)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def on_commit(self, commit: Commit) -> None:
        if commit.restored:
            self._entries.clear()
            return
        entries = self._entries
        for _, alloc in commit.changes:
            entries.pop(alloc.ID, None)
        for alloc_id in commit.deleted:
            entries.pop(alloc_id, None)

    def pieces(self, allocs: list[Allocation], task_states: bool, resources: bool) -> list[bytes]:
        slot = 1 + 2 * task_states + resources
        entries = self._entries
        out: list[bytes] = []
        missing: list[tuple[int, Allocation, list[Any]]] = []
        for alloc in allocs:
            entry = entries.get(alloc.ID)
            if entry is None or entry[0] != alloc.ModifyIndex:
                entry = [alloc.ModifyIndex, None, None, None, None]
                entries[alloc.ID] = entry
            piece = entry[slot]
            if piece is None:
                missing.append((len(out), alloc, entry))
                piece = b""
            out.append(piece)
        if missing:
            encoded = wire.encode_stub_pieces([a for _, a, _ in missing], task_states, resources)
            for (pos, _, entry), piece in zip(missing, encoded, strict=True):
                entry[slot] = out[pos] = piece
        return out


class ListCache:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.stubs = StubCache(cluster)
        self._entries: OrderedDict[tuple[object, ...], ListBody] = OrderedDict()
        self._bytes = 0

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        self.stubs.clear()

    def get(self, query: ListQuery) -> ListBody:
        cluster = self.cluster
        key = (cluster.index, cluster.alloc_index, len(cluster.allocs), query)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry
        entry = build(cluster, query, self.stubs)
        self._entries[key] = entry
        self._bytes += entry.cost()
        while len(self._entries) > 1 and (len(self._entries) > CACHE_ENTRIES or self._bytes > CACHE_BYTES):
            _, old = self._entries.popitem(last=False)
            self._bytes -= old.cost()
        return entry

    def account(self, extra: int) -> None:
        self._bytes += extra


def build(cluster: Cluster, query: ListQuery, stubs: StubCache) -> ListBody:
    """Nomad's paginator (nomad/state/paginator/paginator.go) over the list order: items before the
    `next_token` are skipped until the first one that is not, then the filter and the namespace apply,
    and the item after `per_page` kept ones becomes the next token (filtered items do not count)."""
    predicate = None
    if query.filter:
        try:
            predicate = bexpr.compile_filter(query.filter, ALLOCATION_FIELDS)
        except bexpr.FilterSyntaxError as exc:
            raise HttpError(400, f"failed to create result paginator: failed to read filter expression: {exc}") from exc
    items: list[Allocation] = []
    next_token = ""
    limit = query.per_page  # 0: everything; Nomad ends a negative page at its first item
    compare = _tokenizer(query)
    found = compare is None
    try:
        for alloc in _ordered(cluster, query):
            if not found:
                assert compare is not None
                relation = compare(alloc)
                if relation == (1 if query.reverse else -1):
                    continue  # still before the token
            if predicate is not None and not predicate(alloc):
                continue
            found = True
            if limit != 0 and len(items) + 1 > limit:
                next_token = _token(alloc, query)
                break
            items.append(alloc)
    except bexpr.FilterEvalError as exc:
        raise HttpError(400, f"failed to read result page: {exc}") from exc
    pieces = stubs.pieces(items, query.task_states, query.resources)
    bracket(pieces)
    if query.pretty:
        # The slow path: reformatting the compact bytes gives exactly what encoding pretty gives.
        pieces = [wire.pretty_json(b",".join(pieces))]
    elif len(pieces) > 1 and sum(map(len, pieces)) <= JOIN_BELOW:
        # Smaller bodies are joined once here: every watcher answered from this entry then sends one
        # bytes object (measured ~4 ms less per send at 10k than re-joining batches each time).
        pieces = [b",".join(pieces)]
    return ListBody(pieces, next_token, {})


def bracket(pieces: list[bytes]) -> None:
    """Make `b",".join(pieces)` the JSON array: "[" goes onto the first piece and "]" onto the last (so
    joining copies the body once, not three times as `b"[" + b",".join(pieces) + b"]"` would)."""
    if not pieces:
        pieces.append(b"[]")
        return
    pieces[0] = b"[" + pieces[0]
    pieces[-1] = pieces[-1] + b"]"


def _ordered(cluster: Cluster, query: ListQuery) -> Iterator[Allocation]:
    """The allocations in list order (namespace and token scope applied). Where the token is an
    ordinary one, iteration starts at it by bisection: the same items Nomad's skipping reaches."""
    allocs = cluster.allocs
    wanted = query.namespace
    allowed = query.allowed
    start = _bisect_key(query)
    if query.prefix:
        sanitized = query.prefix.replace("-", "").lower()
        ids = cluster.sorted_ids
        seq = _walk(ids, start if isinstance(start, str) else None, query.reverse)
        for alloc_id in seq:
            if alloc_id.replace("-", "").startswith(sanitized):
                alloc = allocs[alloc_id]
                if (wanted == "*" or alloc.Namespace == wanted) and (allowed is None or alloc.Namespace in allowed):
                    yield alloc
        return
    order = cluster.order
    seq2 = _walk(order, start if isinstance(start, tuple) else None, query.reverse)
    for _, alloc_id in seq2:
        alloc = allocs[alloc_id]
        if (wanted == "*" or alloc.Namespace == wanted) and (allowed is None or alloc.Namespace in allowed):
            yield alloc


def _walk(items: list[Any], key: object, reverse: bool) -> Iterator[Any]:
    """`items` (sorted ascending) from the first one not before `key`, in list direction."""
    if key is None:
        return reversed(items) if reverse else iter(items)
    if reverse:
        end = bisect.bisect_right(items, key)
        return (items[i] for i in range(end - 1, -1, -1))
    begin = bisect.bisect_left(items, key)  # type: ignore[type-var]
    return (items[i] for i in range(begin, len(items)))


def _token(alloc: Allocation, query: ListQuery) -> str:
    return alloc.ID if query.prefix else f"{alloc.CreateIndex}.{alloc.ID}"


def _go_atoi(text: str) -> int | None:
    try:
        value = goparse.parse_int(text, 64)
    except goparse.GoParseError:
        return None
    return value % 2**64  # Nomad compares it as a uint64


def _cmp(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def _tokenizer(query: ListQuery) -> Callable[[Allocation], int] | None:
    """How an item compares with `next_token` (-1 before, 0 at, 1 after), as Nomad's tokenizers do:
    the ID with a prefix (IDTokenizer); otherwise CreateIndex numerically then ID, falling back to
    comparing the whole `<CreateIndex>.<ID>` text when the token has no dot or no number before it
    (CreateIndexAndIDTokenizer)."""
    target = query.next_token
    if not target:
        return None
    if query.prefix:
        return lambda alloc: _cmp(alloc.ID, target)
    index_text, dot, target_id = target.partition(".")
    target_index = _go_atoi(index_text) if dot else None
    if target_index is None:
        return lambda alloc: _cmp(f"{alloc.CreateIndex}.{alloc.ID}", target)
    return lambda alloc: _cmp((alloc.CreateIndex, alloc.ID), (target_index, target_id))


def _bisect_key(query: ListQuery) -> tuple[int, str] | str | None:
    """Where an ordinary token lets iteration start (its comparison is the list order's own)."""
    target = query.next_token
    if not target:
        return None
    if query.prefix:
        return target
    index_text, dot, target_id = target.partition(".")
    target_index = _go_atoi(index_text) if dot else None
    return None if target_index is None else (target_index, target_id)
