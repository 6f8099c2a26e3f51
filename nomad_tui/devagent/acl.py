"""ACL tokens: a management token, an optional read-only token, revocation and its undoing, and where
tokens come from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum


class Capability(Enum):
    READ = "read"  # list/read allocs, stats, logs, events, namespaces, jobs, nodes
    READ_FS = "read-fs"  # fs ls/stat/cat/readat/stream: not in a read token, as not in Nomad's `read` policy
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

    def __init__(
        self,
        enabled: bool,
        management_token: str = "",
        read_token: str = "",
        namespace_tokens: Iterable[tuple[str, Iterable[str]]] = (),
    ) -> None:
        self.enabled = enabled
        self._roles: dict[str, Capability] = {}
        self._revoked: dict[str, Capability] = {}  # kept so a grant can give the token its role back
        self._namespaces: dict[str, frozenset[str]] = {}  # read tokens limited to these namespaces
        if management_token:
            self._roles[management_token] = Capability.MANAGEMENT
        if read_token:
            self._roles[read_token] = Capability.READ
        for secret, namespaces in namespace_tokens:
            self._roles[secret] = Capability.READ
            self._namespaces[secret] = frozenset(namespaces)

    def readable_namespaces(self, token: str) -> frozenset[str] | None:
        """The namespaces `token` may read jobs and allocations in; None means every namespace."""
        if not self.enabled:
            return None
        return self._namespaces.get(token)

    def may_read(self, token: str, namespace: str, existing: Iterable[str]) -> bool:
        """read-job in `namespace`; for `*`, in every namespace that exists (as Nomad's event stream
        requires, nomad/event_endpoint.go validateACL)."""
        if not self.allows(token, Capability.READ):
            return False
        scope = self.readable_namespaces(token)
        if scope is None:
            return True
        wanted = set(existing) if namespace == "*" else {namespace}
        return wanted <= scope

    def role_of(self, token: str) -> Capability | None:
        """The token's role; None for no token or one the agent does not know (or has revoked)."""
        return self._roles.get(token)

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
        role = self._roles.pop(token, None)
        if role is None:
            return False
        self._revoked[token] = role
        return True

    def grant(self, token: str) -> bool:
        """Undo `revoke`: the token gets its role back. False if it was not revoked."""
        role = self._revoked.pop(token, None)
        if role is None:
            return False
        self._roles[token] = role
        return True
