"""Raw keyboard input for the focused exec terminal (issue 17.1): the remote receives exactly the
bytes the user's terminal sent, but for the local keys; mouse, paste, focus and the terminal's
replies still reach the UI."""

from __future__ import annotations

import pytest

from nomad_tui.term.raw_input import HOLD_SECONDS, RawInputSplitter

DETACH = b"\x1d"
LOCAL = (DETACH, b"\x1b[5;2~", b"\x1b[6;2~")


def remote_bytes(*reads: str) -> bytes:
    splitter = RawInputSplitter(LOCAL)
    out = b""
    for text in reads:
        for to_remote, piece in splitter.split(text):
            assert to_remote, f"{piece!r} was taken for the UI"
            out += piece.encode()
    return out


@pytest.mark.parametrize(
    ("what", "sent"),
    [
        ("alt+b", "\x1bb"),
        ("alt+f", "\x1bf"),
        ("alt+.", "\x1b."),
        ("alt+:", "\x1b:"),
        ("alt+Enter", "\x1b\r"),
        ("alt+1", "\x1b1"),
        ("alt+0", "\x1b0"),
        ("alt+Backspace", "\x1b\x7f"),
        ("ctrl+h", "\x08"),
        ("Backspace", "\x7f"),
        ("Esc :wq in one read", "\x1b:wq\r"),
        ("Esc Esc", "\x1b\x1b"),
        ("lone Esc", "\x1b"),
        ("ctrl+left", "\x1b[1;5D"),
        ("F5 and Home", "\x1b[15~\x1bOH"),
        ("UTF-8", "é日本✓"),
    ],
)
def test_typed_bytes_reach_the_remote_unchanged(what: str, sent: str) -> None:
    assert remote_bytes(sent) == sent.encode(), what


def test_ctrl_h_and_backspace_stay_apart() -> None:
    assert remote_bytes("\x08") != remote_bytes("\x7f")


def test_local_keys_mouse_focus_and_replies_go_to_the_ui_in_order() -> None:
    splitter = RawInputSplitter(LOCAL)
    text = "ab\x1dcd\x1b[<0;12;5M\x1b[<0;12;5m\x1b[I\x1b[5;2~ef\x1b[?2026;2$y\x1b[48;24;80;480;960t\x1b[O"
    assert splitter.split(text) == [
        (True, "ab"),
        (False, "\x1d"),
        (True, "cd"),
        (False, "\x1b[<0;12;5M"),
        (False, "\x1b[<0;12;5m"),
        (False, "\x1b[I"),
        (False, "\x1b[5;2~"),
        (True, "ef"),
        (False, "\x1b[?2026;2$y"),
        (False, "\x1b[48;24;80;480;960t"),
        (False, "\x1b[O"),
    ]


def test_a_paste_goes_to_the_ui_whole_even_across_reads() -> None:
    splitter = RawInputSplitter(LOCAL)
    assert splitter.split("x\x1b[200~rm -rf \x1b:") == [(True, "x"), (False, "\x1b[200~rm -rf \x1b:")]
    assert splitter.pending
    assert splitter.split("wq\x1d\x1b[201~y") == [(False, "wq\x1d\x1b[201~"), (True, "y")]
    assert not splitter.pending


def test_a_sequence_cut_by_the_read_is_held_and_a_lone_escape_is_not() -> None:
    splitter = RawInputSplitter(LOCAL)
    assert splitter.split("x\x1b[<0;1") == [(True, "x")]
    assert splitter.pending
    assert splitter.split("0;5M") == [(False, "\x1b[<0;10;5M")]
    assert splitter.split("q\x1b") == [(True, "q\x1b")]
    # A held prefix that never completes was typing after all: given up after a moment.
    assert splitter.split("\x1b[") == []
    assert splitter.take_stale(now=0.0) == ""
    import time

    assert splitter.take_stale(now=time.monotonic() + HOLD_SECONDS) == "\x1b["
    assert not splitter.pending


def test_kitty_keys_that_arrive_before_the_terminal_left_the_protocol_go_to_the_ui() -> None:
    splitter = RawInputSplitter(LOCAL)
    assert splitter.split("\x1b[98;3u") == [(False, "\x1b[98;3u")]
