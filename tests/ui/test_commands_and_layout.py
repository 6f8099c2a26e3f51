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


def test_layout_drops_columns_that_say_nothing_before_cutting_names() -> None:
    from nomad_tui.ui.widgets.alloc_table import ContentStats

    stats = ContentStats(
        (("group", 14), ("job", 14), ("namespace", 7), ("node", 9), ("tasks", 11)),
        frozenset({"desired", "restarts", "group"}),
        namespaces=1,
    )
    layout = dict((c.key, w) for c, w in layout_columns(80, stats, "age"))
    assert "desired" not in layout and "restarts" not in layout and "namespace" not in layout
    assert layout["node"] >= 9 and layout["job"] >= 14  # nothing cut
    assert sum(w + 1 for w in layout.values()) - 1 <= 80
    # At 180 columns a short job name does not take the spare width, and Namespace shows with several.
    wide = dict((c.key, w) for c, w in layout_columns(180, ContentStats(stats.widths, frozenset(), 4), "age"))
    assert wide["job"] == 14 and wide["namespace"] >= 9 and "desired" in wide


@pytest.mark.parametrize("column", ["restarts", "modified", "desired"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_sorted_column_stays_and_its_arrow_is_never_cut(column: str, width: int) -> None:
    from nomad_tui.ui.widgets.alloc_table import ContentStats

    stats = ContentStats((), frozenset({"desired", "restarts"}), 1)
    layout = dict((c.key, w) for c, w in layout_columns(width, stats, column))
    title = {"restarts": "Restarts", "modified": "Modified", "desired": "Desired"}[column]
    assert layout[column] >= len(title) + 1


def test_fit_counts_terminal_cells() -> None:
    from rich.cells import cell_len

    from nomad_tui.ui.widgets.alloc_table import fit

    for text in ("日本語のジョブ名がとても長い-payments", "emoji-🚀🚀🚀-job", "plain"):
        for width in (1, 5, 8, 12, 40):
            assert cell_len(fit(text, width)) == width
            assert cell_len(fit(text, width, right=True)) == width
