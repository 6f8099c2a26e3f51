"""The allocation list's columns, each declared once: title, width rules, what a cell shows (and in
which style), and how the list sorts by it.

To add a column, add one `Column` to `ALLOC_COLUMNS`: the table (ui/widgets/alloc_table.py) lays it
out and draws it, the view (state/view.py) sorts by it when it has a `sort` key, and `:sort`, the
palette and `<` / `>` offer it.  Textual-free: styles are named here (`alloc-table--<style>` component
classes), the widget turns the names into colours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from nomad_tui.api.models import AllocStub
from nomad_tui.state.rows import AllocRow, node_label, tasks_summary
from nomad_tui.state.usage import AllocUsage, cpu_cell, memory_cell

STATUS_RANK = {"failed": 0, "lost": 1, "unknown": 2, "pending": 3, "running": 4, "complete": 5}
STATUS_STYLES = ("running", "pending", "failed", "complete", "lost", "unknown")
# Usage levels (state/usage.py) as cell styles; any other non-empty level is dim.
USAGE_STYLES = {"high": "status-failed", "warn": "status-pending"}

SortKey = Callable[[AllocStub], tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a cell may show besides the row itself."""

    marked: bool = False
    age: str = ""
    modified: str = ""
    usage: AllocUsage | None = None  # latest usage of a running allocation on screen


Cell = tuple[str, str | None]  # (text, style name or None)


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # also the sort column name (`:sort <key>`)
    title: str
    width: int  # minimum (and, for fixed columns, exact) width
    priority: int  # lower survives narrower terminals
    cell: Callable[[AllocRow, RowContext], Cell]
    flex: int = 0  # share of spare width
    right: bool = False  # right-aligned
    sort: SortKey | None = None  # over the raw stub; must end with the ID (keys are unique)
    newest_first: bool = False  # sorting by it starts descending (times: the newest on top)
    measured: bool = False  # sized from its content (the widest text in view)
    idle_when_uniform: bool = False  # says nothing when every row in view shows the same text
    dim_terminal: bool = True  # dimmed on rows of finished allocations


def _plain(field: str) -> Callable[[AllocRow, RowContext], Cell]:
    get = attrgetter(field)
    return lambda row, _: (get(row), None)


def _desired(row: AllocRow, _: RowContext) -> Cell:
    return row.desired + ("*" if row.stopping else ""), "dim" if row.desired != "run" else None


def _status(row: AllocRow, _: RowContext) -> Cell:
    return row.status, f"status-{row.status if row.status in STATUS_STYLES else 'unknown'}"


def _usage(measure: Callable[[AllocUsage], tuple[str, str]]) -> Callable[[AllocRow, RowContext], Cell]:
    def cell(row: AllocRow, context: RowContext) -> Cell:
        if context.usage is None or row.status != "running":
            return "", None
        text, level = measure(context.usage)
        return text, USAGE_STYLES.get(level, "dim" if level else None)

    return cell


def _restarts(stub: AllocStub) -> int:
    return -1 if not stub.task_states else sum(s.restarts for s in stub.task_states.values())


# attrgetter sort keys run in C, which keeps the first sort of 100k allocations in tens of milliseconds.
ALLOC_COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 1, 0, lambda row, c: ("●" if c.marked else " ", "mark"), dim_terminal=False),
    Column("id", "ID", 8, 0, _plain("short_id"), sort=attrgetter("id", "id")),
    Column("namespace", "Namespace", 6, 5, _plain("namespace"), flex=1, measured=True),
    Column("job", "Job", 8, 1, _plain("job"), flex=4, measured=True,
           sort=attrgetter("job_id", "task_group", "name", "id")),
    Column("group", "Group", 6, 6, _plain("group"), flex=2, measured=True,
           sort=attrgetter("task_group", "job_id", "name", "id")),
    Column("node", "Node", 6, 4, _plain("node"), flex=2, measured=True,
           sort=lambda s: (node_label(s), s.job_id, s.id)),
    Column("desired", "Desired", 7, 7, _desired, idle_when_uniform=True,
           sort=attrgetter("desired_status", "job_id", "id")),
    Column("status", "Status", 8, 0, _status, dim_terminal=False,
           sort=lambda s: (STATUS_RANK.get(s.client_status, 9), s.job_id, s.id)),
    Column("tasks", "Tasks", 11, 3, lambda row, _: (row.tasks or "-", None if row.tasks else "dim"), measured=True,
           sort=lambda s: (tasks_summary(s)[0], s.job_id, s.id)),
    Column("restarts", "Restarts", 8, 8, lambda row, _: ("-" if row.restarts is None else str(row.restarts), None),
           right=True, idle_when_uniform=True, sort=lambda s: (_restarts(s), s.job_id, s.id)),
    Column("age", "Age", 4, 2, lambda _, c: (c.age, None), sort=attrgetter("create_index", "create_time", "id"),
           newest_first=True),
    Column("modified", "Modified", 8, 9, lambda _, c: (c.modified, None),
           sort=attrgetter("modify_index", "modify_time", "id"), newest_first=True),
    # Resource usage of running allocations on screen (state/usage.py); the first to go when narrow.
    Column("cpu", "CPU", 5, 9, _usage(cpu_cell), right=True),
    Column("mem", "Memory", 17, 10, _usage(memory_cell)),
)  # fmt: skip

# Column name -> key over the raw stub (no display row needed to sort).
SORT_KEYS: dict[str, SortKey] = {c.key: c.sort for c in ALLOC_COLUMNS if c.sort is not None}
# The columns a new sort by starts descending.
NEWEST_FIRST: frozenset[str] = frozenset(c.key for c in ALLOC_COLUMNS if c.newest_first)
