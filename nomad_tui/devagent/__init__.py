"""The embedded Nomad-compatible dev agent: `nomad-tui devagent [flags]` (see docs/devagent.md).

Importing this package is cheap (the app imports `launcher` from it); the server itself, with aiohttp
and msgspec, loads only when `main` runs.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    from nomad_tui.devagent.serve import main as serve_main

    return serve_main(argv)
