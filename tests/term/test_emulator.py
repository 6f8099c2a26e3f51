"""Behaviour of the pyte-based emulator behind the `Emulator` interface."""

from __future__ import annotations

import pyte
import pytest
from rich.cells import cell_len

from nomad_tui.term.emulator import CellStyle, Emulator, drawable
from nomad_tui.term.pyte_backend import PyteEmulator
from nomad_tui.term.replies import ReplyQueue


def make(cols: int = 40, rows: int = 6, **kwargs: object) -> PyteEmulator:
    return PyteEmulator(cols, rows, **kwargs)  # type: ignore[arg-type]


def fed(data: bytes, cols: int = 40, rows: int = 6) -> PyteEmulator:
    emulator = make(cols, rows)
    emulator.feed(data)
    return emulator


def test_is_an_emulator() -> None:
    emulator = make()
    assert isinstance(emulator, Emulator)
    assert (emulator.cols, emulator.rows) == (40, 6)


# ---------------------------------------------------------------------- alternate screen


@pytest.mark.parametrize("mode", [47, 1047, 1049])
def test_alternate_screen_enter_and_leave(mode: int) -> None:
    emulator = fed(b"MAIN\r\nsecond line")
    emulator.feed(f"\x1b[?{mode}h\x1b[2J\x1b[HALT".encode())
    assert emulator.modes.alternate_screen
    assert emulator.display()[0] == "ALT"
    assert "MAIN" not in emulator.display()
    emulator.feed(f"\x1b[?{mode}l".encode())
    assert not emulator.modes.alternate_screen
    assert emulator.display()[:2] == ["MAIN", "second line"]


def test_1049_restores_the_cursor() -> None:
    emulator = fed(b"abc")
    emulator.feed(b"\x1b[?1049h\x1b[5;10Hxyz")
    assert (emulator.cursor.x, emulator.cursor.y) == (12, 4)
    emulator.feed(b"\x1b[?1049l")
    assert (emulator.cursor.x, emulator.cursor.y) == (3, 0)


def test_alternate_screen_does_not_fill_the_scrollback() -> None:
    emulator = fed(b"\x1b[?1049h" + b"line\r\n" * 50 + b"\x1b[?1049l")
    assert emulator.scrollback_len == 0


def test_entering_twice_keeps_the_main_screen() -> None:
    emulator = fed(b"MAIN\x1b[?1049hA\x1b[?1049hB\x1b[?1049l")
    assert emulator.display()[0] == "MAIN"


# ---------------------------------------------------------------------- colours and attributes


@pytest.mark.parametrize(
    ("sequence", "fg", "bg"),
    [
        (b"\x1b[31m", "red", None),
        (b"\x1b[91;44m", "bright_red", "blue"),
        (b"\x1b[38;5;196m", "#ff0000", None),
        (b"\x1b[38;5;9m", "bright_red", None),
        (b"\x1b[48;5;21m", None, "#0000ff"),
        (b"\x1b[38;2;1;2;3;48;2;250;128;0m", "#010203", "#fa8000"),
        (b"\x1b[38:2::1:2:3m", "#010203", None),  # ITU colon form with an empty colour space
        (b"\x1b[38:2:1:2:3m", "#010203", None),  # colon form without it
        (b"\x1b[48:5:196m", None, "#ff0000"),
        (b"\x1b[38;2;999;0;0m", "#ff0000", None),  # clamped, never an invalid colour string
        (b"\x1b[31m\x1b[39m", None, None),
    ],
)
def test_colours_land_in_cells(sequence: bytes, fg: str | None, bg: str | None) -> None:
    cell = fed(sequence + b"X").cell(0, 0)
    assert cell.text == "X"
    assert (cell.style.fg, cell.style.bg) == (fg, bg)


def test_colon_sgr_is_not_printed() -> None:
    emulator = fed(b"\x1b[38:2::1:2:3mX\x1b[4:3mY\x1b[4:0mZ")
    assert emulator.display()[0] == "XYZ"
    assert emulator.cell(1, 0).style.underline
    assert not emulator.cell(2, 0).style.underline


def test_attributes() -> None:
    emulator = fed(b"\x1b[1;3;4;7;9mA\x1b[22;23mB\x1b[0mC")
    assert emulator.cell(0, 0).style == CellStyle(bold=True, italic=True, underline=True, strike=True, reverse=True)
    assert emulator.cell(1, 0).style == CellStyle(underline=True, strike=True, reverse=True)
    assert emulator.cell(2, 0).style == CellStyle()


