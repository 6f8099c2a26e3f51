"""ACL tokens: a management token, read, write and exec tokens with the capabilities Nomad's policies
give (acl/policy.go `expandNamespacePolicy`), revocation and its undoing, and where tokens come from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum


class Capability(Enum):
    READ = "read"  # read-job: list/read allocs, stats, events, namespaces, jobs, nodes
    READ_LOGS = "read-logs"  # the logs endpoint (read-fs also allows it)
    READ_FS = "read-fs"  # /v1/client/fs/*
    LIFECYCLE = "alloc-lifecycle"  # stop, signal, restart
    ALLOC_EXEC = "alloc-exec"  # exec
    ALLOC_NODE_EXEC = "alloc-node-exec"  # exec into tasks without filesystem isolation (raw_exec)
    AGENT_READ = "agent-read"  # /v1/agent/self (agent { policy = "read" })
    MANAGEMENT = "management"  # the control endpoint and the all-topics event stream


# What each kind of token may do. `read` and `write` are Nomad's namespace policies (read has no
# read-logs/read-fs; write has them and alloc-exec, not alloc-node-exec), each with agent read here.
READ_ROLE = frozenset({Capability.READ, Capability.AGENT_READ})
NAMESPACE_READ_ROLE = frozenset({Capability.READ})
WRITE_ROLE = READ_ROLE | {
    Capability.READ_LOGS,
    Capability.READ_FS,
    Capability.LIFECYCLE,
    Capability.ALLOC_EXEC,
}
EXEC_ROLE = WRITE_ROLE | {Capability.ALLOC_NODE_EXEC}
MANAGEMENT_ROLE = frozenset(Capability)


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
        write_token: str = "",
        exec_token: str = "",
    ) -> None:
        self.enabled = enabled
        self._roles: dict[str, frozenset[Capability]] = {}
        self._revoked: dict[str, frozenset[Capability]] = {}  # kept so a grant can give the role back
        self._namespaces: dict[str, frozenset[str]] = {}  # read tokens limited to these namespaces
        for secret, role in (
            (read_token, READ_ROLE),
            (write_token, WRITE_ROLE),
            (exec_token, EXEC_ROLE),
            (management_token, MANAGEMENT_ROLE),
        ):
            if secret:
                self._roles[secret] = role
        for secret, namespaces in namespace_tokens:
            self._roles[secret] = NAMESPACE_READ_ROLE
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
        """MANAGEMENT for the management token, READ for any other token the agent knows (read, write,
        exec or namespace-scoped); None for no token or one it does not know (or has revoked)."""
        role = self._roles.get(token)
        if role is None:
            return None
        return Capability.MANAGEMENT if role == MANAGEMENT_ROLE else Capability.READ

    def allows(self, token: str, needed: Capability) -> bool:
        if not self.enabled:
            return True
        role = self._roles.get(token)
        return role is not None and needed in role

    def known(self, token: str) -> bool:
        """A token that exists (whatever it may do)."""
        return not self.enabled or token in self._roles

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
