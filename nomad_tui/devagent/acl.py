"""ACL tokens: a management token, an optional read-only token, revocation, and where tokens come from."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum


class Capability(Enum):
    READ = "read"  # list/read allocs, stats, logs, events, namespaces, jobs, nodes
    LIFECYCLE = "lifecycle"  # stop, signal, restart, exec
    MANAGEMENT = "management"  # the control endpoint and the all-topics event stream


PERMISSION_DENIED = "Permission denied"


def token_from_headers(headers: Mapping[str, str]) -> str:
    """X-Nomad-Token (trimmed) first, then `Authorization: Bearer <tok>`; never the query string."""
    token = headers.get("X-Nomad-Token", "").strip()
    if token:
        return token
    auth = headers.get("Authorization", "")
    parts = auth.split()
    if len(parts) >= 2 and parts[0].lower() == "bearer":
        return parts[1]
    return ""


class AclPolicy:
    """With `enabled` false every token (bogus ones too) may do everything, as in Nomad."""

    def __init__(self, enabled: bool, management_token: str = "", read_token: str = "") -> None:
        self.enabled = enabled
        self._roles: dict[str, Capability] = {}
        if management_token:
            self._roles[management_token] = Capability.MANAGEMENT
        if read_token:
            self._roles[read_token] = Capability.READ

    def allows(self, token: str, needed: Capability) -> bool:
        if not self.enabled:
            return True
        role = self._roles.get(token)
        if role is None:
            return False
        if role is Capability.MANAGEMENT:
            return True
        return needed is Capability.READ

    def revoke(self, token: str) -> bool:
        return self._roles.pop(token, None) is not None
