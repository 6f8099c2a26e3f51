"""The agent's command line: `nomad-tui devagent [flags]`."""

from __future__ import annotations

import argparse
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass


class ConfigError(ValueError):
    pass


DEFAULT_ALLOCS = 36
DEFAULT_CHURN = 0.5
# The Nomad release the agent answers as unless `--nomad-version` says otherwise.
DEFAULT_NOMAD_VERSION = "2.0.6"
OLDEST_NOMAD_VERSION = (0, 6, 0)
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def parse_nomad_version(text: str) -> tuple[int, int, int]:
    """`X.Y.Z` (a leading `v` allowed) as a tuple; ConfigError for anything else or older than 0.6.0."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise ConfigError(f"--nomad-version must look like 1.4.0, not {text!r}")
    parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if parts < OLDEST_NOMAD_VERSION:
        raise ConfigError("--nomad-version must be 0.6.0 or later")
    return parts


@dataclass(frozen=True)
class AgentConfig:
    bind: str = "127.0.0.1"
    port: int = 4646
    allocs: int = DEFAULT_ALLOCS
    seed: int = 1
    churn: float = DEFAULT_CHURN
    acl: bool = False
    acl_token: str = ""
    acl_read_token: str = ""
    exit_with_parent: bool = False
    start_time: float | None = None
    real_processes: bool = True
    region: str = "global"
    datacenter: str = "dc1"
    nomad_version: str = DEFAULT_NOMAD_VERSION

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_nomad_version(self.nomad_version)

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        """Whether the Nomad version the agent answers as is `major.minor.patch` or later.

        Routes ask this for behaviour that arrived in a given release, e.g. `at_least(1, 3)` for pagination.
        """
        return self.version_tuple >= (major, minor, patch)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nomad-tui devagent",
        description="Run the embedded Nomad-compatible dev agent (simulated cluster, real demo processes).",
    )
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4646, help="port (0 picks a free one; default 4646)")
    parser.add_argument("--allocs", type=int, default=DEFAULT_ALLOCS, help=f"allocations (default {DEFAULT_ALLOCS})")
    parser.add_argument("--seed", type=int, default=1, help="random seed for data and churn (default 1)")
    parser.add_argument(
        "--churn",
        type=float,
        default=DEFAULT_CHURN,
        help=f"churn events per second (default {DEFAULT_CHURN}; 0 = none)",
    )
    parser.add_argument("--acl", action="store_true", help="enable ACLs (needs --acl-token)")
    parser.add_argument("--acl-token", default="", help="management token secret (with --acl)")
    parser.add_argument("--acl-read-token", default="", help="read-only token secret (with --acl)")
    parser.add_argument("--exit-with-parent", action="store_true", help="exit when stdin reaches EOF")
    parser.add_argument(
        "--start-time",
        type=float,
        default=None,
        help="fix the simulated clock's origin (unix seconds); the clock then moves only with churn",
    )
    parser.add_argument("--no-processes", action="store_true", help="simulate every task (no real processes)")
    parser.add_argument(
        "--nomad-version",
        default=DEFAULT_NOMAD_VERSION,
        help=f"answer as this Nomad release X.Y.Z, with its API differences (default {DEFAULT_NOMAD_VERSION})",
    )
    return parser


def parse_args(argv: Sequence[str]) -> AgentConfig:
    args = build_parser().parse_args(list(argv))
    config = AgentConfig(
        bind=args.bind,
        port=args.port,
        allocs=args.allocs,
        seed=args.seed,
        churn=args.churn,
        acl=args.acl,
        acl_token=args.acl_token,
        acl_read_token=args.acl_read_token,
        exit_with_parent=args.exit_with_parent,
        start_time=args.start_time,
        real_processes=not args.no_processes,
        nomad_version=args.nomad_version.strip().removeprefix("v"),
    )
    validate(config)
    return config


def validate(config: AgentConfig) -> None:
    parse_nomad_version(config.nomad_version)
    if config.allocs < 0:
        raise ConfigError("--allocs must be >= 0")
    if config.churn < 0:
        raise ConfigError("--churn must be >= 0")
    if config.acl and not config.acl_token:
        raise ConfigError("--acl needs --acl-token SECRET (the management token)")
    if not config.acl and (config.acl_token or config.acl_read_token):
        raise ConfigError("--acl-token and --acl-read-token need --acl")
    if not is_loopback(config.bind) and not config.acl:
        raise ConfigError(f"refusing to bind {config.bind} without --acl: exec runs real commands on this machine")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
