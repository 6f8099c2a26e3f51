"""Log frames from a hostile or broken agent: one malformed or deeply nested frame is skipped and
reported, and following goes on; the dev agent escapes file names in its own frames."""

from __future__ import annotations

import base64
import json

import pytest

from nomad_tui.api.logs import SKIPPED, LogFrameDecoder, frame_end
from nomad_tui.devagent.http.routes_logs import encode_frame

pytestmark = pytest.mark.hostile


def frame(text: str, offset: int, file: str = "alloc/logs/web.stdout.0") -> bytes:
    return json.dumps({"File": file, "Offset": offset, "Data": base64.b64encode(text.encode()).decode()}).encode()


BAD_FRAMES = {
    "raw-control-in-file": b'{"File":"web\x01.stdout.0","Offset":1,"Data":"aGk="}',
    "not-json": b'{"File": nope, "Data": "aGk="}',
    "nested": b'{"Data": "aGk=", "X": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "bad-base64": b'{"Data": "!!!", "Offset": 1}',
    "quote-in-string": b'{"File":"a\\"}{b","Data":"!!!"}',
}


@pytest.mark.parametrize("bad", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_a_bad_frame_is_skipped_or_read_and_following_goes_on(bad: bytes) -> None:
    stream = frame("first\n", 6) + b" " * 4000 + bad + b"{}" + b"".join(frame(f"line {n}\n", 20 + n) for n in range(5))
    decoder = LogFrameDecoder()
    frames = []
    for start in range(0, len(stream), 4096):  # network-sized chunks that cut frames anywhere
        frames += decoder.feed(stream[start : start + 4096])
    data = b"".join(f.data for f in frames)
    assert data.startswith(b"first\n") and data.endswith(b"".join(f"line {n}\n".encode() for n in range(5)))
    assert len([f for f in frames if f.file_event == SKIPPED]) == decoder.skipped <= 1


def test_an_incomplete_frame_waits_for_more_bytes() -> None:
    decoder = LogFrameDecoder()
    whole = frame('tricky "}{" text\n', 3)
    assert decoder.feed(whole[:-5]) == []
    [done] = decoder.feed(whole[-5:])
    assert done.data == b'tricky "}{" text\n' and decoder.skipped == 0
    assert frame_end('{"a": "}"', 0) is None and frame_end('{"a": "}"}', 0) == 10


@pytest.mark.parametrize("name", ['we"b', "we\\b", "we\x01b\nc", "wéb"])
def test_the_dev_agent_escapes_file_names_in_its_frames(name: str) -> None:
    raw = encode_frame(f"alloc/logs/{name}.stdout.0", 12, b"hello\n")
    decoded = json.loads(raw)
    assert decoded["File"] == f"alloc/logs/{name}.stdout.0" and decoded["Offset"] == 12
    [parsed] = LogFrameDecoder().feed(raw)
    assert parsed.data == b"hello\n"
