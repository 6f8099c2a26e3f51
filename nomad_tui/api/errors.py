"""Typed errors for everything that can go wrong talking to Nomad.

Each carries a short, sanitised message fit to show a user: the server's plain-text body (Nomad
sends errors as bare text, docs/nomad-wire.md §0.2), cut to a readable length, with control characters made inert
and any token value scrubbed out.
"""

from __future__ import annotations

from nomad_tui.sanitize import sanitize_line, truncate

MAX_MESSAGE = 300


def clean_message(text: str, *, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return truncate(sanitize_line(text.strip()), MAX_MESSAGE)


class NomadError(Exception):
    """Base class; `message` is safe to display, `status` is the HTTP status when there was one."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path

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