def test_runs_group_cells_by_style() -> None:
    runs = fed(b"ab\x1b[31mcd\x1b[0mef", cols=8, rows=1).row_runs(0)
    assert runs == [("ab", CellStyle()), ("cd", CellStyle(fg="red")), ("ef  ", CellStyle())]


def test_erase_uses_the_background_colour() -> None:
    emulator = fed(b"\x1b[44;4m\x1b[2J\x1b[K")
    style = emulator.cell(10, 3).style
    assert style.bg == "blue"
    assert not style.underline  # only the background, as xterm and tmux erase


# ---------------------------------------------------------------------- REP, wide characters


def test_rep_repeats_the_last_character() -> None:
    assert fed(b"a\x1b[4b").display()[0] == "aaaaa"
    assert fed(b"ab\x1b[b").display()[0] == "abb"
    assert fed(b"\x1b[5b").display()[0] == ""  # nothing to repeat yet


def test_rep_is_bounded() -> None:
    emulator = fed(b"x\x1b[9999b", cols=10, rows=3)
    # At most one screenful is repeated, not 9999 characters' worth of scrolling.
    assert emulator.scrollback_len <= 1
    assert emulator.display()[:2] == ["x" * 10] * 2


def test_wide_characters() -> None:
    emulator = fed("日本👍x".encode(), cols=10, rows=2)
    assert emulator.display()[0] == "日本👍x"
    assert emulator.cursor.x == 7
    assert emulator.cell(0, 0).text == "日"
    assert emulator.cell(1, 0).text == "日"  # the right half belongs to the same character
    assert emulator.cell(6, 0).text == "x"


def test_wide_character_wraps_instead_of_splitting() -> None:
    emulator = fed("abcd日".encode(), cols=5, rows=2)
    assert emulator.display() == ["abcd", "日"]


def test_overwriting_half_a_wide_character_keeps_the_row_width() -> None:
    emulator = fed("日本\x1b[1;2Hx".encode(), cols=6, rows=1)
    assert sum(cell_len(text) for text, _ in emulator.row_runs(0)) == 6
    assert emulator.display()[0] == " x本"


def test_combining_characters_join_their_base() -> None:
    emulator = fed("e\u0301x".encode())
    assert emulator.display()[0] == "éx"


def test_combining_flood_is_capped() -> None:
    emulator = fed(("a" + "\u0301" * 5000).encode())
    assert len(emulator.cell(0, 0).text) <= 8


def test_dec_line_drawing() -> None:
    assert fed(b"\x1b(0lqqk\x1b(Bq").display()[0] == "┌──┐q"


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u00a0", "\u0085", "\u009b", "\U000e0001"])
def test_unprintable_characters_never_reach_a_cell(char: str) -> None:
    emulator = fed(f"a{char}b".encode())
    for text, _ in emulator.row_runs(0):
        assert drawable(text)


# ---------------------------------------------------------------------- replies


def test_dsr_cursor_position_report() -> None:
    emulator = fed(b"ab\r\ncd\x1b[6n")
    assert emulator.replies() == b"\x1b[2;3R"
    assert emulator.replies() == b""  # taken


def test_dsr_status_and_device_attributes() -> None:
    emulator = fed(b"\x1b[5n\x1b[c\x1b[>c")
    assert emulator.replies() == b"\x1b[0n\x1b[?1;2c\x1b[>1;10;0c"


def test_replies_are_rate_limited() -> None:
    now = [0.0]
    emulator = make(replies=ReplyQueue(burst=4, per_second=2, clock=lambda: now[0]))
    emulator.feed(b"\x1b[6n" * 100)
    assert emulator.replies() == b"\x1b[1;1R" * 4
    assert emulator.replies_dropped == 96
    now[0] += 1.0  # two more tokens
    emulator.feed(b"\x1b[6n" * 10)
    assert emulator.replies() == b"\x1b[1;1R" * 2


def test_reply_queue_caps_pending_bytes() -> None:
    queue = ReplyQueue(burst=1000, per_second=1000, max_pending_bytes=10, clock=lambda: 0.0)
    assert queue.push(b"12345678")
    assert not queue.push(b"123")
    assert queue.take() == b"12345678"


