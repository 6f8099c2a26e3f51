"""The detail pane texts for both API generations, and hostile strings staying inert."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nomad_tui.api.decode import decode
from nomad_tui.api.models import Allocation, TaskEvent, TaskState
from nomad_tui.ui import detail_text

SEEDS = Path(__file__).parent.parent / "data" / "seeds"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def seed(name: str) -> Allocation:
    return decode((SEEDS / name).read_bytes(), Allocation)


def test_current_alloc_panes() -> None:
    alloc = seed("v1_alloc.json")
    summary = detail_text.summary_text(alloc, NOW).plain
    assert "a8198d79-cfdb-6593-a999-1e9adabcba2e" in summary
    assert "example (version 0, service)" in summary and "run" in summary
    [task] = detail_text.task_rows(alloc, NOW)
    assert [cell.plain for cell in task[:4]] == ["redis", "running", "no", "0"]
    assert task[5].plain == "-"  # FinishedAt is the Go zero time: no time
    events = detail_text.event_rows(alloc, NOW)
    assert [row[2].plain for row in events] == ["Started", "Driver", "Received"]  # newest first
    assert events[1][3].plain == "Downloading image redis:3.2"
    resources = detail_text.resources_text(alloc).plain
    assert "Legacy resources" in resources and "CPU 500 MHz" in resources and "db=127.0.0.1" not in resources
    assert "db=23116 (dynamic)" in resources
    reschedule = detail_text.reschedule_text(alloc, NOW).plain
    # The sample repeats "PreviousAllocation" and the later, empty one wins (as in any JSON decoder).
    assert "Previous        -" in reschedule and "from 516d2753" in reschedule and "delay 5s" in reschedule
    placement = detail_text.placement_text(alloc).plain
    assert "Evaluated           1" in placement and "binpack" in placement


def test_old_alloc_panes() -> None:
    alloc = seed("v0_alloc.json")
    summary = detail_text.summary_text(alloc, NOW).plain
    assert "203266e5-e0d6-9486-5e05-397ed2b184af" in summary and "Namespace   default" in summary
    resources = detail_text.resources_text(alloc).plain
    assert "IOPS 0" in resources and "MemoryMB" not in resources and "Memory 256 MiB" in resources
    assert detail_text.event_rows(alloc, NOW)[0][3].plain == "Task started by client"  # no DisplayMessage in 0.x
    assert "Placement took" in detail_text.placement_text(alloc).plain


def test_hostile_strings_are_inert_text() -> None:
    hostile = "[@click=app.quit]x[/] \x1b]52;c;aGk=\x07 \x9b31m \u202eevil"
    alloc = Allocation(
        id="a" * 36,
        name=hostile,
        job_id=hostile,
        task_states={hostile: TaskState(state="running", events=[TaskEvent(type="Driver", display_message=hostile)])},
    )
    texts = [
        detail_text.summary_text(alloc, NOW),
        *[cell for row in detail_text.task_rows(alloc, NOW) for cell in row],
        *[cell for row in detail_text.event_rows(alloc, NOW) for cell in row],
    ]
    for text in texts:
        assert "\x1b" not in text.plain and "\x9b" not in text.plain and "\u202e" not in text.plain
        assert not any(span.style and "click" in str(span.style) for span in text.spans)
    assert "[@click=app.quit]x[/]" in texts[0].plain  # shown literally


def test_pending_allocation_points_at_its_jobs_placement_story() -> None:
    from datetime import UTC, datetime

    from nomad_tui.api.models import Allocation
    from nomad_tui.ui.detail_text import summary_text

    now = datetime(2026, 1, 1, tzinfo=UTC)
    pending = summary_text(Allocation(id="a" * 36, client_status="pending", desired_status="run"), now).plain
    running = summary_text(Allocation(id="a" * 36, client_status="running", desired_status="run"), now).plain
    assert "J: its job, and why allocations wait to be placed" in pending
    assert "Placement" not in running
