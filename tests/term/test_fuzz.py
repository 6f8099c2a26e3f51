"""Property tests: whatever bytes a remote sends, feed() never raises, cells stay printable and
rows keep their width, and chunk boundaries do not change the result."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from nomad_tui.term.backends import available
from nomad_tui.term.emulator import Emulator, drawable
from nomad_tui.term.pyte_backend import PyteEmulator
from nomad_tui.term.pyte_screen import XtermScreen

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


def check_invariants(emulator: Emulator) -> None:
    for y in range(emulator.rows):
        runs = emulator.row_runs(y)
        assert sum(cell_len(text) for text, _ in runs) == emulator.cols
        for text, _ in runs:
            assert drawable(text), repr(text)
    for index in range(emulator.scrollback_len):
        for text, _ in emulator.scrollback_runs(index):
            assert drawable(text), repr(text)
    cursor = emulator.cursor
    assert 0 <= cursor.x < emulator.cols and 0 <= cursor.y < emulator.rows
    assert emulator.title.isprintable()


@pytest.mark.parametrize("backend", sorted(available()))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams, cols=st.integers(1, 30), rows=st.integers(1, 8))
def test_feed_never_raises_and_cells_stay_printable(backend: str, data: bytes, cols: int, rows: int) -> None:
    emulator = available()[backend](cols, rows)
    emulator.feed(data)
    assert getattr(emulator, "internal_errors", 0) == 0
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


SCROLLING = [
    b"line\r\n", b"\n", b"\x1bM", b"\x1bD", b"\x1b[2;4r", b"\x1b[r", b"\x1b[3S", b"\x1b[2T", b"\x1b[L", b"\x1b[M",
    b"\x1b[2J", b"\x1b[K", b"\x1b[H", b"\x1b[5;1H", b"abc", b"\xe6\x97\xa5", b"\x1b[?1049h", b"\x1b[?1049l",
    b"\x1b[@", b"\x1b[P", b"\x1b[4h", b"\x1b[4l", b"e\xcc\x81", b"\x1b[X", b"\x1b[1J", b"\x1b7", b"\x1b8",
]  # fmt: skip


class ReKeyingScreen(XtermScreen):
    """The straightforward scroll (re-key every row each line) that the `_base` trick replaces."""

    def _scroll_up(self, top: int, bottom: int) -> None:
        if top == 0 and bottom == self.lines - 1 and self._alt_main is None and self.history.maxlen:
            self.history.append(self.buffer.get(0))
            self.history_pushed += 1
        buffer = self.buffer
        buffer.pop(top, None)
        for y in range(top, bottom):
            line = buffer.pop(y + 1, None)
            if line is not None:
                buffer[y] = line
        buffer.pop(bottom, None)
        self.dirty.update(range(top, bottom + 1))


@settings(max_examples=200, deadline=None)
@given(data=st.lists(st.sampled_from(SCROLLING), max_size=80).map(b"".join))
def test_lazy_scrolling_matches_re_keying(data: bytes) -> None:
    fast = PyteEmulator(12, 5, scrollback=10)
    fast.feed(data)
    reference = PyteEmulator(12, 5, scrollback=10)
    reference.screen.__class__ = ReKeyingScreen
    reference.feed(data)
    assert [fast.row_runs(y) for y in range(5)] == [reference.row_runs(y) for y in range(5)]
    assert [fast.scrollback_runs(i) for i in range(fast.scrollback_len)] == [
        reference.scrollback_runs(i) for i in range(reference.scrollback_len)
    ]
    assert fast.cursor == reference.cursor
