"""The detail panes' tabs, each declared once: its title, what it shows, and how that is filled from an
allocation.  The panel (ui/widgets/detail.py) composes, fills and clears the tabs from `DETAIL_TABS`;
the keys `1`…`6` and their `?` line (ui/keymap.py) follow its order.

A tab is `tab-<key>` and its content `detail-<key>` (a Static for a text tab, a DataTable for a table
tab); a text tab's `live` part (`detail-<live>`, above its text) is filled from elsewhere (the
resource usage sampler).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from nomad_tui.api.models import Allocation
from nomad_tui.ui import detail_text


@dataclass(frozen=True, slots=True)
class TextTab:
    key: str
    title: str
    text: Callable[[Allocation, datetime], Text]
    live: str | None = None


@dataclass(frozen=True, slots=True)
class TableTab:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[Allocation, datetime], list[tuple[Text, ...]]]


DetailTab = TextTab | TableTab

DETAIL_TABS: tuple[DetailTab, ...] = (
    TextTab("summary", "Summary", detail_text.summary_text),
    TableTab(
        "tasks",
        "Tasks",
        ("Task", "State", "Failed", "Restarts", "Started", "Finished", "Last event"),
        detail_text.task_rows,
    ),
    TableTab("events", "Events", ("Time", "Task", "Type", "Message"), detail_text.event_rows),
    TextTab("resources", "Resources", lambda alloc, _: detail_text.resources_text(alloc), live="usage"),
    TextTab("reschedule", "Reschedule", detail_text.reschedule_text),
    TextTab("placement", "Placement", lambda alloc, _: detail_text.placement_text(alloc)),
)

TAB_TITLES = ", ".join(tab.title for tab in DETAIL_TABS)
