"""A go-bexpr subset for `filter=`: ==, !=, is [not] empty, [not] in, [not] contains, [not] matches,
with and/or/not and parentheses, evaluated against the full Allocation.

Selectors are dotted paths (`TaskStates.web.State`, `Job.Type`) or use `["key"]` segments. An unknown
top-level field is an evaluation error, as in Nomad; a missing map key simply does not match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec


class FilterSyntaxError(ValueError):
    pass


class FilterEvalError(ValueError):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lp>\() | (?P<rp>\)) |
      (?P<op>==|!=) |
      (?P<str>"(?:[^"\\]|\\.)*") |
      (?P<raw>`[^`]*`) |
      (?P<num>-?\d+(?:\.\d+)?(?![\w.])) |
      (?P<word>[A-Za-z_][\w\-]*(?:(?:\.[A-Za-z_0-9][\w\-]*)|(?:\["(?:[^"\\]|\\.)*"\]))*)
    )""",
    re.VERBOSE,
)

_KEYWORDS = {"and", "or", "not", "is", "empty", "in", "contains", "matches"}


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise FilterSyntaxError(f'1:{pos + 1} ({pos}): no match found, expected: "(", "not" or selector')
        group = match.lastgroup or ""
        value = match.group(group)
        kind = value if group == "word" and value in _KEYWORDS else group
        tokens.append(_Tok(kind, value, match.start(group)))
        pos = match.end()
    return tokens


Predicate = Callable[[Any], bool]


def compile_filter(text: str, fields: Sequence[str]) -> Predicate:
    """Parse `text` once; the returned predicate evaluates one allocation (FilterEvalError on bad selectors)."""
    parser = _Parser(_tokenize(text), frozenset(fields))
    if not parser.tokens:
        raise FilterSyntaxError('1:1 (0): no match found, expected: "(", "not" or selector')
    predicate = parser.parse_or()
    if parser.i != len(parser.tokens):
        tok = parser.tokens[parser.i]
        raise FilterSyntaxError(f'1:{tok.pos + 1} ({tok.pos}): no match found, expected: "and", "or" or EOF')
    return predicate


class _Parser:
    def __init__(self, tokens: list[_Tok], fields: frozenset[str]) -> None:
        self.tokens = tokens
        self.fields = fields
        self.i = 0

    def _peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def _take(self, *kinds: str) -> _Tok:
        tok = self._peek()
        if tok is None or tok.kind not in kinds:
            where = tok.pos if tok else (self.tokens[-1].pos + len(self.tokens[-1].text) if self.tokens else 0)
            expected = " or ".join(f'"{k}"' for k in kinds)
            raise FilterSyntaxError(f"1:{where + 1} ({where}): no match found, expected: {expected}")
        self.i += 1
        return tok

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while (tok := self._peek()) is not None and tok.kind == "or":
            self.i += 1
            right = self.parse_and()
            left = (lambda a, b: lambda d: a(d) or b(d))(left, right)
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_not()
        while (tok := self._peek()) is not None and tok.kind == "and":
            self.i += 1
            right = self.parse_not()
            left = (lambda a, b: lambda d: a(d) and b(d))(left, right)
        return left

    def parse_not(self) -> Predicate:
        tok = self._peek()
        if tok is not None and tok.kind == "not":
            self.i += 1
            inner = self.parse_not()
            return lambda d: not inner(d)
        if tok is not None and tok.kind == "lp":
            self.i += 1
            inner = self.parse_or()
            self._take("rp")
            return inner
        return self.parse_match()

    def parse_match(self) -> Predicate:
        tok = self._peek()
        if tok is None:
            raise FilterSyntaxError('1:1 (0): no match found, expected: "(", "not" or selector')
        if tok.kind in ("str", "raw", "num"):
            # <value> [not] in <selector>
            value = _literal(self._take("str", "raw", "num"))
            negate = self._peek() is not None and self._peek().kind == "not"  # type: ignore[union-attr]
            if negate:
                self.i += 1
            self._take("in")
            selector = self._selector(self._take("word"))
            return _negated(lambda d: _contains(selector.get(d), value), negate)
        selector = self._selector(self._take("word"))
        op = self._take("op", "is", "not", "contains", "matches", "in")
        if op.kind == "op":
            value = _literal(self._take("str", "raw", "num", "word"))
            equal = op.text == "=="
            return _negated(lambda d: _equals(selector.get(d), value), not equal)
        if op.kind == "is":
            negate = self._peek() is not None and self._peek().kind == "not"  # type: ignore[union-attr]
            if negate:
                self.i += 1
            self._take("empty")
            return _negated(lambda d: _is_empty(selector.get(d)), negate)
        negate = op.kind == "not"
        if negate:
            op = self._take("contains", "matches", "in")
        value = _literal(self._take("str", "raw", "num", "word"))
        if op.kind == "matches":
            try:
                pattern = re.compile(str(value))
            except re.error as exc:
                raise FilterSyntaxError(f"error parsing regexp: {exc}") from exc
            return _negated(lambda d: _matches(selector.get(d), pattern), negate)
        if op.kind == "in":
            # <selector> in <value>: substring of a string value.
            return _negated(lambda d: _contains(value, selector.get(d)), negate)
        return _negated(lambda d: _contains(selector.get(d), value), negate)

    def _selector(self, tok: _Tok) -> _Selector:
        parts = _split_selector(tok.text)
        if parts[0] not in self.fields:
            # Nomad parses fine and fails while evaluating; we do the same lazily.
            return _Selector(parts, unknown=True)
        return _Selector(parts)


