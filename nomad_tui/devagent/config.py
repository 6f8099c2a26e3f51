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


DEFAULT_EVENT_BUFFER = 100  # Nomad's event_buffer_size default (command/agent/config.go)
DEFAULT_EVENT_HEARTBEAT = 30.0  # seconds between `{}` lines on the event stream (nomad/stream/ndjson.go)


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
    acl_write_token: str = ""  # Nomad's namespace write policy (logs, fs, lifecycle, alloc-exec)
    acl_exec_token: str = ""  # write plus alloc-node-exec (exec into raw_exec-like tasks)
    exit_with_parent: bool = False
    start_time: float | None = None
    real_processes: bool = True
    region: str = "global"
    datacenter: str = "dc1"
    nomad_version: str = DEFAULT_NOMAD_VERSION
    event_buffer: int = DEFAULT_EVENT_BUFFER
    event_heartbeat: float = DEFAULT_EVENT_HEARTBEAT
    # Read tokens limited to some namespaces: (secret, namespaces) pairs.
    acl_namespace_tokens: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # HTTPS: a certificate and key (PEM); with a client CA, clients must show a certificate it signed.
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    # Serve on this unix socket instead of TCP, as Nomad's Task API does (a header token is required).
    unix_socket: str = ""
    # Rotate task logs at this many bytes (Nomad's default max_file_size is 10 MiB) keeping max_files.
    log_max_bytes: int = 10 * 1024 * 1024
    log_max_files: int = 10
    # Answer logs as a server that forwards them to the node: a permission refusal is a 500.
    forwarded_logs: bool = False

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
    parser.add_argument("--acl-write-token", default="", help="token with Nomad's namespace write policy (with --acl)")
    parser.add_argument("--acl-exec-token", default="", help="write token that also has alloc-node-exec (with --acl)")
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
    parser.add_argument(
        "--event-buffer",
        type=int,
        default=DEFAULT_EVENT_BUFFER,
        help=f"raft entries the event stream can replay (default {DEFAULT_EVENT_BUFFER}, as Nomad)",
    )
    parser.add_argument(
        "--event-heartbeat",
        type=float,
        default=DEFAULT_EVENT_HEARTBEAT,
        help=f"seconds between event stream heartbeats (default {DEFAULT_EVENT_HEARTBEAT:g}, as Nomad)",
    )
    parser.add_argument(
        "--acl-namespace-token",
        action="append",
        default=[],
        metavar="SECRET=NS[,NS...]",
        help="a read token limited to these namespaces (with --acl; repeatable)",
    )
    parser.add_argument("--tls-cert", default="", help="serve HTTPS with this PEM certificate (with --tls-key)")
    parser.add_argument("--tls-key", default="", help="the PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", default="", help="require client certificates signed by this PEM CA (mTLS)")
    parser.add_argument(
        "--unix-socket",
        default="",
        metavar="PATH",
        help="serve on this unix socket, as Nomad's Task API (401 without a header token)",
    )
    parser.add_argument(
        "--log-max-bytes",
        type=int,
        default=10 * 1024 * 1024,
        help="rotate task logs at this size (default 10 MiB, as Nomad)",
    )
    parser.add_argument("--log-max-files", type=int, default=10, help="rotated log files kept (default 10)")
    parser.add_argument(
        "--forwarded-logs",
        action="store_true",
        help="answer logs as a server forwarding them to the node (a permission refusal is 500)",
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
        acl_write_token=args.acl_write_token,
        acl_exec_token=args.acl_exec_token,
        exit_with_parent=args.exit_with_parent,
        start_time=args.start_time,
        real_processes=not args.no_processes,
        nomad_version=args.nomad_version.strip().removeprefix("v"),
        event_buffer=args.event_buffer,
        event_heartbeat=args.event_heartbeat,
        acl_namespace_tokens=tuple(parse_namespace_token(text) for text in args.acl_namespace_token),
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
        unix_socket=args.unix_socket,
        log_max_bytes=args.log_max_bytes,
        log_max_files=args.log_max_files,
        forwarded_logs=args.forwarded_logs,
    )
    validate(config)
    return config


def parse_namespace_token(text: str) -> tuple[str, tuple[str, ...]]:
    secret, sep, namespaces = text.partition("=")
    names = tuple(ns.strip() for ns in namespaces.split(",") if ns.strip())
    if not sep or not secret.strip() or not names:
        raise ConfigError(f"--acl-namespace-token must look like SECRET=ns1,ns2, not {text!r}")
    return secret.strip(), names


def validate(config: AgentConfig) -> None:
    parse_nomad_version(config.nomad_version)
    if config.allocs < 0:
        raise ConfigError("--allocs must be >= 0")
    if config.churn < 0:
        raise ConfigError("--churn must be >= 0")
    if config.acl and not config.acl_token:
        raise ConfigError("--acl needs --acl-token SECRET (the management token)")
    tokens = (config.acl_token, config.acl_read_token, config.acl_write_token, config.acl_exec_token)
    if not config.acl and (any(tokens) or config.acl_namespace_tokens):
        raise ConfigError("--acl-token, --acl-*-token and --acl-namespace-token need --acl")
    if config.event_buffer < 1:
        raise ConfigError("--event-buffer must be >= 1")
    if config.event_heartbeat <= 0:
        raise ConfigError("--event-heartbeat must be > 0")
    if bool(config.tls_cert) != bool(config.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together")
    if config.tls_client_ca and not config.tls_cert:
        raise ConfigError("--tls-client-ca needs --tls-cert and --tls-key")
    if config.unix_socket and config.tls_cert:
        raise ConfigError("--unix-socket is plain HTTP (as Nomad's Task API): no --tls-cert")
    if config.log_max_bytes < 1 or config.log_max_files < 1:
        raise ConfigError("--log-max-bytes and --log-max-files must be >= 1")
    if not is_loopback(config.bind) and not config.acl:
        raise ConfigError(f"refusing to bind {config.bind} without --acl: exec runs real commands on this machine")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
