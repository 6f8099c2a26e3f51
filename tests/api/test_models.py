"""Both API generations decode; odd numbers, nulls and missing keys never crash the decoder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nomad_tui.api.decode import convert, decode
from nomad_tui.api.errors import BadResponse
from nomad_tui.api.models import (
    TASK_EVENT_TYPES,
    Allocation,
    AllocStub,
    TaskEvent,
    go_duration,
    legacy_display_message,
    ns_to_datetime,
    parse_time,
)

SEEDS = Path(__file__).parent.parent / "data" / "seeds"


def load(name: str) -> bytes:
    return (SEEDS / name).read_bytes()


def test_current_list_sample_decodes() -> None:
    stubs = decode(load("v1_list.json"), list[AllocStub])
    assert len(stubs) == 1
    stub = stubs[0]
    assert stub.id == "a8198d79-cfdb-6593-a999-1e9adabcba2e"
    assert stub.job_id == "example" and stub.task_group == "cache"
    assert stub.client_status == "running" and stub.desired_status == "run"
    assert stub.next_allocation == "cd13d9b9-4f97-7184-c88b-7b451981616b"
    assert stub.task_states is not None and stub.task_states["redis"].state == "running"
    assert (stub.create_index, stub.modify_index) == (54, 57)
    assert stub.create_time == 1495747371794276400


def test_current_alloc_sample_decodes_with_string_duration_and_zero_times() -> None:
    alloc = decode(load("v1_alloc.json"), Allocation)
    assert alloc.id.startswith("a8198d79")
    assert alloc.job is not None and alloc.job.type == "service" and alloc.job.name == "example"
    assert alloc.reschedule_tracker is not None
    event = alloc.reschedule_tracker.events[0]  # type: ignore[index]
    assert event.delay == 5_000_000_000  # sent as the string "5000000000"
    assert event.prev_alloc_id.startswith("516d2753")
    redis = alloc.task_states["redis"]  # type: ignore[index]
    assert parse_time(redis.finished_at) is None  # "0001-01-01T00:00:00Z" means no time
    started = parse_time(redis.started_at)
    assert started is not None and started.year == 2017 and started.microsecond == 106431
    assert [e.type for e in redis.events or []] == ["Received", "Driver", "Started"]
    assert redis.events[1].text() == "Downloading image redis:3.2"  # type: ignore[index]
    assert alloc.resources is not None and alloc.resources.cpu == 500 and alloc.resources.memory_mb == 10
    assert alloc.task_resources["redis"].networks[0].dynamic_ports[0].value == 23116  # type: ignore[index]
    assert alloc.metrics is not None and alloc.metrics.scores is not None
    assert alloc.alloc_modify_index == 54


def test_old_0x_alloc_sample_decodes() -> None:
    alloc = decode(load("v0_alloc.json"), Allocation)
    assert alloc.id == "203266e5-e0d6-9486-5e05-397ed2b184af"
    assert alloc.namespace == "" and alloc.node_name == ""  # keys that 0.x did not have
    assert alloc.resources is not None and alloc.resources.iops == 0 and alloc.resources.cpu == 500
    assert alloc.resources.networks[0].dynamic_ports[0].label == "db"  # type: ignore[index]
    assert alloc.task_states["redis"].state == "running"  # type: ignore[index]
    assert alloc.task_states["redis"].events[0].type == "Started"  # type: ignore[index]
    assert alloc.metrics is not None and alloc.metrics.allocation_time == 1590406
    assert alloc.modify_index == 9 and alloc.create_index == 7


def test_floats_and_numeric_strings_accepted_where_ints_belong() -> None:
    body = b'{"TaskStates": {"t": {"Events": [{"Type": "Killing", "KillTimeout": 5e+09, "StartDelay": "1E+06"}]}}}'
    alloc = decode(body, Allocation)
    event = alloc.task_states["t"].events[0]  # type: ignore[index]
    assert event.kill_timeout == 5_000_000_000 and event.start_delay == 1_000_000


def test_nulls_where_go_never_writes_them_fall_back_to_defaults() -> None:
    body = b'[{"ID": null, "JobID": "j", "ModifyIndex": null, "TaskStates": {"a": {"State": null, "Restarts": 2.0}}}]'
    [stub] = decode(body, list[AllocStub])
    assert stub.id == "" and stub.job_id == "j" and stub.modify_index == 0
    assert stub.task_states["a"].state == "" and stub.task_states["a"].restarts == 2  # type: ignore[index]


def test_numbers_beyond_64_bits_are_dropped_not_fatal() -> None:
    body = b'[{"ID": "a", "ModifyIndex": 1180591620717411303424, "CreateIndex": -1e300, "JobVersion": 1e400}]'
    [stub] = decode(body, list[AllocStub])
    assert (stub.id, stub.modify_index, stub.create_index, stub.job_version) == ("a", 0, 0, 0)


def test_malformed_json_and_wrong_shape_are_bad_responses() -> None:
    with pytest.raises(BadResponse, match="malformed JSON"):
        decode(b'[{"ID": "x"', list[AllocStub])
    with pytest.raises(BadResponse, match="unexpected response shape"):
        decode(b'{"not": "a list"}', list[AllocStub])


def test_times_with_offsets_and_nanoseconds() -> None:
    parsed = parse_time("2026-11-22T21:15:01.123456789+02:00")
    assert parsed is not None and parsed.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    assert parsed.microsecond == 123456
    assert parse_time(None) is None and parse_time("garbage") is None
    assert ns_to_datetime(0) is None
    assert ns_to_datetime(1495747371794276400).year == 2017  # type: ignore[union-attr]


# Nomad's texts and Go's durations, shared with the dev agent's port (tests/devagent/test_model.py).
NOMAD_FORMAT = json.loads((SEEDS.parent / "nomad_display_messages.json").read_text())


@pytest.mark.parametrize(("ns", "text"), NOMAD_FORMAT["durations"])
def test_go_durations(ns: int, text: str) -> None:
    assert go_duration(ns) == text


@pytest.mark.parametrize("case", NOMAD_FORMAT["messages"], ids=lambda case: case["text"])
def test_legacy_display_messages(case: dict[str, Any]) -> None:
    event = msgspec.convert(case["event"], TaskEvent)
    assert legacy_display_message(event) == case["text"]
    assert event.text() == case["text"]


def test_every_event_type_known() -> None:
    assert len(set(TASK_EVENT_TYPES)) == len(TASK_EVENT_TYPES) == 33
    for kind in TASK_EVENT_TYPES:
        event = TaskEvent(type=kind, message="m")
        assert isinstance(event.text(), str)


# ------------------------------------------------------------------------------------ property tests

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e300, -1e300, 2**64, -(2**63) - 1, 1.5, -0.0]),
    st.sampled_from(["", "5000000000", "1E+06", "1e+10", "0001-01-01T00:00:00Z", "null", "true", "-1", "x"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _mutate(doc: Any, data: st.DataObject) -> Any:
    doc = copy.deepcopy(doc)
    paths = [p for p in _paths(doc) if p]
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = data.draw(st.sampled_from(["delete", "replace"]))
            if action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = data.draw(ODD_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
        paths = [p for p in _paths(doc) if p]
    return doc


DOCS = {
    "v1_list": (json.loads(load("v1_list.json")), list[AllocStub]),
    "v1_alloc": (json.loads(load("v1_alloc.json")), Allocation),
    "v0_alloc": (json.loads(load("v0_alloc.json")), Allocation),
}


@pytest.mark.parametrize("name", sorted(DOCS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_crash_decoding(name: str, data: st.DataObject) -> None:
    original, kind = DOCS[name]
    mutated = _mutate(original, data)
    body = json.dumps(mutated, allow_nan=False).encode()
    try:
        value = decode(body, kind)
    except BadResponse:
        # Only acceptable when the top level itself lost its shape.
        assert not isinstance(mutated, type(original))
        return
    assert isinstance(value, list if kind is not Allocation else Allocation)
    # And the same document through the already-parsed path.
    if isinstance(mutated, type(original)):
        convert(mutated, kind)
