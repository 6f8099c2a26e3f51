"""Turn one raw log line into safe display text.

ANSI colours may be kept, but only through Rich's ANSI parser, whose output is then sanitised again:
`Text.from_ansi` drops ESC-introduced sequences but leaves C1 bytes and BEL-terminated OSC bodies in
the text, and turns OSC 8 into hyperlink styles (a log line could plant a clickable link).  So the
plain text is sanitised (length-preserving, spans stay aligned) and links are removed.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Span, Text

from nomad_tui.sanitize import sanitize_line


def log_line_text(raw: str, *, colours: bool = True) -> Text:
    # A TAB inside a log line is layout, not a trick: one space (one for one keeps the spans aligned).
    raw = raw.replace("\t", " ")
    if "\x1b" not in raw and "\x9b" not in raw:
        return Text(sanitize_line(raw), no_wrap=True)
    parsed = Text.from_ansi(raw)
    safe = sanitize_line(parsed.plain)
    if not colours or len(safe) != len(parsed.plain):
        # (sanitize_line swaps each unsafe code point for exactly one, so lengths always match.)
        return Text(safe, no_wrap=True)
    spans = []
    for span in parsed.spans:
        style = span.style
        if not isinstance(style, Style):
            continue  # a style *name* would be looked up in the theme; ANSI parsing never makes one
        if style.link or style.meta:
            style = Style(
                color=style.color,
                bgcolor=style.bgcolor,
                bold=style.bold,
                dim=style.dim,
                italic=style.italic,
                underline=style.underline,
                strike=style.strike,
                reverse=style.reverse,
            )
        spans.append(Span(span.start, span.end, style))
    return Text(safe, spans=spans, no_wrap=True)
