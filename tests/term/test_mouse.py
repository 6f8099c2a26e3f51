"""Mouse reports for a remote that tracks the mouse, and the wheel in the alternate screen (17.2)."""

from __future__ import annotations

import pytest

from nomad_tui.term.emulator import TerminalModes
from nomad_tui.term.mouse import LEFT, RIGHT, WHEEL_DOWN, WHEEL_UP, MouseAction, MouseTracker, wheel_as_arrows

PRESS, RELEASE, MOVE, WHEEL = MouseAction.PRESS, MouseAction.RELEASE, MouseAction.MOVE, MouseAction.WHEEL


def sgr(tracking: int) -> TerminalModes:
    return TerminalModes(mouse_tracking=tracking, mouse_sgr=True)


def test_nothing_without_tracking() -> None:
    assert MouseTracker().report(TerminalModes(), PRESS, LEFT, 1, 1) == b""


def test_sgr_press_drag_release_and_wheel_with_1002() -> None:
    tracker = MouseTracker()
    modes = sgr(1002)
    assert tracker.report(modes, MOVE, 0, 3, 3) == b""  # no button held: 1002 reports no motion
    assert tracker.report(modes, PRESS, LEFT, 4, 2) == b"\x1b[<0;5;3M"
    assert tracker.report(modes, MOVE, 0, 5, 2) == b"\x1b[<32;6;3M"
    assert tracker.report(modes, RELEASE, LEFT, 5, 2) == b"\x1b[<0;6;3m"
    assert tracker.report(modes, WHEEL, WHEEL_UP, 0, 0) == b"\x1b[<64;1;1M"
    assert tracker.report(modes, WHEEL, WHEEL_DOWN, 0, 0, ctrl=True) == b"\x1b[<81;1;1M"
    assert tracker.report(modes, PRESS, RIGHT, 299, 99, meta=True) == b"\x1b[<10;300;100M"  # SGR: any size


def test_1000_reports_no_motion_and_1003_reports_all() -> None:
    tracker = MouseTracker()
    assert tracker.report(sgr(1000), PRESS, LEFT, 0, 0)
    assert tracker.report(sgr(1000), MOVE, 0, 1, 0) == b""
    tracker = MouseTracker()
    assert tracker.report(sgr(1003), MOVE, 0, 1, 0) == b"\x1b[<35;2;1M"  # motion, no button


def test_x10_encoding_and_its_limits() -> None:
    tracker = MouseTracker()
    modes = TerminalModes(mouse_tracking=1000)
    assert tracker.report(modes, PRESS, LEFT, 0, 0) == b"\x1b[M !!"
    assert tracker.report(modes, RELEASE, LEFT, 9, 4) == b"\x1b[M#*%"  # release: button 3
    assert tracker.report(modes, WHEEL, WHEEL_UP, 2, 1) == b'\x1b[M`#"'
    assert tracker.report(modes, PRESS, LEFT, 230, 0) == b""  # past column 223: not reportable
    x10 = TerminalModes(mouse_tracking=9)
    assert tracker.report(x10, PRESS, RIGHT, 1, 1, shift=True) == b'\x1b[M"""'  # no modifiers in X10
    assert tracker.report(x10, RELEASE, RIGHT, 1, 1) == b""
    assert tracker.report(x10, WHEEL, WHEEL_UP, 1, 1) == b""


@pytest.mark.parametrize(
    ("modes", "up", "sent"),
    [
        (TerminalModes(alternate_screen=True), True, b"\x1b[A" * 3),
        (TerminalModes(alternate_screen=True, application_cursor=True), False, b"\x1bOB" * 3),
        (TerminalModes(), True, b""),  # main screen: the wheel scrolls our scrollback instead
        (TerminalModes(alternate_screen=True, mouse_tracking=1000), True, b""),  # reported instead
    ],
)
def test_alternate_scroll(modes: TerminalModes, up: bool, sent: bytes) -> None:
    assert wheel_as_arrows(modes, up) == sent
