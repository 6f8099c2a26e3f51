from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from nomad_tui.sanitize import is_clean, sanitize, sanitize_line, truncate


def test_escape_sequences_become_inert() -> None:
    osc52 = "\x1b]52;c;cHduZWQ=\x1b\\"
    out = sanitize(f"job{osc52}\x9b31m\x07")
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert out.startswith("job\u241b]52;c;")


def test_tab_and_newline_survive_sanitize_but_not_sanitize_line() -> None:
    assert sanitize("a\tb\nc") == "a\tb\nc"
    assert sanitize_line("a\tb\nc\rd") == "a\u2409b\u240ac\u240dd"
    assert sanitize("a\rb") == "a\u240db"


def test_bidi_overrides_and_surrogates_replaced() -> None:
    assert sanitize("abc\u202edef\u2066") == "abc\ufffddef\ufffd"
    assert sanitize("x\ud800y") == "x\ufffdy"


def test_clean_text_is_returned_unchanged() -> None:
    text = "example.cache[0] ✓ 日本"
    assert sanitize(text) is text


@given(st.text())
def test_output_never_contains_controls(text: str) -> None:
    out = sanitize(text)
    assert is_clean(out)
    assert not any((ord(ch) < 0x20 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F for ch in out)
    line = sanitize_line(text)
    assert "\n" not in line and "\t" not in line and is_clean(line)


def test_truncate_counts_terminal_cells() -> None:
    assert truncate("日本語のジョブ", 8) == "日本語…" and cell_len(truncate("日本語のジョブ", 8)) == 7
    assert truncate("emoji-🚀🚀", 8) == "emoji-…"
    assert truncate("日本語", 6) == "日本語" and truncate("plain", 5) == "plain"
