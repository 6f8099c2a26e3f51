"""Our VT tokenizer, driving an `XtermScreen` in place of pyte's `Stream`.

pyte's `Stream` walks escape sequences one character at a time through a generator, raises
`TypeError` out of `feed()` on valid input with extra parameters (`ESC[1;2;3;4;5H`, `ESC[?1;2r`) and
then drops the rest of the chunk, treats `:` as a CSI final byte, prints the body of DCS/APC strings
as text, and treats `CSI > 4;2 m` (vim's modifyOtherKeys) as SGR underline+bold.

This tokenizer matches whole tokens with one regular expression instead (with XtermScreen, about 3x
stock pyte on real htop/ls output and 10x on plain text, see bench/exec.py), and:
- keeps an incomplete sequence at the end of a chunk and finishes it with the next chunk;
- dispatches each token inside its own `try`, so one bad sequence never costs the rest of the chunk;
- trims or pads parameters to what each handler accepts;
- swallows OSC/DCS/APC/PM/SOS strings (OSC 0/2 set the title, everything else, OSC 52 included,
  is dropped), with a size cap so an unterminated string cannot grow without bound.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from nomad_tui.term.pyte_screen import XtermScreen

# Lengths past which a still-incomplete sequence is abandoned.
MAX_SEQUENCE = 256  # CSI / ESC: real ones are a few dozen characters
MAX_STRING = 8192  # OSC / DCS bodies: past this we discard up to the terminator

_STRING_INTRO = "\x90\x98\x9d\x9e\x9f"  # C1 DCS, SOS, OSC, PM, APC
_STRING_INTRO_7BIT = ("]", "P", "X", "^", "_")  # the same after ESC
# Alternatives start with disjoint characters, so their order only matters for speed: the
# commonest first (each failed alternative costs a little on every token).
_TOKEN = re.compile(
    r"(?P<text>[^\x00-\x1f\x7f-\x9f]+)"
    r"|(?P<crlf>\r\n)"  # the most common pair of controls, dispatched as one token
    # C0 controls inside a CSI are executed where they stand and the sequence goes on (VT100, xterm;
    # vttest 1.5); ESC, CAN and SUB end it.
    r"|(?:\x1b\[|\x9b)(?P<params>[0-?\x00-\x17\x19\x1c-\x1f]*)(?P<inter>[ -/\x00-\x17\x19\x1c-\x1f]*)(?P<final>[@-~])"
    r"|(?P<control>[\x00-\x1a\x1c-\x1f\x7f-\x8f\x91-\x97\x99\x9a\x9c])"
    # ESC finals exclude the introducers of CSI/OSC/DCS/SOS/PM/APC ([ ] P X ^ _), which are
    # either matched below or incomplete.
    r"|\x1b(?P<esc_inter>[ -/]*)(?P<esc_final>[0-OQ-WYZ\\`-~])"  # same class as _ESC_FINAL
    r"|(?:\x1b\]|\x9d)(?P<osc>[^\x07\x1b\x9c]*)(?:\x07|\x1b\\|\x9c)"
    r"|(?P<string>(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c))"
)
# Group numbers, compared against Match.lastindex (the last group to close names the token).
_TEXT = _TOKEN.groupindex["text"]
_CRLF = _TOKEN.groupindex["crlf"]
_CSI_PARAMS = _TOKEN.groupindex["params"]
_CSI_INTER = _TOKEN.groupindex["inter"]
_CSI = _TOKEN.groupindex["final"]
_CONTROL = _TOKEN.groupindex["control"]
_ESC_INTER = _TOKEN.groupindex["esc_inter"]
_ESC = _TOKEN.groupindex["esc_final"]
_OSC = _TOKEN.groupindex["osc"]
_MARKERS = ("<", "=", ">", "?")  # private-parameter prefixes
_C0 = re.compile(r"[\x00-\x1f]")

# The beginning of any sequence, for deciding between "incomplete" and "malformed".
_PARTIAL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?\x00-\x17\x19\x1c-\x1f]*[ -/\x00-\x17\x19\x1c-\x1f]*"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*"
    r"|\x1b[ -/]*"
)
_ESC_FINAL = re.compile(r"[0-OQ-WYZ\\`-~]")
# Where skipping an over-long sequence stops: at its terminator, or before whatever interrupts it
# (exactly where a complete-but-too-long or an interrupted sequence would have ended).
_DISCARD_END = {
    "osc": re.compile(r"\x07|\x9c|\x1b\\?"),
    "dcs": re.compile(r"\x9c|\x1b\\?"),
    "csi": re.compile(r"[^0-? -/]"),
    "esc": re.compile(r"[^ -/]"),
}

# CSI final byte -> XtermScreen method, for sequences without a private marker.
_CSI_METHODS = {
    "@": "insert_characters",
    "A": "cursor_up",
    "B": "cursor_down",
    "C": "cursor_forward",
    "D": "cursor_back",
    "E": "cursor_down1",
    "F": "cursor_up1",
    "G": "cursor_to_column",
    "H": "cursor_position",
    "I": "tab_forward",
    "J": "erase_in_display",
    "K": "erase_in_line",
    "L": "insert_lines",
    "M": "delete_lines",
    "P": "delete_characters",
    "S": "scroll_up",
    "T": "scroll_down",
    "X": "erase_characters",
    "Z": "tab_backward",
    "`": "cursor_to_column",
    "a": "cursor_forward",
    "b": "repeat_last_char",
    "c": "report_device_attributes",
    "d": "cursor_to_line",
    "e": "cursor_down",
    "f": "cursor_position",
    "g": "clear_tab_stop",
    "h": "set_mode",
    "l": "reset_mode",
    "n": "report_device_status",
    "r": "set_margins",
    "s": "save_cursor",
    "u": "restore_cursor",
}
_ESC_METHODS = {
    "c": "reset",
    "D": "index",
    "E": "next_line",
    "M": "reverse_index",
    "H": "set_tab_stop",
    "7": "save_cursor",
    "8": "restore_cursor",
}
_CONTROL_METHODS = {
    "\x07": "bell",
    "\x08": "backspace",
    "\x09": "tab",
    "\x0a": "linefeed",
    "\x0b": "linefeed",
    "\x0c": "linefeed",
    "\x0d": "carriage_return",
    "\x0e": "shift_out",
    "\x0f": "shift_in",
}


def _kind(sequence: str) -> str:
    """Which kind of sequence an (incomplete) ESC/C1 sequence is."""
    first, second = sequence[0], sequence[1:2]
    if first == "\x9d" or (first == "\x1b" and second == "]"):
        return "osc"
    if first in _STRING_INTRO or (first == "\x1b" and second in _STRING_INTRO_7BIT):
        return "dcs"
    if first == "\x9b" or second == "[":
        return "csi"
    return "esc"


def _arity(method: Callable[..., Any]) -> tuple[int, int]:
    """(required, accepted) positional parameters of a bound method."""
    required = accepted = 0
    for parameter in inspect.signature(method).parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            return required, 1 << 16
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            accepted += 1
            if parameter.default is parameter.empty:
                required += 1
    return required, accepted


def _numbers(params: str) -> list[int]:
    """`"1;;3:4"` -> `[1, 0, 3]`: missing values are 0, sub-parameters are dropped, 9999 at most."""
    if not params:
        return []
    numbers = []
    for field in params.split(";"):
        head = field.split(":", 1)[0]
        numbers.append(min(int(head), 9999) if head.isdigit() else 0)
    return numbers


class VtParser:
    """Feeds decoded text into an `XtermScreen`; never raises."""

    def __init__(self, screen: XtermScreen) -> None:
        self.screen = screen
        self.errors = 0  # handler exceptions swallowed, for diagnostics and tests
        self._pending = ""
        # The kind of over-long sequence being skipped ("osc", "dcs", "csi", "esc"), if any.
        self._discarding: str | None = None
        self._csi = {final: self._bind(name) for final, name in _CSI_METHODS.items()}
        self._esc = {final: getattr(screen, name) for final, name in _ESC_METHODS.items()}
        self._controls = {char: getattr(screen, name) for char, name in _CONTROL_METHODS.items()}

    def _bind(self, name: str) -> tuple[Callable[..., Any], int, int]:
        method = getattr(self.screen, name)
        required, accepted = _arity(method)
        return method, required, accepted

    def reset(self) -> None:
        """Forget a half-received sequence (after bytes were skipped)."""
        self._pending = ""
        self._discarding = None

    # ------------------------------------------------------------------ tokenizing

    def feed(self, text: str) -> None:
        if self._pending:
            text = self._pending + text
            self._pending = ""
        if self._discarding:
            remaining = self._skip_discarded(text)
            if remaining is None:
                return
            text = remaining
        screen = self.screen
        draw = screen.draw
        apply_sgr = screen.apply_sgr
        match = _TOKEN.match
        position = 0
        length = len(text)
        while position < length:
            token = match(text, position)
            if token is None:
                position = self._incomplete_or_malformed(text, position)
                continue
            start = position
            position = token.end()
            kind = token.lastindex
            try:
                if kind == _TEXT:
                    draw(token.group())
                elif kind == _CSI:
                    if position - start > MAX_SEQUENCE:
                        continue  # junk; skipped the same way when it arrives split
                    params, intermediates, final = token.group(_CSI_PARAMS, _CSI_INTER, _CSI)
                    if _C0.search(params) or _C0.search(intermediates):
                        params, intermediates = self._run_embedded_controls(params + "\x00" + intermediates)
                    if final == "m" and not intermediates and not params.startswith(_MARKERS):
                        apply_sgr(params)  # the commonest sequence of all, straight through
                    else:
                        self._dispatch_csi(params, intermediates, final)
                elif kind == _CRLF:
                    screen.cursor.x = 0
                    screen.linefeed()
                elif kind == _CONTROL:
                    handler = self._controls.get(token.group())
                    if handler is not None:
                        handler()
                elif kind == _ESC:
                    self._dispatch_esc(token.group(_ESC_INTER), token.group(_ESC))
                elif kind == _OSC and position - start <= MAX_STRING:
                    self._dispatch_osc(token.group(_OSC))
                # _STRING: DCS/SOS/PM/APC bodies are dropped whole.
            except Exception:
                self.errors += 1

    def _run_embedded_controls(self, body: str) -> tuple[str, str]:
        """Execute the C0 controls found inside a CSI; the parameters and intermediates without
        them (`body` is params NUL intermediates; NUL itself does nothing)."""
        for control in _C0.findall(body):
            handler = self._controls.get(control)
            if handler is not None:
                handler()
        params, _, intermediates = body.partition("\x00")
        return _C0.sub("", params), _C0.sub("", intermediates)

    def _incomplete_or_malformed(self, text: str, position: int) -> int:
        """Handle the sequence starting at `position` that no complete token matched."""
        partial = _PARTIAL.match(text, position)
        if partial is None:
            return position + 1
        end = partial.end()
        kind = _kind(text[position : position + 2])
        is_string = kind in ("osc", "dcs")
        # Incomplete: it runs to the end of the chunk, or (strings only) is followed by a final
        # ESC that may be the first half of the terminating ESC \.
        if end == len(text) or (is_string and end == len(text) - 1 and text[end] == "\x1b"):
            tail = text[position:]
            if len(tail) < (MAX_STRING if is_string else MAX_SEQUENCE):
                self._pending = tail
            else:
                self._discarding = kind
                self._pending = "\x1b" if is_string and tail.endswith("\x1b") else ""
            return len(text)
        # Interrupted by something that cannot continue it: drop what we have, go on from there.
        return max(end, position + 1)

    def _skip_discarded(self, text: str) -> str | None:
        """Skip the rest of an over-long sequence; the text after it, or None if it goes on."""
        kind = self._discarding
        assert kind is not None
        end = _DISCARD_END[kind].search(text)
        if end is None:
            return None
        found = end.group()
        if found == "\x1b" and end.end() == len(text) and kind in ("osc", "dcs"):
            self._pending = "\x1b"  # maybe the first half of ESC \
            return None
        self._discarding = None
        consumed = (
            found in ("\x07", "\x9c", "\x1b\\")
            or (kind == "csi" and "@" <= found <= "~")
            or (kind == "esc" and _ESC_FINAL.fullmatch(found) is not None)
        )
        return text[end.end() :] if consumed else text[end.start() :]

    # ------------------------------------------------------------------ dispatch

    def _dispatch_csi(self, params: str, intermediates: str, final: str) -> None:
        if intermediates:
            if final == "p" and intermediates == "!" and not params:
                self.screen.soft_reset()  # DECSTR
            elif final == "p" and intermediates == "$":  # DECRQM
                private = params.startswith("?")
                numbers = _numbers(params[1:] if private else params)
                if numbers:
                    self.screen.request_mode(numbers[0], private)
            return  # DECSCUSR…: nothing we draw depends on them
        marker = params[:1]
        if marker and marker in "<=>?":
            params = params[1:]
            if marker == "?":
                if final == "h":
                    self.screen.set_mode(*_numbers(params), private=True)
                elif final == "l":
                    self.screen.reset_mode(*_numbers(params), private=True)
                elif final in "JK":
                    self._call_csi(final, params)  # selective erase: erase as usual
            elif marker == ">" and final == "c":
                self.screen.report_secondary_attributes()
            return  # modifyOtherKeys, kitty keyboard, XTVERSION…: ignored
        if final == "m":
            self.screen.apply_sgr(params)
            return
        self._call_csi(final, params)

    def _call_csi(self, final: str, params: str) -> None:
        entry = self._csi.get(final)
        if entry is None:
            return
        method, required, accepted = entry
        numbers = _numbers(params)
        if len(numbers) > accepted:
            del numbers[accepted:]
        elif len(numbers) < required:
            numbers += [0] * (required - len(numbers))
        method(*numbers)

    def _dispatch_esc(self, intermediates: str, final: str) -> None:
        screen = self.screen
        if not intermediates:
            if final == "=":
                screen.keypad_application = True
            elif final == ">":
                screen.keypad_application = False
            else:
                handler = self._esc.get(final)
                if handler is not None:
                    handler()
        elif intermediates == "#" and final == "8":
            screen.alignment_display()
        elif intermediates in ("(", ")"):
            screen.define_charset(final, intermediates)

    def _dispatch_osc(self, body: str) -> None:
        code, _, value = body.partition(";")
        if code in ("0", "2"):
            self.screen.set_title(value)
        # OSC 1 (icon), 52 (clipboard), 8 (hyperlink), 7 (cwd), 4/10/11 (palette)…: dropped.
