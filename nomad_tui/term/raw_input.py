"""Split what the user's terminal sent into bytes for the remote and sequences for our own UI.

While an exec terminal has focus, the remote should receive exactly the bytes the user's terminal
sent: a key parser (Textual's) turns `ESC b` into ctrl+left, drops the ESC of `ESC :` when both
arrive in one read, and cannot tell ctrl+h from Backspace, so nothing decoded into key names can
be turned back into the original bytes.  `RawInputSplitter` works on the text as read (UTF-8
decoded, which is lossless for what terminals send) and only picks out what is not typing:

- mouse reports (SGR), focus in/out, bracketed pastes, the terminal's replies to the UI's own
  queries (in-band resize, DECRPM, kitty keyboard flags), kitty `CSI … u` keys: for the UI;
- the local keys (the detach key, the scrollback keys), by their exact bytes: for the UI;
- everything else, in order: for the remote.

An escape sequence cut by the end of a read is held until the rest arrives (or `take_stale()`
gives it up); a lone ESC at the end is not held, so Esc reaches the remote at once.
No Textual here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

# Sequences the user's terminal sends that are not typing.
_UI_SEQUENCES = (
    r"\x1b\[<[0-9;]*[Mm]",  # SGR mouse report
    r"\x1b\[[IO]",  # focus in / out
    r"\x1b\[48;[0-9;]*t",  # in-band window resize
    r"\x1b\[\?[0-9;]*\$y",  # DECRPM: answers to the UI's mode queries
    r"\x1b\[\?[0-9;]*[uc]",  # kitty keyboard flags / device attributes replies
    r"\x1b\[[0-9;:]*u",  # a key in the kitty keyboard protocol (before the terminal left it)
)
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
# What may still become one of the sequences above (or a paste start) once more bytes arrive.
_INCOMPLETE = re.compile(r"\x1b\[[<?0-9;:$]*\Z")
HOLD_SECONDS = 0.05


class RawInputSplitter:
    def __init__(self, local_keys: Iterable[bytes] = ()) -> None:
        keys = sorted({key.decode("utf-8", "replace") for key in local_keys if key}, key=len, reverse=True)
        pattern = "|".join([*_UI_SEQUENCES, re.escape(PASTE_START), *(re.escape(k) for k in keys)])
        self._ui = re.compile(pattern)
        self._held = ""
        self._held_at = 0.0
        self._in_paste = False

    @property
    def pending(self) -> bool:
        """Something is held or a paste is open: the next input must come here too."""
        return bool(self._held) or self._in_paste

    def split(self, text: str) -> list[tuple[bool, str]]:
        """(for_remote, text) pieces in the order they were typed."""
        text = self._held + text
        self._held = ""
        out: list[tuple[bool, str]] = []
        position = 0
        if self._in_paste:
            end = text.find(PASTE_END)
            if end == -1:
                return [(False, text)]
            position = end + len(PASTE_END)
            out.append((False, text[:position]))
            self._in_paste = False
        while position < len(text):
            match = self._ui.search(text, position)
            if match is None:
                rest = text[position:]
                incomplete = _INCOMPLETE.search(rest)
                if incomplete is not None:
                    self._held = rest[incomplete.start() :]
                    self._held_at = time.monotonic()
                    rest = rest[: incomplete.start()]
                if rest:
                    out.append((True, rest))
                break
            if match.start() > position:
                out.append((True, text[position : match.start()]))
            if match.group() == PASTE_START:
                end = text.find(PASTE_END, match.end())
                if end == -1:
                    out.append((False, text[match.start() :]))
                    self._in_paste = True
                    break
                position = end + len(PASTE_END)
                out.append((False, text[match.start() : position]))
                continue
            out.append((False, match.group()))
            position = match.end()
        return _merge(out)

    def take_stale(self, now: float | None = None) -> str:
        """The held partial sequence once it waited `HOLD_SECONDS` in vain (it was typing after all)."""
        if self._held and (now if now is not None else time.monotonic()) - self._held_at >= HOLD_SECONDS:
            held, self._held = self._held, ""
            return held
        return ""


def _merge(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    merged: list[tuple[bool, str]] = []
    for to_remote, text in pieces:
        if merged and merged[-1][0] == to_remote and to_remote:
            merged[-1] = (True, merged[-1][1] + text)
        else:
            merged.append((to_remote, text))
    return merged
