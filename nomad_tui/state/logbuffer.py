"""A bounded buffer of log lines: bytes in, complete lines out, oldest lines dropped (and counted).

Lines keep their absolute number, so a view scrolled into the middle stays on the same text while
old lines are dropped from the top.  Text is decoded incrementally (a UTF-8 sequence split across
frames survives) and stored as received; sanitising happens where it is rendered.
"""

from __future__ import annotations

import codecs
from collections import deque

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_LINE = 16_384  # a "line" longer than this is cut into pieces, so one huge line cannot eat the buffer


class LogBuffer:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.lines: deque[str] = deque()
        self._sizes: deque[int] = deque()  # encoded size of each line, newline included
        self.first_number = 0  # absolute number of lines[0]
        self.dropped_bytes = 0
        self.dropped_lines = 0
        self.received_bytes = 0
        self._bytes = 0
        self._partial = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def __len__(self) -> int:
        return len(self.lines) + (1 if self._partial else 0)

    @property
    def end_number(self) -> int:
        """One past the absolute number of the last line (partial line included)."""
        return self.first_number + len(self)

    def line(self, number: int) -> str | None:
        """The line with absolute `number` (the unfinished last line included), or None."""
        index = number - self.first_number
        if 0 <= index < len(self.lines):
            return self.lines[index]
        if index == len(self.lines) and self._partial:
            return self._partial
        return None

    def append(self, data: bytes) -> int:
        """Add bytes; return how many complete lines they finished."""
        self.received_bytes += len(data)
        text = self._partial + self._decoder.decode(data)
        pieces = text.split("\n")
        self._partial = pieces.pop()
        while len(self._partial) > MAX_LINE:
            pieces.append(self._partial[:MAX_LINE])
            self._partial = self._partial[MAX_LINE:]
        for piece in pieces:
            piece = piece.removesuffix("\r")
            self.lines.append(piece)
            self._sizes.append(len(piece.encode()) + 1)
            self._bytes += self._sizes[-1]
        self._trim()
        return len(pieces)

    def _trim(self) -> None:
        while self._bytes > self.max_bytes and self.lines:
            self.lines.popleft()
            size = self._sizes.popleft()
            self._bytes -= size
            self.dropped_bytes += size
            self.dropped_lines += 1
            self.first_number += 1

    def clear(self) -> None:
        self.lines.clear()
        self._sizes.clear()
        self._partial = ""
        self._bytes = 0
        self.first_number = 0
        self.dropped_bytes = self.dropped_lines = self.received_bytes = 0
        self._decoder.reset()

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
