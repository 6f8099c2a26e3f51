"""The one boundary for text that comes from the cluster.

Textual forwards ESC/CSI/OSC bytes inside widget text to the user's real terminal, even from
`rich.text.Text` and `markup=False` widgets, so a job name or a log line containing an OSC 52
sequence could write to the user's clipboard.  Every string from Nomad goes through `sanitize`
(or `sanitize_line` for one-line cells) before any widget sees it.  Markup is a separate concern:
widgets get `Text`/`Content` objects, never markup strings.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

# C0 controls except TAB and LF, DEL, C1 controls, lone surrogates (they crash the terminal
# writer's UTF-8 encoder), and the bidi embedding/override/isolate controls that can make text
# display in an order different from its logical order ("Trojan Source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

REPLACEMENT = "\ufffd"


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    # C0 controls and DEL have visible "control picture" glyphs (U+2400 block): ESC shows as ␛,
    # which tells the reader an escape sequence was there without acting on it.
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return REPLACEMENT


def sanitize(text: str) -> str:
    """Return `text` with every control character except TAB and LF made inert and visible."""
    if not text or not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_picture, text)


def sanitize_line(text: str) -> str:
    """Like `sanitize`, for one-line places (names in table cells, labels, dialogs): TAB, LF and CR
    show as ␉ ␊ ␍ too.  A name that broke the line, or jumped back to its start, could hide the
    fields after it or write over another row — a spoof in the very dialog that confirms a stop."""
    if not text or not _UNSAFE_LINE.search(text):
        return text
    return _UNSAFE_LINE.sub(_picture, text)


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` terminal cells (wide CJK and emoji count two), marking the cut
    with an ellipsis."""
    if cell_len(text) <= limit:
        return text
    # set_cell_size pads with a space where it would have to halve a wide character.
    return set_cell_size(text, max(0, limit - 1)).rstrip(" ") + "…"


def is_clean(text: str) -> bool:
    """True when `text` has nothing `sanitize` would replace."""
    return not _UNSAFE.search(text)


def is_clean_line(text: str) -> bool:
    """True when `text` has nothing `sanitize_line` would replace."""
    return not _UNSAFE_LINE.search(text)


def describe_exception(error: BaseException | None, limit: int = 200) -> str:
    """An exception as one safe line for the user: its type and message (which may quote cluster data)."""
    if error is None:
        return "unknown error"
    return truncate(sanitize_line(f"{type(error).__name__}: {error}"), limit)
