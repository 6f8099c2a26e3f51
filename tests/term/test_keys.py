"""The key and paste encoding table."""

from __future__ import annotations

import pytest

from nomad_tui.term.keys import PASTE_END, PASTE_START, encode_key, encode_paste


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("a", "a", b"a"),
        ("A", "A", b"A"),
        ("shift+a", "A", b"A"),
        ("exclamation_mark", "!", b"!"),
        ("space", " ", b" "),
        ("e_acute", "é", "é".encode()),
        ("enter", "\r", b"\r"),
        ("tab", "\t", b"\t"),
        ("shift+tab", None, b"\x1b[Z"),
        ("backspace", "\x7f", b"\x7f"),
        ("ctrl+backspace", None, b"\x08"),
        ("escape", "\x1b", b"\x1b"),
        ("ctrl+a", "\x01", b"\x01"),
        ("ctrl+c", "\x03", b"\x03"),
        ("ctrl+d", "\x04", b"\x04"),
        ("ctrl+z", "\x1a", b"\x1a"),
        ("ctrl+shift+c", None, b"\x03"),
        ("ctrl+at", None, b"\x00"),
        ("ctrl+@", None, b"\x00"),
        ("ctrl+space", None, b"\x00"),
        ("ctrl+backslash", None, b"\x1c"),
        ("ctrl+right_square_bracket", None, b"\x1d"),
        ("ctrl+circumflex_accent", None, b"\x1e"),
        ("ctrl+underscore", None, b"\x1f"),
        ("ctrl+question_mark", None, b"\x7f"),
        ("up", None, b"\x1b[A"),
        ("down", None, b"\x1b[B"),
        ("right", None, b"\x1b[C"),
        ("left", None, b"\x1b[D"),
        ("home", None, b"\x1b[H"),
        ("end", None, b"\x1b[F"),
        ("insert", None, b"\x1b[2~"),
        ("delete", None, b"\x1b[3~"),
        ("pageup", None, b"\x1b[5~"),
        ("pagedown", None, b"\x1b[6~"),
        ("f1", None, b"\x1bOP"),
        ("f2", None, b"\x1bOQ"),
        ("f3", None, b"\x1bOR"),
        ("f4", None, b"\x1bOS"),
        ("f5", None, b"\x1b[15~"),
        ("f6", None, b"\x1b[17~"),
        ("f7", None, b"\x1b[18~"),
        ("f8", None, b"\x1b[19~"),
        ("f9", None, b"\x1b[20~"),
        ("f10", None, b"\x1b[21~"),
        ("f11", None, b"\x1b[23~"),
        ("f12", None, b"\x1b[24~"),
        ("f13", None, b"\x1b[1;2P"),
        ("shift+up", None, b"\x1b[1;2A"),
        ("alt+up", None, b"\x1b[1;3A"),
        ("ctrl+left", None, b"\x1b[1;5D"),
        ("ctrl+shift+right", None, b"\x1b[1;6C"),
        ("ctrl+home", None, b"\x1b[1;5H"),
        ("shift+delete", None, b"\x1b[3;2~"),
        ("ctrl+pageup", None, b"\x1b[5;5~"),
        ("ctrl+f5", None, b"\x1b[15;5~"),
        ("shift+f1", None, b"\x1b[1;2P"),
        ("alt+x", "x", b"\x1bx"),
        ("alt+shift+x", "X", b"\x1bX"),
        ("meta+x", "x", b"\x1bx"),
        ("alt+ctrl+x", None, b"\x1b\x18"),
        ("alt+enter", None, b"\x1b\r"),
        ("alt+backspace", None, b"\x1b\x7f"),
        ("super+c", "c", b""),
        ("<ignore>", "\x1b[999~", b""),
    ],
)
def test_key_table(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


@pytest.mark.parametrize(
    ("key", "normal", "application"),
    [
        ("up", b"\x1b[A", b"\x1bOA"),
        ("down", b"\x1b[B", b"\x1bOB"),
        ("right", b"\x1b[C", b"\x1bOC"),
        ("left", b"\x1b[D", b"\x1bOD"),
        ("home", b"\x1b[H", b"\x1bOH"),
        ("end", b"\x1b[F", b"\x1bOF"),
        ("ctrl+up", b"\x1b[1;5A", b"\x1b[1;5A"),  # with modifiers the CSI form is used either way
        ("pageup", b"\x1b[5~", b"\x1b[5~"),
    ],
)
def test_application_cursor_mode(key: str, normal: bytes, application: bytes) -> None:
    assert encode_key(key, None, application_cursor=False) == normal
    assert encode_key(key, None, application_cursor=True) == application


def test_paste_plain() -> None:
    assert encode_paste("echo hi\nls\r\n", bracketed=False) == b"echo hi\rls\r"


def test_paste_bracketed() -> None:
    assert encode_paste("echo hi", bracketed=True) == PASTE_START + b"echo hi" + PASTE_END


@pytest.mark.parametrize(
    "text",
    [
        "safe\x1b[201~; rm -rf ~\n",
        "a\x1b[20\x1b[201~1~b",  # removing one marker must not assemble another
        "\x1b[200~nested\x1b[201~",
        "\x9b201~c1",
    ],
)
def test_paste_cannot_end_the_bracket_early(text: str) -> None:
    data = encode_paste(text, bracketed=True)
    assert data.startswith(PASTE_START) and data.endswith(PASTE_END)
    inner = data[len(PASTE_START) : -len(PASTE_END)]
    assert PASTE_END not in inner and PASTE_START not in inner
    assert b"\x1b" not in inner


def test_paste_strips_control_characters_but_keeps_tabs_and_lines() -> None:
    assert encode_paste("a\tb\x07c\x00d\x1b[Ae\nf", bracketed=False) == b"a\tbcd[Ae\rf"


def test_paste_keeps_unicode() -> None:
    assert encode_paste("日本 ✓", bracketed=False) == "日本 ✓".encode()
