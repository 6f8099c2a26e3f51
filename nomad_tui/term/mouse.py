"""Mouse reports for a remote program that asked for them (xterm's mouse tracking).

`MouseTracker.report()` turns one pointer event into the bytes xterm would send, or b"" when the
remote's mode does not want that event:

- mode 9 (X10): presses only; 1000: presses and releases (and the wheel); 1002: also motion with a
  button held; 1003: all motion;
- encoding: SGR (`?1006`, `CSI < b ; x ; y M|m`, any size) or the default X10 form
  (`CSI M Cb Cx Cy`, each byte 32 + value, columns and rows past 223 cannot be reported).

Wheel without tracking, in the alternate screen: `wheel_as_arrows()` (xterm's alternate scroll).
No Textual here: events come in as plain values.
"""

from __future__ import annotations

from enum import Enum

from nomad_tui.term.emulator import TerminalModes

LEFT, MIDDLE, RIGHT = 0, 1, 2
WHEEL_UP, WHEEL_DOWN = 64, 65
_MOTION = 32
_X10_RELEASE = 3
_X10_LIMIT = 223
WHEEL_LINES = 3


class MouseAction(Enum):
    PRESS = "press"
    RELEASE = "release"
    MOVE = "move"
    WHEEL = "wheel"


class MouseTracker:
    def __init__(self) -> None:
        self.held: int | None = None  # the button pressed last and not released yet

    def report(
        self,
        modes: TerminalModes,
        action: MouseAction,
        button: int,
        x: int,
        y: int,
        *,
        shift: bool = False,
        meta: bool = False,
        ctrl: bool = False,
    ) -> bytes:
        """Bytes for the remote (x, y from 0), or b"" if its mode does not report this event."""
        tracking = modes.mouse_tracking
        if not tracking or x < 0 or y < 0:
            return b""
        if action is MouseAction.PRESS:
            self.held = button
        elif action is MouseAction.RELEASE:
            if tracking == 9:
                self.held = None
                return b""
        elif action is MouseAction.MOVE:
            if tracking == 1003:
                button = self.held if self.held is not None else 3  # 3: motion with no button
            elif tracking == 1002 and self.held is not None:
                button = self.held
            else:
                return b""
            button |= _MOTION
        elif tracking == 9:
            return b""  # X10 mode reports no wheel
        code = button
        if tracking != 9:
            code |= (4 if shift else 0) | (8 if meta else 0) | (16 if ctrl else 0)
        released = action is MouseAction.RELEASE
        if released:
            self.held = None
        if modes.mouse_sgr:
            return f"\x1b[<{code};{x + 1};{y + 1}{'m' if released else 'M'}".encode()
        if x + 1 > _X10_LIMIT or y + 1 > _X10_LIMIT:
            return b""
        if released:
            code = (code & ~0b11) | _X10_RELEASE  # the X10 form cannot say which button went up
        return b"\x1b[M" + bytes((32 + code, 32 + x + 1, 32 + y + 1))


def wheel_as_arrows(modes: TerminalModes, up: bool, lines: int = WHEEL_LINES) -> bytes:
    """xterm's alternate scroll: in the alternate screen without mouse tracking the wheel sends
    cursor keys, so less, man and vim scroll."""
    if modes.mouse_tracking or not modes.alternate_screen:
        return b""
    prefix = b"\x1bO" if modes.application_cursor else b"\x1b["
    return (prefix + (b"A" if up else b"B")) * lines