# ---------------------------------------------------------------------- title, OSC 52 and friends


def test_title_is_exposed_sanitised_and_truncated() -> None:
    emulator = fed(b"\x1b]0;my title\x07")
    assert emulator.title == "my title"
    emulator.feed(b"\x1b]2;evil\x9b31m\x1b\\")
    assert emulator.title.isprintable() and "\x9b" not in emulator.title
    emulator.feed(b"\x1b]2;" + b"x" * 1000 + b"\x07")
    assert len(emulator.title) <= 120


def test_osc_52_and_other_strings_stay_inside() -> None:
    payloads = [
        b"\x1b]52;c;aGFja2Vk\x07",
        b"\x1b]52;c;aGFja2Vk\x1b\\",
        b"\x1b]8;;http://example.com\x1b\\link\x1b]8;;\x1b\\",
        b"\x1bP+q544e\x1b\\",
        b"\x1b_apc\x1b\\",
        b"\x1b^pm\x1b\\",
        b"\x1bXsos\x1b\\",
        b"\x1b]10;?\x07",
    ]
    emulator = fed(b"".join(payloads))
    assert emulator.display()[0] == "link"
    assert emulator.replies() == b""
    assert emulator.title == ""


def test_unterminated_string_is_bounded() -> None:
    emulator = make()
    emulator.feed(b"\x1b]52;c;")
    for _ in range(100):
        emulator.feed(b"A" * 4096)
    emulator.feed(b"\x07after")
    assert emulator.display()[0] == "after"


# ---------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "sequence",
    [
        b"\x1b[1;2;3;4;5H",
        b"\x1b[?1;2r",
        b"\x1b[n",
        b"\x1b[5J",
        b"\x1b[9K",
        b"\x1b[>4;2m",
        b"\x1b[?12$p",
        b"\x1b[0%m",
        b"\x1b[99999999999999999999A",
        b"\x1b[?3h",
        b"\x1b#8",
    ],
)
def test_odd_sequences_are_tolerated(sequence: bytes) -> None:
    emulator = fed(sequence + b"after")
    assert "after" in "".join(emulator.display())
    assert (emulator.cols, emulator.rows) == (40, 6)  # DECCOLM (?3h) must not resize us


def test_stock_pyte_raises_where_we_do_not() -> None:
    """The reason for our own tokenizer: pyte's stream raises and loses the rest of the chunk."""
    screen = pyte.Screen(40, 6)
    with pytest.raises(TypeError):
        pyte.ByteStream(screen).feed(b"\x1b[1;2;3;4;5Hafter")
    assert fed(b"\x1b[1;2;3;4;5Hafter").display()[0] == " after"


def test_modify_other_keys_is_not_sgr() -> None:
    emulator = fed(b"\x1b[>4;2mX")
    assert emulator.cell(0, 0).style == CellStyle()


def test_invalid_utf8_becomes_replacement_characters() -> None:
    emulator = fed(b"a\xff\xfeb")
    assert emulator.display()[0] == "a\ufffd\ufffdb"


def test_utf8_split_across_chunks() -> None:
    emulator = make()
    data = "日本語".encode()
    for byte in data:
        emulator.feed(bytes([byte]))
    assert emulator.display()[0] == "日本語"


@pytest.mark.parametrize("cut", range(1, 24))
def test_sequences_split_across_chunks(cut: int) -> None:
    data = b"\x1b[31mR\x1b]0;t\x1b\\\x1b[2;3H\xe6\x97\xa5X"
    whole = fed(data)
    split = make()
    split.feed(data[:cut])
    split.feed(data[cut:])
    assert split.display() == whole.display()
    assert split.row_runs(0) == whole.row_runs(0)
    assert split.title == whole.title == "t"


def test_note_gap_forgets_a_half_sequence() -> None:
    emulator = fed(b"\x1b[3")
    emulator.note_gap()
    emulator.feed(b"1mX")
    assert emulator.display()[0] == "1mX"


# ---------------------------------------------------------------------- scrollback, resize, dirty rows


def test_scrollback_ring() -> None:
    emulator = PyteEmulator(20, 3, scrollback=5)
    emulator.feed(b"\r\n".join(f"line {i}".encode() for i in range(10)))
    assert emulator.display() == ["line 7", "line 8", "line 9"]
    assert emulator.scrollback_len == 5
    assert [emulator.scrollback_text(i).rstrip() for i in range(5)] == [f"line {i}" for i in range(2, 7)]
    assert emulator.scrollback_pushed == 7


