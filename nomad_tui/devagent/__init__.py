"""The embedded Nomad-compatible dev agent (placeholder until the agent lands)."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    raise SystemExit("the dev agent is not built yet")
