"""The `~.` escape of `nomad alloc exec` and OpenSSH, applied to what the user types.

Only at the start of the session or of a line (after CR or LF was typed):
- `~.` closes the session;
- `~~` sends one `~`;
- `~` followed by anything else sends both unchanged.
A `~` elsewhere is plain input.  The `~` at a line start is held back until the next key arrives,
so the remote sees nothing of an escape that closes the session.

Only typed input and pastes go through here: the emulator's automatic answers to the remote's
queries (DSR/DA) are not the user's keys and must neither trigger nor reset the escape.
"""

from __future__ import annotations

from dataclasses import dataclass

ESCAPE = 0x7E  # "~"
CLOSE = 0x2E  # "."
LINE_ENDS = (0x0D, 0x0A)


@dataclass(frozen=True, slots=True)
class Filtered:
    data: bytes  # what to send to the remote now
    close: bool  # the user typed `~.`: close the session (nothing after it is sent)


class EscapeDetector:
    def __init__(self, escape: int | None = ESCAPE) -> None:
        self.escape = escape  # None: escapes off (`-e none` in the CLI)
        self._line_start = True
        self._holding = False  # a line-start `~` is waiting for the next byte

    @property
    def holding(self) -> bool:
        return self._holding

    def feed(self, data: bytes) -> Filtered:
        if self.escape is None:
            return Filtered(data, False)
        out = bytearray()
        for byte in data:
            if self._holding:
                self._holding = False
                if byte == CLOSE:
                    return Filtered(bytes(out), True)
                if byte == self.escape:
                    out.append(byte)  # `~~`: one `~`, and the line no longer starts here
                    self._line_start = False
                    continue
                out.append(self.escape)  # not an escape after all: pass both through
            elif self._line_start and byte == self.escape:
                self._holding = True
                continue
            out.append(byte)
            self._line_start = byte in LINE_ENDS
        return Filtered(bytes(out), False)
