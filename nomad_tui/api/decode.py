"""Decode Nomad JSON into the typed models, tolerating whatever an agent of any age sends.

The fast path is msgspec's typed decoder in lax mode (`strict=False`), which already accepts the
0.x oddities: integers written as floats (`1e+10`, `1E+06`) or as numeric strings (`"5000000000"`).
Anything it still rejects (a `null` where Go never writes one, a string where a number belongs, a
fraction in an integer field) sends the document down a slow path: decode it untyped, walk it
against the model's schema once, drop or coerce every value that does not fit, and convert.  The
slow path only runs on odd documents, so normal responses cost nothing extra.
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from nomad_tui.api.errors import BadResponse

T = TypeVar("T")

_DROP = object()
_INT_MIN, _UINT_MAX = -(2**63), 2**64 - 1  # "this value cannot be used; let the field's default apply"

_decoders: dict[object, msgspec.json.Decoder[Any]] = {}
_type_info: dict[object, mi.Type] = {}


def _decoder(kind: Any) -> msgspec.json.Decoder[Any]:
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind, strict=False)
    return decoder


def decode(body: bytes, kind: type[T] | Any, *, path: str = "") -> T:
    """Decode `body` as `kind` (a model, or e.g. `list[AllocStub]`); raise BadResponse if hopeless."""
    try:
        return _decode(body, kind, path=path)
    except RecursionError:
        raise BadResponse("malformed JSON: nested too deeply", path=path) from None


def _decode(body: bytes, kind: type[T] | Any, *, path: str = "") -> T:
    try:
        return _decoder(kind).decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError:
        # msgspec refuses numbers beyond 64 bits (`1e400`, 2**70); the stdlib parses them, and the
        # repair below drops them.  Anything the stdlib refuses too is truly malformed.
        try:
            raw = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BadResponse(f"malformed JSON: {exc}", path=path) from None
    return convert(raw, kind, path=path)


def convert(raw: object, kind: type[T] | Any, *, path: str = "") -> T:
    """Convert already-parsed JSON to `kind`, repairing values that do not fit the schema."""
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError:
        pass
    info = _type_info.get(kind)
    if info is None:
        info = _type_info[kind] = mi.type_info(kind)
    repaired = _repair(raw, info)
    if repaired is _DROP:
        raise BadResponse(f"unexpected response shape: expected {_describe(info)}", path=path)
    try:
        return msgspec.convert(repaired, kind, strict=False)
    except msgspec.ValidationError as exc:  # pragma: no cover - _repair should make this impossible
        raise BadResponse(f"unexpected response shape: {exc}", path=path) from None


def _describe(info: mi.Type) -> str:
    if isinstance(info, mi.ListType):
        return "a JSON array"
    if isinstance(info, mi.StructType | mi.DictType):
        return "a JSON object"
    return type(info).__name__


def _repair(value: object, info: mi.Type) -> object:
    if isinstance(info, mi.AnyType):
        return value
    if isinstance(info, mi.UnionType):
        if value is None:
            return None if info.includes_none else _DROP
        for member in info.types:
            if isinstance(member, mi.NoneType):
                continue
            fixed = _repair(value, member)
            if fixed is not _DROP:
                return fixed
        return None if info.includes_none else _DROP
    if value is None:
        return _DROP
    if isinstance(info, mi.StructType):
        if not isinstance(value, dict):
            return _DROP
        fixed_obj: dict[str, object] = {}
        for field in info.fields:
            if field.encode_name in value:
                fixed = _repair(value[field.encode_name], field.type)
                if fixed is not _DROP:
                    fixed_obj[field.encode_name] = fixed
        return fixed_obj
    if isinstance(info, mi.ListType):
        if not isinstance(value, list):
            return _DROP
        items = (_repair(item, info.item_type) for item in value)
        return [item for item in items if item is not _DROP]
    if isinstance(info, mi.DictType):
        if not isinstance(value, dict):
            return _DROP
        out: dict[str, object] = {}
        for key, item in value.items():
            fixed = _repair(item, info.value_type)
            if fixed is not _DROP:
                out[str(key)] = fixed
        return out
    if isinstance(info, mi.BoolType):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        return _DROP
    if isinstance(info, mi.IntType):
        return _to_int(value)
    if isinstance(info, mi.FloatType):
        number = _to_float(value)
        return _DROP if number is None else number
    if isinstance(info, mi.StrType):
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return _DROP
    return _DROP


def _to_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _to_int(value: object) -> object:
    if isinstance(value, bool):
        return _DROP
    if isinstance(value, int):
        return value if _INT_MIN <= value <= _UINT_MAX else _DROP
    number = _to_float(value)
    if number is None:
        return _DROP
    # Go only writes integers here; a fraction means an odd agent, so keep the whole part.
    whole = int(number)
    return whole if _INT_MIN <= whole <= _UINT_MAX else _DROP
