"""Text selection for our Line-API widgets (terminal, logs): paint the selected span of a row.

Textual finds what the mouse is over through each segment's `offset` meta (`Strip.apply_offsets`)
and asks the widget for the text (`get_selection`); painting the span is the widget's job.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget


def paint_selection(widget: Widget, strip: Strip, row: int) -> Strip:
    """`strip` (row `row` of the widget's content) with its selected cells, if any, highlighted."""
    selection: Selection | None = widget.text_selection
    span = selection.get_span(row) if selection is not None else None
    if span is None:
        return strip
    start, end = span
    if end == -1:
        end = strip.cell_length
    selected = widget.screen.get_component_rich_style("screen--selection")
    before, middle, after = strip.divide([start, end, strip.cell_length])
    painted = [Segment(text, (style or Style()) + selected) for text, style, _ in middle]
    return Strip.join([before, Strip(painted, middle.cell_length), after])
