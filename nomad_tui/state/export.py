"""The allocation list as CSV: the rows of the current view (its filter and sort), every column, full
IDs and absolute times, so a spreadsheet or `csvkit` gets what the table shows and more.

Cells are the sanitised row values.  A cell that a spreadsheet would run as a formula (starting with
= + - @, or a tab or carriage return) gets a leading apostrophe: a job named `=HYPERLINK(…)` is data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.rows import AllocRow
from nomad_tui.state.store import AllocStore
from nomad_tui.state.view import AllocView

HEADER = (
    "ID",
    "Name",
    "Namespace",
    "Job",
    "Group",
    "Node",
    "Desired",
    "Status",
    "Tasks",
    "Restarts",
    "Created",
    "Modified",
    "CreateIndex",
    "ModifyIndex",
    "JobVersion",
    "NextAllocation",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _time(unix_ns: int) -> str:
    if unix_ns <= 0:
        return ""
    return datetime.fromtimestamp(unix_ns / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def row_cells(row: AllocRow) -> list[str]:
    values: tuple[object, ...] = (
        sanitize_line(row.id),
        row.name,
        row.namespace,
        row.job,
        row.group,
        row.node,
        row.desired,
        row.status,
        row.tasks,
        row.restarts,
        _time(row.create_time),
        _time(row.modify_time),
        row.create_index,
        row.modify_index,
        row.job_version,
        row.next_allocation,
    )
    return [cell(v) for v in values]


def view_rows(store: AllocStore, view: AllocView) -> Iterable[AllocRow]:
    """The view's rows in the order the table shows them."""
    return (store.row(alloc_id) for alloc_id in view.ids())


def to_csv(rows: Iterable[AllocRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row_cells(row))
    return out.getvalue()
