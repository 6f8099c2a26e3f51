"""DEC/xterm conformance cases the exec terminal review found broken (issue 17.5), one test each,
with what VT100/xterm (and libghostty-vt) do.  Each runs on every backend in `EMULATORS`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nomad_tui.term.backends import available
from nomad_tui.term.emulator import Emulator

EMULATORS = available()


@pytest.fixture(params=sorted(EMULATORS))
def make(request: pytest.FixtureRequest) -> Callable[[int, int], Emulator]:
    return EMULATORS[request.param]


def fed(make: Callable[[int, int], Emulator], data: bytes, cols: int = 10, rows: int = 4) -> Emulator:
    emulator = make(cols, rows)
    emulator.feed(data)
    return emulator


def test_c0_controls_inside_a_csi_are_executed_and_the_sequence_goes_on(make: Callable[[int, int], Emulator]) -> None:
    # vttest 1.5: `ESC [ 2 BS C` is BS then CUF 2.  The review's repro: `\e[5;3H\e[2\bCX`.
    emulator = fed(make, b"\x1b[2;3H\x1b[2\x08CX")
    assert emulator.display()[1] == "   X"
    # A CR and a VT in the middle of a CUP: executed, then the CUP completes.
    emulator = fed(make, b"abc\x1b[3\r;2HY")
    assert emulator.display()[2] == " Y"


def test_insert_character_leaves_no_ghost_cell_for_delete_to_bring_back(
    make: Callable[[int, int], Emulator],
) -> None:
    emulator = fed(make, b"ABCDEFGHIJ\x1b[1;1H\x1b[@\x1b[P")
    assert emulator.display()[0] == "ABCDEFGHI"


def test_reverse_screen_is_applied_when_drawing_and_keeps_sgr_7(make: Callable[[int, int], Emulator]) -> None:
    # `tput flash`: ?5h then ?5l must not strip reverse video from text already on screen.
    emulator = fed(make, b"\x1b[7mR\x1b[mN\x1b[?5h")
    assert not emulator.cell(0, 0).style.reverse and emulator.cell(1, 0).style.reverse
    emulator.feed(b"\x1b[?5l")
    assert emulator.cell(0, 0).style.reverse and not emulator.cell(1, 0).style.reverse


@pytest.mark.parametrize(
    ("data", "x", "y"),
    [
        (b"\x1b[44m\x1b[4;1H\n", 0, 3),  # a line scrolled in by LF
        (b"\x1b[44m\x1b[1;1H\x1bM", 5, 0),  # by RI
        (b"\x1b[44m\x1b[1;1H\x1b[L", 5, 0),  # inserted by IL
        (b"\x1b[44m\x1b[2;1H\x1b[M", 5, 3),  # brought in at the bottom by DL
        (b"\x1b[44m\x1b[S", 5, 3),  # SU
        (b"\x1b[44m\x1b[T", 5, 0),  # SD
        (b"ABCDEFGHIJ\x1b[44m\x1b[1;1H\x1b[2P", 9, 0),  # cells freed by DCH
        (b"ABCDEFGHIJ\x1b[44m\x1b[1;1H\x1b[2@", 1, 0),  # cells inserted by ICH
    ],
)
def test_background_colour_erase_for_scrolled_inserted_and_deleted_cells(
    make: Callable[[int, int], Emulator], data: bytes, x: int, y: int
) -> None:
    assert fed(make, data).cell(x, y).style.bg == "blue"


def test_private_use_glyphs_are_kept(make: Callable[[int, int], Emulator]) -> None:
    emulator = fed(make, "\ue0b0 \uf115".encode())
    assert emulator.display()[0] == "\ue0b0 \uf115"


def test_tab_at_the_pending_wrap_keeps_the_wrap(make: Callable[[int, int], Emulator]) -> None:
    emulator = fed(make, b"0123456789\tX")
    assert emulator.display()[:2] == ["0123456789", "X"]


def test_decstr_resets_modes_attributes_and_margins(make: Callable[[int, int], Emulator]) -> None:
    emulator = fed(make, b"\x1b[4h\x1b[?1h\x1b[?25l\x1b[1;31m\x1b[2;3r\x1b[!p")
    emulator.feed(b"\x1b[1;1HAB\x1b[1;1HX")  # insert mode off again: X replaces A
    assert emulator.display()[0] == "XB"
    assert not emulator.cell(0, 0).style.bold and emulator.cell(0, 0).style.fg is None
    assert not emulator.modes.application_cursor and emulator.cursor.visible
    emulator.feed(b"\x1b[4;1H\n")  # margins gone: LF at the bottom scrolls the whole screen
    assert emulator.display()[0] == ""  # scrolled: the region 2-3 is gone


def test_decrqm_is_answered(make: Callable[[int, int], Emulator]) -> None:
    emulator = fed(make, b"\x1b[?2004h\x1b[?2004$p\x1b[?1$p\x1b[?1234$p\x1b[4$p")
    assert emulator.replies() == b"\x1b[?2004;1$y\x1b[?1;2$y\x1b[?1234;0$y\x1b[4;2$y"


def test_uk_charset_and_dec_graphics_as_xterm_draws_them(make: Callable[[int, int], Emulator]) -> None:
    assert fed(make, b"\x1b(A#\x1b(B#").display()[0] == "\u00a3#"
    assert fed(make, b"\x1b(0hq+,-./0\x1b(B").display()[0] == "\u2424\u2500+,-./0"


def test_dim_is_carried(make: Callable[[int, int], Emulator]) -> None:
    emulator = fed(make, b"\x1b[2mD\x1b[1mB\x1b[22mN")
    assert emulator.cell(0, 0).style.dim and not emulator.cell(0, 0).style.bold
    assert emulator.cell(1, 0).style.dim and emulator.cell(1, 0).style.bold
    assert not emulator.cell(2, 0).style.dim and not emulator.cell(2, 0).style.bold


def test_a_skin_tone_modifier_advances_two_columns_as_glibc_counts(make: Callable[[int, int], Emulator]) -> None:
    emulator = fed(make, "\U0001f44d\U0001f3fdX".encode())
    assert emulator.cursor.x == 5
    assert emulator.display()[0].endswith("X") and emulator.display()[0].index("X") == 3  # 2 + 2 cells
