from __future__ import annotations

from nomad_tui.ui.log_text import log_line_text


def test_colours_kept_escapes_inert() -> None:
    text = log_line_text("\x1b[31mred\x1b[0m and \x9b31m \x1b]0;title\x07 [b]x[/b]")
    assert "\x1b" not in text.plain and "\x9b" not in text.plain and "\x07" not in text.plain
    assert text.plain.startswith("red and ") and "[b]x[/b]" in text.plain
    assert any(str(span.style) == "color(1)" for span in text.spans)


def test_hyperlinks_are_removed() -> None:
    text = log_line_text("\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\")
    assert text.plain == "click me"
    assert not any(getattr(span.style, "link", None) for span in text.spans)


def test_colours_off_keeps_only_text() -> None:
    assert log_line_text("\x1b[1mbold\x1b[0m", colours=False).spans == []
