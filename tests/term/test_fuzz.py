"""Property tests: whatever bytes a remote sends, feed() never raises, cells stay printable and
rows keep their width, and chunk boundaries do not change the result."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from nomad_tui.term.pyte_backend import PyteEmulator

# Pieces that exercise the parser's corners far more often than uniform random bytes would.
PIECES = [
    b"\x1b",
    b"[",
    b"]",
    b"\x07",
    b"\x9b",
    b"\xc2\x9b",
    b"\xc2\x9d",
    b"\xc2\x90",
    b"\xe2\x80\xae",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\x7f",
    b"\x0e",
    b"\x0f",
    b"\x1b\\",
    b"52;c;",
    b"0;t",
    b"A",
    b"\r\n",
    b"\xf0\x9f\x91\x8d",
    b"\xcc\x81",
    b";",
    b":",
    b"m",
    b"?1049h",
    b"?1049l",
    b"?",
    b">",
    b"b",
    b"H",
    b"r",
    b"J",
    b"K",
    b"L",
    b"M",
    b"S",
    b"T",
    b"@",
    b"P",
    b"X",
    b"n",
    b"c",
    b"1",
    b"2",
    b"99999",
    b"38;2;",
    b"38:5:",
    b"\xe6\x97\xa5",
    b"\x1bP",
    b"\x1b_",
    b"\x1b(0",
    b"\x1b#8",
    b"\x1b7",
    b"\x1b8",
    b"\x1bc",
    b"\x1bM",
    b"\x1bD",
    b"\t",
    b"\x08",
    b"\n",
    b"\r",
    b"\xff",
    b"\xe2\x80",
]
streams = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=200).map(b"".join),
)


def check_invariants(emulator: PyteEmulator) -> None:
    for y in range(emulator.rows):
        runs = emulator.row_runs(y)
        assert sum(cell_len(text) for text, _ in runs) == emulator.cols
        for text, _ in runs:
            assert text.isprintable(), repr(text)
    for index in range(emulator.scrollback_len):
        for text, _ in emulator.scrollback_runs(index):
            assert text.isprintable(), repr(text)
    cursor = emulator.cursor
    assert 0 <= cursor.x < emulator.cols and 0 <= cursor.y < emulator.rows
    assert emulator.title.isprintable()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams, cols=st.integers(1, 30), rows=st.integers(1, 8))
def test_feed_never_raises_and_cells_stay_printable(data: bytes, cols: int, rows: int) -> None:
    emulator = PyteEmulator(cols, rows, scrollback=20)
    emulator.feed(data)
    assert emulator.internal_errors == 0
    check_invariants(emulator)
    emulator.resize(max(1, cols // 2), rows + 1)
    check_invariants(emulator)


@settings(max_examples=100, deadline=None)
@given(data=streams, cuts=st.lists(st.integers(0, 400), max_size=6))
def test_chunking_does_not_change_the_screen(data: bytes, cuts: list[int]) -> None:
    whole = PyteEmulator(20, 5)
    whole.feed(data)
    split = PyteEmulator(20, 5)
    points = sorted({min(cut, len(data)) for cut in cuts})
    start = 0
    for point in [*points, len(data)]:
        split.feed(data[start:point])
        start = point
    assert [split.row_runs(y) for y in range(5)] == [whole.row_runs(y) for y in range(5)]
    assert split.cursor == whole.cursor
    assert split.title == whole.title
