"""Log frames come back to back with no separator; the decoder must cut them out of any chunking."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from nomad_tui.api.logs import SKIPPED, LogFrameDecoder
from nomad_tui.state.logbuffer import LogBuffer


def frame(data: bytes, offset: int, **extra: object) -> bytes:
    body = {"Data": base64.b64encode(data).decode(), "File": "alloc/logs/web.stdout.0", "Offset": offset, **extra}
    return json.dumps(body, separators=(",", ":")).encode()


def test_back_to_back_frames_and_heartbeats() -> None:
    stream = frame(b"one\n", 4) + b"{}" + frame(b"two\n", 8) + b"{}{}" + b'{"FileEvent":"file truncated"}'
    frames = LogFrameDecoder().feed(stream)
    assert [(f.data, f.offset, f.file_event) for f in frames] == [
        (b"one\n", 4, ""),
        (b"two\n", 8, ""),
        (b"", 0, "file truncated"),
    ]


@given(cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_any_chunking_gives_the_same_frames(cuts: list[int]) -> None:
    payloads = [f"line {i} ✓ {'x' * i}\n".encode() for i in range(8)]
    stream = b"{}".join(frame(p, i) for i, p in enumerate(payloads))
    decoder = LogFrameDecoder()
    got = []
    start = 0
    for cut in [*sorted({min(c, len(stream)) for c in cuts}), len(stream)]:
        got.extend(decoder.feed(stream[start:cut]))
        start = cut
    assert [f.data for f in got] == payloads


def test_garbage_frames_are_skipped_and_reported() -> None:
    good = b'{"Data": "aGk=", "Offset": 2}'
    for garbage in (b'{"Data": "!!!not base64"}', b"[1,2]"):
        decoder = LogFrameDecoder()
        frames = decoder.feed(garbage + good)
        assert [f.file_event for f in frames] == [SKIPPED, ""] and frames[1].data == b"hi"
        assert decoder.skipped == 1


def test_buffer_keeps_lines_bounded_and_counts_drops() -> None:
    buffer = LogBuffer(max_bytes=90)
    buffer.append(b"a" * 30 + b"\n" + b"b" * 30 + b"\nparti")
    assert list(buffer.lines) == ["a" * 30, "b" * 30] and buffer.line(2) == "parti"
    buffer.append(b"al\n" + b"c" * 60 + b"\n")
    assert buffer.dropped_lines == 2 and buffer.dropped_bytes == 62
    assert buffer.first_number == 2 and buffer.line(2) == "partial" and buffer.line(3) == "c" * 60
    assert buffer.find("PART", 1) == 2 and buffer.find("zzz", 1) is None


def test_buffer_joins_utf8_split_across_frames() -> None:
    buffer = LogBuffer()
    data = "héllo ✓\n".encode()
    buffer.append(data[:2])
    buffer.append(data[2:])
    assert buffer.line(0) == "héllo ✓"
