"""What `/v1/agent/self` says about the agent we talk to: its region and its Nomad version.

The version decides behaviour that changed between releases (docs/nomad-wire.md): `namespace=*` lists
every namespace only from 0.12 (before, it is a namespace literally named `*`), `/v1/namespaces` is
served by open-source agents from 1.0, a restart's `AllTasks` is read from 1.4, the exec handshake
frame from 0.11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")

Version = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class AgentInfo:
    region: str = ""
    version_text: str = ""  # as the agent says it, e.g. "1.7.2" or "1.8.0-beta.1" ("" unknown)
    version: Version | None = None

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool | None:
        """Whether the agent is `major.minor.patch` or newer; None when its version is unknown."""
        return None if self.version is None else self.version >= (major, minor, patch)


def parse_version(text: str) -> Version | None:
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def agent_info(body: object) -> AgentInfo:
    """From `/v1/agent/self`: `config.Version` is an object (0.7+) or a string (0.6), with
    `member.Tags.build` as a fallback; every key is optional."""
    if not isinstance(body, dict):
        return AgentInfo()
    config: Any = body.get("config")
    config = config if isinstance(config, dict) else {}
    region = config.get("Region")
    raw = config.get("Version")
    text = ""
    if isinstance(raw, dict):
        number = raw.get("Version")
        text = number if isinstance(number, str) else ""
        prerelease = raw.get("VersionPrerelease")
        if text and isinstance(prerelease, str) and prerelease:
            text = f"{text}-{prerelease}"
    elif isinstance(raw, str):
        text = raw
    if not text:
        member: Any = body.get("member")
        tags = member.get("Tags") if isinstance(member, dict) else None
        build = tags.get("build") if isinstance(tags, dict) else None
        text = build if isinstance(build, str) else ""
    return AgentInfo(region if isinstance(region, str) else "", text, parse_version(text))
