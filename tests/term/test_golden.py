"""Golden screens: real program output, recorded through tmux (tests/data/vt/capture.py), must
leave our emulator showing what tmux showed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nomad_tui.term.backends import EmulatorFactory, available

CORPUS = Path(__file__).resolve().parent.parent / "data" / "vt"
NAMES = sorted(path.stem for path in CORPUS.glob("*.bin"))


@pytest.fixture(params=sorted(available()))
def make(request: pytest.FixtureRequest) -> EmulatorFactory:
    """Every backend that loads here goes through the same golden screens."""
    return available()[request.param]


def load(name: str) -> tuple[dict[str, Any], bytes]:
    return json.loads((CORPUS / f"{name}.json").read_text()), (CORPUS / f"{name}.bin").read_bytes()


def test_corpus_is_present_and_small() -> None:
    assert {"ls", "vim", "less", "top", "htop"} <= set(NAMES)
    for name in NAMES:
        assert (CORPUS / f"{name}.bin").stat().st_size < 64 * 1024


@pytest.mark.parametrize("chunk", [None, 1, 7, 4096], ids=["whole", "bytewise", "7-byte", "4KiB"])
@pytest.mark.parametrize("name", NAMES)
def test_golden_screens(make: EmulatorFactory, name: str, chunk: int | None) -> None:
    manifest, raw = load(name)
    emulator = make(manifest["cols"], manifest["rows"])
    position = 0
    for point in manifest["checkpoints"]:
        data = raw[position : point["offset"]]
        position = point["offset"]
        if chunk is None:
            emulator.feed(data)
        else:
            for start in range(0, len(data), chunk):
                emulator.feed(data[start : start + chunk])
        where = f"{name}, after {point['after']!r}"
        assert emulator.display() == point["screen"], where
        cursor = emulator.cursor
        assert [cursor.x, cursor.y] == point["cursor"], where
        assert emulator.modes.alternate_screen == point["alternate"], where
        if "history" in point:
            history = [emulator.scrollback_text(i).rstrip() for i in range(emulator.scrollback_len)]
            assert history == point["history"], where
    assert getattr(emulator, "parser_errors", 0) == 0
    assert getattr(emulator, "internal_errors", 0) == 0


@pytest.mark.parametrize("name", ["vim", "less", "htop"])
def test_leaving_the_alternate_screen_restores_the_main_screen(make: EmulatorFactory, name: str) -> None:
    manifest, raw = load(name)
    first, last = manifest["checkpoints"][0], manifest["checkpoints"][-1]
    assert first["alternate"] and not last["alternate"]
    emulator = make(manifest["cols"], manifest["rows"])
    emulator.feed(raw[: first["offset"]])
    assert emulator.modes.alternate_screen
    assert f"$ {name}" not in emulator.display()
    emulator.feed(raw[first["offset"] : last["offset"]])
    assert not emulator.modes.alternate_screen
    assert emulator.display()[0] == f"$ {name}"
    assert not any(emulator.display()[1:])  # nothing of the full-screen program is left behind


def test_colours_from_a_real_capture_land_in_cells(make: EmulatorFactory) -> None:
    manifest, raw = load("vim")
    emulator = make(manifest["cols"], manifest["rows"])
    emulator.feed(raw[: manifest["checkpoints"][0]["offset"]])
    screen = emulator.display()
    row = next(y for y, text in enumerate(screen) if text.startswith("class Allocation"))
    assert emulator.cell(0, row).style.fg == "#af5f00"  # syntax colour 130, sent as 38;5;130
    assert emulator.cell(6, row).style.fg == "cyan"  # 36
    docstring = emulator.cell(0, 0)
    assert docstring.text == '"' and docstring.style.fg == "red"


def test_ls_colours(make: EmulatorFactory) -> None:
    manifest, raw = load("ls")
    emulator = make(manifest["cols"], manifest["rows"])
    emulator.feed(raw)
    screen = emulator.display()
    row = next(y for y, text in enumerate(screen) if text.endswith("subdir"))
    style = emulator.cell(len(screen[row]) - 1, row).style
    assert style.fg == "blue" and style.bold  # directories: 01;34


def test_vim_queries_are_answered_but_not_drawn(make: EmulatorFactory) -> None:
    manifest, raw = load("vim")
    emulator = make(manifest["cols"], manifest["rows"])
    emulator.feed(raw[: manifest["checkpoints"][0]["offset"]])
    replies = emulator.replies()
    assert b"R" in replies  # the cursor position report vim asks for (t_u7)
    assert b"\x1b[>" in replies  # secondary DA (t_RV)
    # vim also sends DCS, OSC 10/11 colour queries, DECRQM and modifyOtherKeys: none may print.
    text = "\n".join(emulator.display())
    for leak in ("zz", "10;?", "11;?", "$p", "4;2m", "%m"):
        assert leak not in text
