"""A bounded buffer of log lines: bytes in, complete lines out, oldest lines dropped (and counted).

Lines keep their absolute number, so a view scrolled into the middle stays on the same text while
old lines are dropped from the top.  Text is decoded incrementally (a UTF-8 sequence split across
frames survives) and stored as received; sanitising happens where it is rendered.

Each line also keeps when it was received and which *source* it came from: one task's stdout is
source 0; both streams, or every allocation of a job, interleave several sources, each with its own
unfinished line and decoder so that pieces of two streams never mix on one line.  Marker lines
(a file event, an allocation joining or leaving) are ours, not the task's, and are flagged as such.
"""

from __future__ import annotations

import codecs
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_LINE = 16_384  # a "line" longer than this is cut into pieces, so one huge line cannot eat the buffer


def _new_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


@dataclass
class _Source:
    partial: str = ""
    partial_at: float = 0.0
    decoder: codecs.IncrementalDecoder = field(default_factory=_new_decoder)


class LogBuffer:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, *, clock: Callable[[], float] = time.time) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self.lines: deque[str] = deque()
        self._sizes: deque[int] = deque()  # encoded size of each line, newline included
        self._times: deque[float] = deque()  # when each line was received (unix seconds)
        self._sources: deque[int] = deque()  # its source; ~source (negative) for a marker line
        self._streams: dict[int, _Source] = {}
        self.first_number = 0  # absolute number of lines[0]
        self.dropped_bytes = 0
        self.dropped_lines = 0
        self.received_bytes = 0
        self._bytes = 0

    @property
    def _partial(self) -> str:
        """The unfinished last line shown at the end: only with a single source, where it is unambiguous."""
        if len(self._streams) != 1:
            return ""
        source = self._streams.get(0)
        return source.partial if source is not None else ""

    def __len__(self) -> int:
        return len(self.lines) + (1 if self._partial else 0)

    @property
    def end_number(self) -> int:
        """One past the absolute number of the last line (partial line included)."""
        return self.first_number + len(self)

    @property
    def complete_end(self) -> int:
        """One past the absolute number of the last complete line."""
        return self.first_number + len(self.lines)

    def line(self, number: int) -> str | None:
        """The line with absolute `number` (the unfinished last line included), or None."""
        index = number - self.first_number
        if 0 <= index < len(self.lines):
            return self.lines[index]
        if index == len(self.lines) and index >= 0:
            return self._partial or None
        return None

    def meta(self, number: int) -> tuple[float, int, bool]:
        """(received at, source, is a marker) of line `number`; (0, 0, False) when there is no such line."""
        index = number - self.first_number
        if 0 <= index < len(self.lines):
            source = self._sources[index]
            return self._times[index], (~source if source < 0 else source), source < 0
        if index == len(self.lines) and self._partial:
            return self._streams[0].partial_at, 0, False
        return 0.0, 0, False

    def append(self, data: bytes, *, source: int = 0) -> int:
        """Add bytes from `source`; return how many complete lines they finished."""
        self.received_bytes += len(data)
        stream = self._streams.get(source)
        if stream is None:
            stream = self._streams[source] = _Source()
        now = self.clock()
        if not stream.partial:
            stream.partial_at = now
        text = stream.partial + stream.decoder.decode(data)
        pieces = text.split("\n")
        stream.partial = pieces.pop()
        while len(stream.partial) > MAX_LINE:
            pieces.append(stream.partial[:MAX_LINE])
            stream.partial = stream.partial[MAX_LINE:]
        first_at = stream.partial_at
        for piece in pieces:
            self._add(piece.removesuffix("\r"), first_at, source)
            first_at = now
        if stream.partial and pieces:
            stream.partial_at = now
        self._trim()
        return len(pieces)

    def flush(self, source: int = 0) -> None:
        """The stream of `source` ended: its unfinished line becomes a line of its own."""
        stream = self._streams.pop(source, None)
        if stream is None:
            return
        rest = stream.partial + stream.decoder.decode(b"", final=True)
        if rest:
            self._add(rest, stream.partial_at or self.clock(), source)
            self._trim()

    def add_marker(self, text: str, *, source: int = 0) -> None:
        """A line of ours (not the task's) about `source`, e.g. a file event or an allocation leaving."""
        self._add(text, self.clock(), ~source)
        self._trim()

    def _add(self, text: str, at: float, source: int) -> None:
        size = len(text.encode("utf-8", "surrogatepass")) + 1
        self.lines.append(text)
        self._sizes.append(size)
        self._times.append(at)
        self._sources.append(source)
        self._bytes += size

    def _trim(self) -> None:
        while self._bytes > self.max_bytes and self.lines:
            self.lines.popleft()
            self._times.popleft()
            self._sources.popleft()
            size = self._sizes.popleft()
            self._bytes -= size
            self.dropped_bytes += size
            self.dropped_lines += 1
            self.first_number += 1

    def clear(self) -> None:
        self.lines.clear()
        self._sizes.clear()
        self._times.clear()
        self._sources.clear()
        self._streams.clear()
        self._bytes = 0
        self.first_number = 0
        self.dropped_bytes = self.dropped_lines = self.received_bytes = 0

    def find(self, needle: str, start: int, *, backwards: bool = False) -> int | None:
        """Absolute number of the next line containing `needle` (case-insensitive) after/before `start`."""
        needle = needle.lower()
        if not needle:
            return None
        numbers = range(start - 1, self.first_number - 1, -1) if backwards else range(start + 1, self.end_number)
        for number in numbers:
            line = self.line(number)
            if line is not None and needle in line.lower():
                return number
        return None
