from __future__ import annotations

import pytest

from nomad_tui.ui import commands
from nomad_tui.ui.widgets.alloc_table import layout_columns


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":ns prod", commands.Command("namespace", ("prod",))),
        ("ns *", commands.Command("namespace", ("*",))),
        ("sort status desc", commands.Command("sort", ("status", "desc"))),
        ("a 1234abcd", commands.Command("alloc", ("1234abcd",))),
        ("filter status:failed job:web", commands.Command("filter", ("status:failed job:web",))),
        ("q", commands.Command("quit")),
    ],
)
def test_commands_parse(line: str, expected: commands.Command) -> None:
    assert commands.parse(line) == expected


@pytest.mark.parametrize("line", ["", "fly", "sort nope", "alloc", "ns a b", "sort job sideways"])
def test_bad_commands_are_errors(line: str) -> None:
    with pytest.raises(commands.CommandError):
        commands.parse(line)


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
def test_columns_fit_the_width(width: int) -> None:
    layout = layout_columns(width)
    used = sum(w + 1 for _, w in layout) - 1
    keys = [c.key for c, _ in layout]
    assert {"id", "status", "job"} <= set(keys)
    if width >= 60:
        assert used <= width
    if width >= 120:
        assert (len(keys) == 11 and used == width - 1) or used <= width
