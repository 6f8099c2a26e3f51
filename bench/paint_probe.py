"""A probe on AllocTable.render_line for the benchmarks (bench/dashboard.py, bench/scale.py): when the
first data row is painted, and when a wanted row is first painted (`wanted(row, painted text)`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nomad_tui.state.rows import AllocRow


class PaintProbe:
    def __init__(self) -> None:
        from nomad_tui.ui.widgets.alloc_table import AllocTable  # the scale bench's parent has no Textual

        self.first_row: float | None = None
        self.wanted: Callable[[AllocRow, str], bool] | None = None
        self.seen_at: float | None = None
        self.seen = threading.Event()  # set with seen_at (a harness thread may wait on it)
        original = AllocTable.render_line
        probe = self

        def render_line(table: AllocTable, y: int):  # type: ignore[no-untyped-def]
            strip = original(table, y)
            if y > 0 and len(table.view):
                now = time.perf_counter()
                if probe.first_row is None:
                    probe.first_row = now
                wanted = probe.wanted
                if wanted is not None and probe.seen_at is None:
                    position = int(table.scroll_y) + y - 1
                    if position < len(table.view) and wanted(table.view.row_at(position), strip.text):
                        probe.seen_at = now
                        probe.seen.set()
            return strip

        AllocTable.render_line = render_line  # type: ignore[method-assign]
