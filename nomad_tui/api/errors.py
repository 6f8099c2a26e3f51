"""Typed errors for everything that can go wrong talking to Nomad.

Each carries a short, sanitised message fit to show a user: the server's plain-text body (Nomad
sends errors as bare text, docs/nomad-wire.md §0.2), cut to a readable length, with control characters made inert
and any token value scrubbed out.
"""

from __future__ import annotations

import json
import re

from nomad_tui.sanitize import sanitize_line, truncate

MAX_MESSAGE = 300
# Pieces of a secret between control characters that are at least this long are scrubbed too.
MIN_SECRET_PIECE = 4
_CONTROL = re.compile("[\x00-\x1f\x7f]+")


def secret_forms(secret: str) -> list[str]:
    """Every way an error text may quote `secret`: as is, as Python's str or bytes repr (httpx
    quotes a bad header value as b'…'), JSON-escaped, and each piece between control characters
    (a token with CR/LF is split wherever a message is cut at a line end).  Longest first."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    forms.add(repr(secret.encode("utf-8", "surrogateescape"))[2:-1])
    forms.update(piece for piece in _CONTROL.split(secret) if len(piece) >= MIN_SECRET_PIECE)
    return sorted((form for form in forms if form), key=len, reverse=True)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            for form in secret_forms(secret):
                text = text.replace(form, "***")
    return text


def clean_message(text: str, *, secrets: tuple[str, ...] = ()) -> str:
    text = scrub(text, secrets)
    # An error body is prose (an HTML page, a multi-line Go error): whitespace runs become one space.
    return truncate(sanitize_line(" ".join(text.split())), MAX_MESSAGE)


class NomadError(Exception):
    """Base class; `message` is safe to display, `status` is the HTTP status when there was one."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None, path: str = "", maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path
        # The request may have reached the agent and been carried out (a timeout or a connection
        # lost after sending): for an action, the outcome is unknown, not a failure.
        self.maybe_sent = maybe_sent

    def __str__(self) -> str:
        prefix = f"{self.status} " if self.status else ""
        return f"{prefix}{self.message}"


class Unreachable(NomadError):
    """No answer: connection refused or reset, DNS failure, TLS failure, dropped mid-response."""

    kind = "unreachable"


class NomadTimeout(Unreachable):
    """The agent accepted the connection but did not answer in time."""

    kind = "timeout"


class PermissionDenied(NomadError):
    """403: the token is missing, unknown, expired or lacks a capability."""

    kind = "permission denied"


class Unauthorized(PermissionDenied):
    """401: no token came with a request that needs one (Nomad's Task API socket answers so before any
    handler, command/agent/http.go authMiddleware)."""

    kind = "no token"


class NotFound(NomadError):
    """404: e.g. an allocation that has been garbage-collected."""

    kind = "not found"


class ServerError(NomadError):
    """5xx with the server's message."""

    kind = "server error"


class Throttled(NomadError):
    """429: the agent's per-client connection limit (`limits.http_max_conns_per_client`, 100 by
    default) was reached; it closes the connection after answering."""

    kind = "too many connections"


class BadRequest(NomadError):
    """Another 4xx: the request itself was wrong (a bug on our side, or an old agent)."""

    kind = "bad request"


class BadResponse(NomadError):
    """A 2xx whose body we could not understand (malformed JSON, wrong shape)."""

    kind = "bad response"


class ResponseTooLarge(BadResponse):
    """A body (or its gzip inflation) above the cap for what was asked: reading stopped there."""

    kind = "response too large"


class Unexpected(NomadError):
    """Anything else that went wrong fetching or decoding (a bug, or a body no decoder survives):
    it takes the same backoff as every other failure instead of killing the watcher."""

    kind = "internal error"


def error_for_status(status: int, body: str, *, path: str = "", secrets: tuple[str, ...] = ()) -> NomadError:
    message = clean_message(body, secrets=secrets) or f"HTTP {status}"
    if status == 401:
        return Unauthorized(message, status=status, path=path)
    if status == 403 or (status >= 500 and is_permission_denied(message)):
        # A server forwarding a client-side call (logs, fs) answers its "Permission denied" as a 500
        # (nomad/client_fs_endpoint.go): still a permission problem, not a server fault to retry.
        return PermissionDenied(message, status=status, path=path)
    if status == 429:
        return Throttled(message, status=status, path=path)
    if status == 404:
        return NotFound(message, status=status, path=path)
    if status >= 500:
        return ServerError(message, status=status, path=path)
    return BadRequest(message, status=status, path=path)


def is_permission_denied(message: str) -> bool:
    """Nomad's ErrPermissionDenied text, alone or at the end of an RPC error chain."""
    return message.rstrip().lower().endswith("permission denied")