class _Missing:
    """A path that runs into a missing map key: it matches nothing (and every negation)."""


MISSING = _Missing()


@dataclass
class _Selector:
    parts: list[str]
    unknown: bool = False

    def get(self, datum: Any) -> Any:
        if self.unknown:
            path = "/" + "/".join(self.parts)
            raise FilterEvalError(_not_found(path, 0, self.parts[0]))
        value = datum
        for i, part in enumerate(self.parts):
            if isinstance(value, msgspec.Struct):
                if part not in value.__struct_fields__:
                    path = "/" + "/".join(self.parts)
                    raise FilterEvalError(_not_found(path, i, part))
                value = getattr(value, part)
            elif isinstance(value, dict):
                if part not in value:
                    return MISSING
                value = value[part]
            elif value is None:
                return MISSING
            else:
                path = "/" + "/".join(self.parts)
                raise FilterEvalError(f"error finding value in datum: {path} at part {i}: cannot index a scalar")
        return value


def _not_found(path: str, part: int, name: str) -> str:
    return f'error finding value in datum: {path} at part {part}: couldn\'t find key: struct field with name "{name}"'


def _negated(pred: Predicate, negate: bool) -> Predicate:
    def run(datum: Any) -> bool:
        return pred(datum) != negate

    return run


def _split_selector(text: str) -> list[str]:
    parts: list[str] = []
    for match in re.finditer(r'\["((?:[^"\\]|\\.)*)"\]|([^.\[]+)', text):
        parts.append(match.group(1) if match.group(1) is not None else match.group(2))
    return parts


def _literal(tok: _Tok) -> Any:
    if tok.kind == "str":
        return msgspec.json.decode(tok.text.encode())
    if tok.kind == "raw":
        return tok.text[1:-1]
    if tok.kind == "num":
        return float(tok.text) if "." in tok.text else int(tok.text)
    if tok.text in ("true", "false"):
        return tok.text == "true"
    return tok.text


def _coerce(value: Any, like: Any) -> Any:
    """bexpr converts the literal to the field's type before comparing."""
    if isinstance(like, bool):
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "false"):
            return text == "true"
        raise FilterEvalError(f'failed to convert "{value}" to bool')
    if isinstance(like, int):
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise FilterEvalError(f'failed to convert "{value}" to int') from exc
    if isinstance(like, float):
        return float(value)
    if isinstance(like, str):
        return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return value


def _equals(actual: Any, value: Any) -> bool:
    if actual is MISSING:
        return False
    if actual is None:
        return value == "" or value is None
    if isinstance(actual, msgspec.Struct | dict | list):
        return False
    return bool(actual == _coerce(value, actual))


def _is_empty(actual: Any) -> bool:
    if actual is MISSING or actual is None:
        return True
    if isinstance(actual, str | dict | list):
        return len(actual) == 0
    return False


def _contains(container: Any, value: Any) -> bool:
    if container is MISSING or container is None:
        return False
    if isinstance(container, str):
        return isinstance(value, str) and value in container
    if isinstance(container, dict):
        return value in container
    if isinstance(container, list):
        return any(_equals(item, value) for item in container)
    return False


def _matches(actual: Any, pattern: re.Pattern[str]) -> bool:
    if not isinstance(actual, str):
        return False
    return pattern.search(actual) is not None
