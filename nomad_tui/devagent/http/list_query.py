"""Building `/v1/allocations` bodies: namespace, prefix, filter, paging and order, cached per index.

Many watchers ask for the same list at the same index, and encoding 100k stubs takes most of a
second here, so finished bodies are kept in a small LRU keyed by everything that shapes them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from aiohttp import web

from nomad_tui.devagent import bexpr, wire
from nomad_tui.devagent.http.common import HttpError
from nomad_tui.devagent.model.cluster import Cluster
from nomad_tui.devagent.model.records import ALLOCATION_FIELDS, Allocation

CACHE_ENTRIES = 16
CACHE_BYTES = 384 * 1024 * 1024
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


@dataclass
class ListBody:
    body: bytes
    next_token: str
    gzip: dict[str, bytes]  # compressed variants, filled by the compression layer on demand


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


class ListCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[object, ...], ListBody] = OrderedDict()
        self._bytes = 0

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def get(self, cluster: Cluster, query: ListQuery) -> ListBody:
        key = (cluster.index, cluster.alloc_index, len(cluster.allocs), query)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry
        entry = build(cluster, query)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while len(self._entries) > 1 and (len(self._entries) > CACHE_ENTRIES or self._bytes > CACHE_BYTES):
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body) + sum(len(v) for v in old.gzip.values())
        return entry

    def account(self, extra: int) -> None:
        self._bytes += extra


def build(cluster: Cluster, query: ListQuery) -> ListBody:
    predicate = None
    if query.filter:
        try:
            predicate = bexpr.compile_filter(query.filter, ALLOCATION_FIELDS)
        except bexpr.FilterSyntaxError as exc:
            raise HttpError(400, f"failed to create result paginator: failed to read filter expression: {exc}") from exc
    items: list[Allocation] = []
    next_token = ""
    limit = query.per_page if query.per_page > 0 else None
    start = _token_key(query)
    try:
        for alloc in _ordered(cluster, query):
            if start is not None:
                key = _sort_key(alloc, query)
                if (key < start) if not query.reverse else (key > start):
                    continue
            if predicate is not None and not predicate(alloc):
                continue
            if limit is not None and len(items) >= limit:
                next_token = _token(alloc, query)
                break
            items.append(alloc)
    except bexpr.FilterEvalError as exc:
        raise HttpError(400, f"failed to read result page: {exc}") from exc
    body = wire.encode_stubs(items, query.task_states, query.resources, query.pretty)
    return ListBody(body, next_token, {})


def _ordered(cluster: Cluster, query: ListQuery) -> Iterator[Allocation]:
    allocs = cluster.allocs
    wanted = query.namespace
    if query.prefix:
        sanitized = query.prefix.replace("-", "").lower()
        ids = cluster.sorted_ids
        seq = reversed(ids) if query.reverse else iter(ids)
        for alloc_id in seq:
            if alloc_id.replace("-", "").startswith(sanitized):
                alloc = allocs[alloc_id]
                if wanted == "*" or alloc.Namespace == wanted:
                    yield alloc
        return
    order = cluster.order
    seq2 = reversed(order) if query.reverse else iter(order)
    for _, alloc_id in seq2:
        alloc = allocs[alloc_id]
        if wanted == "*" or alloc.Namespace == wanted:
            yield alloc


def _sort_key(alloc: Allocation, query: ListQuery) -> tuple[int, str]:
    return (0, alloc.ID) if query.prefix else (alloc.CreateIndex, alloc.ID)


def _token(alloc: Allocation, query: ListQuery) -> str:
    return alloc.ID if query.prefix else f"{alloc.CreateIndex}.{alloc.ID}"


def _token_key(query: ListQuery) -> tuple[int, str] | None:
    """The token names the first item of the next page; compare on CreateIndex (numerically), then ID."""
    if not query.next_token:
        return None
    if query.prefix:
        return (0, query.next_token)
    index, _, alloc_id = query.next_token.partition(".")
    try:
        return (int(index), alloc_id)
    except ValueError:
        return (0, query.next_token)
