"""Go's strconv/time parsers, with their error texts, because Nomad echoes those texts in 400/500 bodies."""

from __future__ import annotations

import re

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class GoParseError(ValueError):
    pass


def parse_bool(text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise GoParseError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def parse_int(text: str, bits: int = 64, signed: bool = True) -> int:
    func = "ParseInt" if signed else "ParseUint"
    body = text[1:] if signed and text[:1] in "+-" else text
    if not body or not body.isdigit() or not body.isascii():
        raise GoParseError(f'strconv.{func}: parsing "{text}": invalid syntax')
    value = int(text)
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if not low <= value <= high:
        raise GoParseError(f'strconv.{func}: parsing "{text}": value out of range')
    return value


def parse_duration_ns(text: str) -> int:
    """time.ParseDuration: a sequence of decimal numbers with units; a bare "0" is allowed."""
    rest = text
    sign = 1
    if rest[:1] in "+-":
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise GoParseError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(rest):
        match = _DURATION_PART.match(rest, pos)
        if match is None:
            if re.match(r"(\d+(?:\.\d*)?|\.\d+)$", rest[pos:]):
                raise GoParseError(f'time: missing unit in duration "{text}"')
            raise GoParseError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS_NS[match.group(2)]
        pos = match.end()
    return sign * int(total)
