"""Encode keys and pastes into the bytes a remote program expects from an xterm.

Input is what a Textual `Key` event carries, as plain strings (`key="ctrl+a"`, `character="\\x01"`),
so this module has no Textual import and can be tested on its own.  Textual spells modifiers
`ctrl`, `shift`, `alt`, `meta`, `super`, `hyper`, joined with `+` before the key name.
"""

from __future__ import annotations

import re

# xterm's modifier parameter: 1 + shift(1) + alt(2) + ctrl(4) + meta(8).
_MODIFIER_BITS = {"shift": 1, "alt": 2, "ctrl": 4, "meta": 8}

_SIMPLE = {
    "enter": b"\r",
    "return": b"\r",
    "tab": b"\t",
    "backspace": b"\x7f",
    "escape": b"\x1b",
    "space": b" ",
}

# Keys sent as CSI <letter> / SS3 <letter>: in normal mode ESC [ x, in application-cursor mode
# ESC O x; with modifiers always ESC [ 1 ; m x.
_CURSOR_KEYS = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}

# Keys sent as ESC [ n ~ (ESC [ n ; m ~ with modifiers).
_TILDE_KEYS = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}
# F1-F4 are SS3 P..S (ESC [ 1 ; m P..S with modifiers).
_SS3_FUNCTION_KEYS = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}

# ctrl + a punctuation key, as xterm sends it (Textual's key names for the characters).
_CTRL_SYMBOLS = {
    "@": 0x00,
    "at": 0x00,
    "space": 0x00,
    "2": 0x00,
    "left_square_bracket": 0x1B,
    "3": 0x1B,
    "backslash": 0x1C,
    "4": 0x1C,
    "right_square_bracket": 0x1D,
    "5": 0x1D,
    "circumflex_accent": 0x1E,
    "6": 0x1E,
    "underscore": 0x1F,
    "minus": 0x1F,
    "slash": 0x1F,
    "7": 0x1F,
    "question_mark": 0x7F,
    "8": 0x7F,
}

PASTE_START = b"\x1b[200~"
PASTE_END = b"\x1b[201~"
# Anything a paste could use to act as keystrokes: C0 controls except TAB/LF/CR, DEL, C1 controls.
_PASTE_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _split(key: str) -> tuple[set[str], str]:
    """`"ctrl+shift+up"` -> `({"ctrl", "shift"}, "up")`.  A bare `"+"` key is its own name."""
    if key == "+" or "+" not in key:
        return set(), key
    *modifiers, name = key.split("+")
    if not name:  # "ctrl++"
        name = "+"
    return set(modifiers), name


def _modifier_parameter(modifiers: set[str]) -> int:
    return 1 + sum(bit for name, bit in _MODIFIER_BITS.items() if name in modifiers)


def encode_key(key: str, character: str | None = None, *, application_cursor: bool = False) -> bytes:
    """The bytes for one key press, or `b""` for keys a terminal does not send."""
    modifiers, name = _split(key)
    if modifiers & {"super", "hyper"}:
        return b""  # a terminal never receives these; leave them to the app
    alt = bool(modifiers & {"alt", "meta"})
    ctrl = "ctrl" in modifiers
    shift = "shift" in modifiers

    if name in _CURSOR_KEYS:
        final = _CURSOR_KEYS[name]
        if modifiers:
            return f"\x1b[1;{_modifier_parameter(modifiers)}{final}".encode()
        return ("\x1bO" if application_cursor else "\x1b[").encode() + final.encode()
    if name in _TILDE_KEYS:
        number = _TILDE_KEYS[name]
        if modifiers:
            return f"\x1b[{number};{_modifier_parameter(modifiers)}~".encode()
        return f"\x1b[{number}~".encode()
    if name in _SS3_FUNCTION_KEYS:
        final = _SS3_FUNCTION_KEYS[name]
        if modifiers:
            return f"\x1b[1;{_modifier_parameter(modifiers)}{final}".encode()
        return f"\x1bO{final}".encode()
    if name.startswith("f") and name[1:].isdigit() and 13 <= int(name[1:]) <= 24:
        # xterm reports F13-F24 as shift+F1..F12.
        return encode_key(f"shift+f{int(name[1:]) - 12}", None, application_cursor=application_cursor)

    prefix = b"\x1b" if alt else b""
    if name == "tab" and shift:
        return prefix + b"\x1b[Z"
    if name == "backspace" and ctrl:
        return prefix + b"\x08"
    if name in ("enter", "return") and ctrl:
        return prefix + b"\n"  # xterm sends LF for ctrl+enter
    if ctrl:
        code = _ctrl_code(name, character)
        return prefix + bytes([code]) if code is not None else b""
    if name in _SIMPLE:
        return prefix + _SIMPLE[name]
    text = _printable_text(name, character)
    if text is None:
        return b""
    return prefix + text.encode()


def _ctrl_code(name: str, character: str | None) -> int | None:
    if len(name) == 1 and name.isascii() and name.isalpha():
        return ord(name.lower()) & 0x1F
    if name in _CTRL_SYMBOLS:
        return _CTRL_SYMBOLS[name]
    if character and len(character) == 1 and ord(character) < 0x20:
        return ord(character)  # Textual already produced the control character
    return None


def _printable_text(name: str, character: str | None) -> str | None:
    if character and character.isprintable():
        return character
    if len(name) == 1 and name.isprintable():
        return name  # alt+x arrives with the key name "x"
    return None


def encode_paste(text: str, bracketed: bool) -> bytes:
    """The bytes for pasted text.

    Line endings become CR, as a terminal sends them.  Control characters other than TAB and the
    line breaks are removed, so a paste cannot smuggle in keystrokes (an ESC would otherwise start
    a key sequence in the remote's line editor).  With bracketed paste on, the text is wrapped in
    ESC[200~ … ESC[201~; removing ESC already rules out an embedded end-of-paste marker, and the
    marker is stripped again on principle, repeatedly, in case one removal joins another.
    """
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    text = _PASTE_UNSAFE.sub("", text)
    data = text.encode()
    if not bracketed:
        return data
    while PASTE_END in data or PASTE_START in data:
        data = data.replace(PASTE_END, b"").replace(PASTE_START, b"")
    return PASTE_START + data + PASTE_END
