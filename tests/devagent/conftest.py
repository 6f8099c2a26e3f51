"""Dev agent test fixtures: agents served from a background thread's event loop on loopback ports.

Each agent runs in its own thread with its own loop, so tests (with their per-test loops) talk to it
only over the wire, like any client. Agents are shared per session where tests do not disturb each
other; fault, restart and ACL tests get their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .agents import AgentThread, make_config


@pytest.fixture(scope="session")
def agent() -> Iterator[AgentThread]:
    """The shared agent: 24 simulated allocations plus three real processes, no churn, fixed clock."""
    thread = AgentThread(make_config())
    yield thread
    thread.stop()


@pytest.fixture(scope="session")
def acl_agent() -> Iterator[AgentThread]:
    thread = AgentThread(
        make_config(acl=True, acl_token="mgmt-secret", acl_read_token="read-secret", real_processes=False)
    )
    yield thread
    thread.stop()


@pytest.fixture
def fresh_agent() -> Iterator[Callable[..., AgentThread]]:
    """A factory for private agents (faults, restarts) stopped after the test."""
    made: list[AgentThread] = []

    def factory(**overrides: Any) -> AgentThread:
        overrides.setdefault("real_processes", False)
        thread = AgentThread(make_config(**overrides))
        made.append(thread)
        return thread

    yield factory
    for thread in made:
        thread.stop()
