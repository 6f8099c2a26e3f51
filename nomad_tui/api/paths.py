"""Putting a value from the cluster into a URL path."""

from __future__ import annotations

from urllib.parse import quote


def path_segment(value: str) -> str:
    """`value` as exactly one path segment: every reserved character percent-encoded, and a value of
    only dots (`.`, `..`) encoded too — the HTTP client would otherwise resolve it as a dot segment,
    and an allocation ID `..` would turn `PUT /v1/allocation/../stop` into `PUT /v1/stop`."""
    quoted = quote(value, safe="")
    if quoted and quoted.strip(".") == "":
        return quoted.replace(".", "%2E")
    return quoted
