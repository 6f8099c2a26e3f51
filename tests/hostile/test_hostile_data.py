"""Odd data from a hostile server: timestamps at the edge of the calendar, duplicate IDs in a list."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import msgspec
import pytest
from scripted_server import alloc, stub

from nomad_tui.api.models import Allocation, AllocStub, parse_time
from nomad_tui.state.store import AllocStore
from nomad_tui.timefmt import clock_time
from nomad_tui.ui.detail_text import event_rows, reschedule_text, summary_text, task_rows

pytestmark = pytest.mark.hostile

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
EDGE_TIMES = [
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59.999999999Z",
    "0001-01-01T00:00:01Z",
    "0001-01-01T04:00:00+05:00",
]


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Tokyo"])
def local_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize("stamp", EDGE_TIMES)
def test_edge_of_calendar_times_are_formatted_not_raised(stamp: str, local_zone: str) -> None:
    doc = alloc(
        "a1b2c3d4-0000-4000-8000-000000000000",
        TaskStates={
            "web": {
                "State": "dead",
                "StartedAt": stamp,
                "FinishedAt": stamp,
                "Events": [{"Type": "X", "Time": 2**63 - 1}],
            }
        },
    )
    allocation = msgspec.convert(doc, Allocation)  # the models' own decoding, as the client does
    moment = parse_time(stamp)
    assert clock_time(moment, now=NOW)
    [row] = task_rows(allocation, NOW)
    assert stamp[:4] in row[4].plain or row[4].plain == "-"
    summary_text(allocation, NOW)
    event_rows(allocation, NOW)
    reschedule_text(allocation, NOW)


def test_duplicate_ids_do_not_block_removals() -> None:
    a, b, c = (f"{n}0000000-0000-4000-8000-000000000000" for n in "abc")
    store = AllocStore()
    store.apply_list([AllocStub(**_snake(stub(x, 5))) for x in (a, b, c)], index=100)
    diff = store.apply_list([AllocStub(**_snake(stub(x, 5))) for x in (a, b, b)], index=101)
    assert sorted(store.stubs) == [a, b]
    assert diff.removed == [c]


def _snake(doc: dict[str, object]) -> dict[str, object]:
    return msgspec.structs.asdict(msgspec.convert(doc, AllocStub))