def test_clear_scrollback_with_ed3() -> None:
    emulator = fed(b"x\r\n" * 20 + b"\x1b[3J")
    assert emulator.scrollback_len == 0
    assert emulator.display()[0] == "x"  # ED 3 erases saved lines only


def test_resize_keeps_the_cursor_row_visible() -> None:
    emulator = fed(b"\r\n".join(f"l{i}".encode() for i in range(6)), cols=10, rows=6)
    emulator.resize(8, 3)
    assert (emulator.cols, emulator.rows) == (8, 3)
    assert emulator.display() == ["l3", "l4", "l5"]
    assert emulator.cursor.y == 2
    assert [emulator.scrollback_text(i).rstrip() for i in range(3)] == ["l0", "l1", "l2"]
    emulator.resize(12, 5)
    assert emulator.display() == ["l3", "l4", "l5", "", ""]
    assert all(sum(cell_len(t) for t, _ in emulator.row_runs(y)) == 12 for y in range(5))


def test_resize_narrower_drops_cells() -> None:
    emulator = fed(b"0123456789", cols=10, rows=2)
    emulator.resize(4, 2)
    assert emulator.display()[0] == "0123"


def test_dirty_rows() -> None:
    emulator = make()
    emulator.clear_dirty_rows()
    emulator.feed(b"\x1b[3;1Hx")
    assert emulator.dirty_rows() == {2}
    emulator.clear_dirty_rows()
    assert emulator.dirty_rows() == set()


def test_modes() -> None:
    emulator = fed(b"\x1b[?1h\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b=\x1b[?25l")
    modes = emulator.modes
    assert modes.application_cursor and modes.bracketed_paste and modes.application_keypad
    assert modes.mouse_tracking == 1000 and modes.mouse_sgr
    assert not emulator.cursor.visible
    emulator.feed(b"\x1b[?1l\x1b[?2004l\x1b[?1000l\x1b>\x1b[?25h")
    modes = emulator.modes
    assert not (modes.application_cursor or modes.bracketed_paste or modes.application_keypad)
    assert modes.mouse_tracking == 0
    assert emulator.cursor.visible


def test_cursor_visibility_survives_restore_cursor() -> None:
    emulator = fed(b"\x1b7\x1b[?25l\x1b8")
    assert not emulator.cursor.visible


def test_save_cursor_keeps_one_slot() -> None:
    emulator = fed(b"\x1b7" * 10000)
    assert len(emulator.screen.savepoints) == 1


def test_reset() -> None:
    emulator = fed(b"\x1b[?1049hALT\x1b]0;t\x07\x1bc")
    assert not emulator.modes.alternate_screen
    assert emulator.display()[0] == ""
    assert emulator.title == ""


def test_scroll_up_and_down_sequences() -> None:
    emulator = fed(b"a\r\nb\r\nc\x1b[S", cols=5, rows=3)
    assert emulator.display() == ["b", "c", ""]
    emulator.feed(b"\x1b[2T")
    assert emulator.display() == ["", "", "b"]


def test_cell_of_a_combined_character() -> None:
    emulator = fed("x\u0301\u0302y".encode())
    assert emulator.cell(0, 0).text == "x\u0301\u0302"
    assert emulator.cell(1, 0).text == "y"


def test_cursor_movement_outside_the_scroll_region() -> None:
    emulator = fed(b"\x1b[5;8r\x1b[2;1H\x1b[A", rows=10)  # region rows 5-8, cursor above it on row 2
    assert emulator.cursor.y == 0  # moves up to the top of the screen, not down to the margin
    emulator.feed(b"\x1b[6;1H\x1b[9A")
    assert emulator.cursor.y == 4  # from inside the region it stops at the top margin
    emulator.feed(b"\x1b[6;1H\x1b[9B")
    assert emulator.cursor.y == 7


def test_reverse_index_above_the_region_does_not_scroll_it() -> None:
    emulator = PyteEmulator(10, 6)
    emulator.feed(b"a\r\nb\r\nc\r\nd\x1b[3;5r\x1b[2;1H\x1bM\x1bM")
    assert emulator.cursor.y == 0
    assert emulator.display()[:4] == ["a", "b", "c", "d"]
