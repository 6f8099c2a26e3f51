"""What the status bar says about a watched resource: live, retrying (and why), and how fresh."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nomad_tui.api.errors import NomadError, NomadTimeout, PermissionDenied, Unreachable


class Phase(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RETRYING = "retrying"


@dataclass(frozen=True, slots=True)
class ConnectionState:
    phase: Phase = Phase.CONNECTING
    index: int = 0
    known_leader: bool | None = None
    last_contact_ms: int | None = None
    last_success: float | None = None  # monotonic seconds
    last_change: float | None = None  # monotonic seconds: when the data last changed
    retry_at: float | None = None  # monotonic seconds
    error_kind: str = ""  # "unreachable", "permission denied", "server error", ...
    error: str = ""  # sanitised message
    attempt: int = 0
    mode: str = ""  # how the data is kept live: "events" (the event stream) or "list" (blocking lists)
    note: str = ""  # why that mode, when it is a fallback ("event stream refused: …")
    mode_detail: str = ""  # a few words shown beside the mode ("3 namespaces": one stream each)

    @classmethod
    def failed(cls, previous: ConnectionState, error: NomadError, attempt: int, retry_at: float) -> ConnectionState:
        return cls(
            phase=Phase.RETRYING,
            index=previous.index,
            known_leader=previous.known_leader,
            last_contact_ms=previous.last_contact_ms,
            last_success=previous.last_success,
            last_change=previous.last_change,
            retry_at=retry_at,
            error_kind=error_kind(error),
            error=error.message,
            attempt=attempt,
            mode=previous.mode,
            note=previous.note,
            mode_detail=previous.mode_detail,
        )

    def describe(self, now: float) -> str:
        """One line for the status bar: "live", "unreachable · reconnecting in 4s", ..."""
        if self.phase is Phase.CONNECTING:
            return "connecting…"
        if self.phase is Phase.LIVE:
            text = "live" if self.known_leader is not False else "live (no cluster leader)"
            if not self.mode:
                return text
            return f"{text} · {self.mode} ({self.mode_detail})" if self.mode_detail else f"{text} · {self.mode}"
        wait = max(0, round((self.retry_at or now) - now))
        verb = "retrying" if self.error_kind == "permission denied" else "reconnecting"
        return f"{self.error_kind} · {verb} in {wait}s"

    def stale_for(self, now: float) -> float | None:
        """Seconds since the data was last confirmed, while we cannot confirm it."""
        if self.phase is not Phase.RETRYING or self.last_success is None:
            return None
        return now - self.last_success


def error_kind(error: NomadError) -> str:
    if isinstance(error, PermissionDenied):
        return "permission denied"
    if isinstance(error, NomadTimeout):
        return "timed out"
    if isinstance(error, Unreachable):
        return "unreachable"
    return error.kind
