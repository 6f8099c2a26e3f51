"""A reconciliation reads a whole list but decodes whole stubs only for what differs from the store."""

from __future__ import annotations

import json

from nomad_tui.api.feed import differing_stubs


def item(alloc_id: str, modify_index: int, **more: object) -> dict[str, object]:
    return {"ID": alloc_id, "Namespace": "prod", "JobID": "web", "ModifyIndex": modify_index, **more}


async def test_only_what_differs_is_decoded_whole_and_every_id_is_counted() -> None:
    body = json.dumps([item("a0", 5), item("a1", 9), item("a2", 3)]).encode()
    held = {"a0": 5, "a1": 7}.get
    ids: set[str] = set()
    stubs = await differing_stubs(body, lambda alloc_id: held(alloc_id, -1), ids)
    assert ids == {"a0", "a1", "a2"}
    assert [(s.id, s.modify_index, s.job_id) for s in stubs] == [("a1", 9, "web"), ("a2", 3, "web")]


async def test_an_odd_document_is_read_the_lax_way_and_matched_by_id() -> None:
    # An item that is not an object sends the keys down the lax decoder, which drops it: positions
    # no longer line up with the list's items, so the whole stubs are found by ID instead.
    body = json.dumps([item("a0", 5, CreateIndex=None), 7, item("a1", 9)]).encode()
    ids: set[str] = set()
    stubs = await differing_stubs(body, lambda alloc_id: {"a0": 5}.get(alloc_id, -1), ids)
    assert ids == {"a0", "a1"}
    assert [(s.id, s.create_index) for s in stubs] == [("a1", 0)]
