"""The request log tests read back: method, path, redacted query, whether a token came — never the token."""

from __future__ import annotations

from collections import deque
from typing import Any
from urllib.parse import unquote_plus

MAX_ENTRIES = 20_000
_NOT_SECRET = {"next_token", "idempotency_token"}


def redact_query(query: str) -> str:
    """Replace the value of any token-like parameter, keeping the rest of the raw query as sent."""
    parts = []
    for part in query.split("&") if query else []:
        key, sep, _value = part.partition("=")
        name = unquote_plus(key).lower()
        if sep and ("token" in name or "secret" in name) and name not in _NOT_SECRET:
            part = f"{key}=REDACTED"
        parts.append(part)
    return "&".join(parts)


class RequestLog:
    def __init__(self) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)
        self._seq = 0

    def begin(self, method: str, path: str, query: str, token: bool, ws: bool) -> dict[str, Any]:
        self._seq += 1
        entry: dict[str, Any] = {
            "seq": self._seq,
            "method": method,
            "path": path,
            "query": redact_query(query),
            "token": token,
            "status": 0,
            "ws": ws,
        }
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries.clear()
