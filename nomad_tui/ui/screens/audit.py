"""`:audit`: the audit log's newest records, newest first, as a table (read from the file's tail)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from nomad_tui.audit import AuditLog, read_tail
from nomad_tui.sanitize import sanitize_line
from nomad_tui.ui.keymap import bindings

# (record field, column title) — what a row shows, in order.
AUDIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", "Time"),
    ("context", "Context"),
    ("action", "Action"),
    ("namespace", "Namespace"),
    ("allocation", "Allocation"),
    ("job", "Job"),
    ("task", "Task"),
    ("signal", "Signal"),
    ("outcome", "Result"),
)


def audit_cells(record: dict[str, Any]) -> list[Text]:
    """One row: every value sanitised (names came from the cluster), errors in the Result column."""
    cells: list[Text] = []
    for field, _ in AUDIT_COLUMNS:
        if field == "outcome":
            error = record.get("error")
            value = f"error: {error}" if error else record.get("result", "")
            cells.append(Text(sanitize_line(str(value)), style="bold red" if error else ""))
            continue
        value = str(record.get(field, ""))
        if field == "allocation":
            value = value[:8]
        elif field == "time":
            value = value.replace("T", " ")[:19]
        cells.append(Text(sanitize_line(value)))
    return cells


class AuditScreen(ModalScreen[None]):
    BINDINGS = bindings("audit")  # ui/keymap.py
    DEFAULT_CSS = """
    AuditScreen { align: center middle; }
    AuditScreen > Vertical { width: 95%; height: 90%; border: thick $primary; background: $surface; }
    AuditScreen #audit-title { text-style: bold; padding: 0 1; }
    AuditScreen DataTable { height: 1fr; }
    """

    def __init__(self, log: AuditLog) -> None:
        super().__init__()
        self.log_file = log

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(""), id="audit-title")
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.log_file.flush(timeout=1.0)
        records = list(reversed(read_tail(self.log_file.path)))
        title = Text(f"Audit log · {len(records)} records (newest first) · {self.log_file.path}")
        if self.log_file.failure:
            title.append(f" · {self.log_file.failure}", style="bold red")
        self.query_one("#audit-title", Static).update(title)
        table = self.query_one(DataTable)
        table.add_columns(*(title for _, title in AUDIT_COLUMNS))
        for record in records:
            table.add_row(*audit_cells(record))
        table.focus()

    def action_dismiss_audit(self) -> None:
        self.dismiss(None)
