"""LogBuffer with several sources (both streams, a job-wide tail), receive times and markers; the
wrap index of the log view."""

from __future__ import annotations

from nomad_tui.state.logbuffer import LogBuffer
from nomad_tui.ui.widgets.log_view import WrapIndex, fold_offsets


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sources_keep_their_own_unfinished_line() -> None:
    clock = Clock()
    buffer = LogBuffer(clock=clock)
    buffer.append(b"out-a", source=0)
    clock.now = 101.0
    buffer.append(b"err-1\nerr-", source=1)
    clock.now = 102.0
    buffer.append(b"b\n", source=0)
    buffer.append("é".encode()[:1], source=1)
    buffer.append("é".encode()[1:] + b"2\n", source=1)
    assert list(buffer.lines) == ["err-1", "out-ab", "err-é2"]
    assert [buffer.meta(n)[:2] for n in range(3)] == [(101.0, 1), (100.0, 0), (101.0, 1)]
    # Two sources: an unfinished line is not shown (it would be ambiguous) until it ends or its stream does.
    buffer.append(b"tail", source=0)
    assert buffer.line(3) is None and len(buffer) == 3
    buffer.flush(0)
    assert buffer.line(3) == "tail"


def test_single_source_shows_its_partial_line_with_its_first_time() -> None:
    clock = Clock()
    buffer = LogBuffer(clock=clock)
    buffer.append(b"abc")
    clock.now = 105.0
    buffer.append(b"def")
    assert buffer.line(0) == "abcdef" and buffer.meta(0) == (100.0, 0, False)


def test_markers_are_flagged_and_dropped_like_lines() -> None:
    buffer = LogBuffer(max_bytes=30)
    buffer.append(b"x" * 10 + b"\n", source=3)
    buffer.add_marker("--- left ---", source=3)
    assert buffer.meta(1)[1:] == (3, True) and buffer.meta(0)[1:] == (3, False)
    buffer.append(b"y" * 10 + b"\n", source=3)
    assert buffer.first_number == 1 and buffer.dropped_lines == 1


def test_fold_offsets_by_cells() -> None:
    assert fold_offsets("abcdefg", 3) == [3, 6]
    assert fold_offsets("日本語", 4) == [2]  # 2 cells each: a wide character is never split
    assert fold_offsets("", 5) == []


def test_wrap_index_follows_the_buffer() -> None:
    buffer = LogBuffer(max_bytes=28)
    index = WrapIndex(lambda n: len(buffer.line(n) or "x") // 4 + 1)
    index.reset(4, 0)
    buffer.append(b"aaaaaaaa\nbb\ncccc\n")  # rows 3, 1, 2
    index.sync(buffer)
    assert [index.row_of(n) for n in range(3)] == [0, 3, 4]
    assert index.locate(0) == (0, 0) and index.locate(2) == (0, 2) and index.locate(3) == (1, 0)
    assert index.locate(5) == (2, 1) and index.locate(6) == (3, 0)
    buffer.append(b"d" * 20 + b"\n")  # drops the first two lines
    index.sync(buffer)
    assert buffer.first_number == 2
    assert index.row_of(2) == 0 and index.locate(2) == (3, 0)
    assert index.end_row - index.top_row == 2 + 6
