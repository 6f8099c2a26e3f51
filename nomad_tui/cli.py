"""Command line: `nomad-tui [flags]`, `nomad-tui --demo`, `nomad-tui devagent [agent flags]`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from nomad_tui import __version__
from nomad_tui.contexts import catalog_from
from nomad_tui.settings import IMPLICIT_CONTEXT, Settings, SettingsError, setting_sources


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nomad-tui",
        description="Live terminal dashboard for HashiCorp Nomad allocations.",
        epilog="Subcommand: `nomad-tui devagent --help` runs the embedded Nomad-compatible dev agent.",
    )
    parser.add_argument("--address", help="Nomad HTTP address (http://, https:// or unix:///path) [NOMAD_ADDR]")
    parser.add_argument(
        "--token",
        help="ACL token, sent as X-Nomad-Token [NOMAD_TOKEN]; other users can see it in `ps`, so prefer NOMAD_TOKEN",
    )
    parser.add_argument("--namespace", help="namespace to show, '*' for all (default '*') [NOMAD_NAMESPACE]")
    parser.add_argument("--region", help="region to query [NOMAD_REGION]")
    parser.add_argument("--ca-cert", dest="ca_cert", help="CA certificate file to verify Nomad's TLS [NOMAD_CACERT]")
    parser.add_argument("--ca-path", dest="ca_path", help="directory of CA certificates [NOMAD_CAPATH]")
    parser.add_argument("--client-cert", dest="client_cert", help="client certificate for mTLS [NOMAD_CLIENT_CERT]")
    parser.add_argument("--client-key", dest="client_key", help="client key for mTLS [NOMAD_CLIENT_KEY]")
    parser.add_argument(
        "--tls-server-name", dest="tls_server_name", help="TLS server name (SNI) [NOMAD_TLS_SERVER_NAME]"
    )
    parser.add_argument(
        "--tls-skip-verify",
        dest="tls_skip_verify",
        action="store_true",
        default=None,
        help="do not verify Nomad's TLS certificate (insecure) [NOMAD_SKIP_VERIFY]",
    )
    parser.add_argument(
        "--read-only",
        dest="read_only",
        action="store_true",
        default=None,
        help="hide and block stop, signal, restart and exec",
    )
    parser.add_argument(
        "--context", help="named context from the config file ([contexts.NAME]); 'env' for the NOMAD_* environment"
    )
    parser.add_argument("--config", help="config file (default ~/.config/nomad-tui/config.toml)")
    parser.add_argument("--demo", action="store_true", help="start the embedded dev agent and show it")
    parser.add_argument("--version", action="version", version=f"nomad-tui {__version__}")
    return parser


SETTING_FLAGS = (
    "address",
    "token",
    "namespace",
    "region",
    "ca_cert",
    "ca_path",
    "client_cert",
    "client_key",
    "tls_server_name",
    "tls_skip_verify",
    "read_only",
)


def check_files(settings: Settings, sources: dict[str, str]) -> None:
    """The TLS files must load now: a wrong one is one line naming the setting, never a traceback."""
    from nomad_tui.api.tls import TlsFileError, check_tls_files

    try:
        check_tls_files(settings)
    except TlsFileError as exc:
        raise SettingsError(f"{sources[exc.setting]} {exc.path}: {exc.reason}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["devagent"]:
        from nomad_tui.devagent import main as devagent_main

        return devagent_main(args_list[1:])

    parser = build_parser()
    args = parser.parse_args(args_list)
    from nomad_tui import config_file

    try:
        explicit = args.config is not None
        config_path = config_file.Path(args.config) if explicit else config_file.default_path()
        from nomad_tui.ui.keymap import ACTION_NAMES, remap_conflicts

        file_values = config_file.load(config_path, action_names=ACTION_NAMES, required=explicit)
        for problem in remap_conflicts(file_values.get("keymap", {}))[:1]:
            raise SettingsError(f"config file {config_path}: {problem}")
        flags = {name: getattr(args, name) for name in SETTING_FLAGS}
        env = dict(os.environ)
        if args.demo:
            # The demo talks to its own agent only: ignore a NOMAD_* environment meant for a real cluster,
            # and the config file's contexts.
            env = {}
            file_values = {k: v for k, v in file_values.items() if k in ("keymap", "exec_command", "read_only")}
        catalog = catalog_from(file_values, env, flags)
        settings = catalog.settings_for(catalog.initial(args.context), at_start=True)
        named = settings.context != IMPLICIT_CONTEXT
        where = f"[contexts.{settings.context}] of {config_path}" if named else str(config_path)
        check_files(settings, setting_sources(flags, {} if named else env, where))
    except SettingsError as exc:
        print(f"nomad-tui: {exc}", file=sys.stderr)
        return 2

    from nomad_tui.ui.run import run_app

    return run_app(settings, demo=args.demo, catalog=catalog)
