"""Process entry point: parse flags, build the agent, serve until a signal or stdin EOF, clean up."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import signal
import ssl
import sys
import threading
from collections.abc import Sequence

from aiohttp import web

from nomad_tui.devagent.config import AgentConfig, ConfigError, parse_args
from nomad_tui.devagent.http.control import SERVER_KEY
from nomad_tui.devagent.http.server import build_app
from nomad_tui.devagent.runtime import Agent

log = logging.getLogger("nomad_tui.devagent")


class RunningServer:
    """An agent serving HTTP on a bound port (used by `main` and by in-process tests)."""

    def __init__(self, agent: Agent, runner: web.AppRunner, url: str) -> None:
        self.agent = agent
        self.runner = runner
        self.url = url

    @classmethod
    async def start(cls, config: AgentConfig) -> RunningServer:
        agent = Agent(config)
        atexit.register(agent.driver.kill_all_now)
        await agent.start()
        app = build_app(agent)
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        if config.unix_socket:
            unix_site = web.UnixSite(runner, config.unix_socket)
            await unix_site.start()
            assert runner.server is not None
            app[SERVER_KEY].append(runner.server)
            agent.http_addr = config.unix_socket
            return cls(agent, runner, f"unix://{config.unix_socket}")
        site = web.TCPSite(runner, config.bind, config.port, ssl_context=server_ssl_context(config))
        await site.start()
        assert runner.server is not None
        app[SERVER_KEY].append(runner.server)
        server = site._server
        sockets = server.sockets if isinstance(server, asyncio.Server) else []
        host, port = sockets[0].getsockname()[:2]
        agent.http_addr = f"{host}:{port}"
        scheme = "https" if config.tls_cert else "http"
        url = f"{scheme}://{host}:{port}" if ":" not in host else f"{scheme}://[{host}]:{port}"
        return cls(agent, runner, url)

    async def close(self) -> None:
        # Blocking queries and streams would hold a graceful shutdown for minutes: cut them.
        if self.runner.server is not None:
            for handler in list(self.runner.server.connections):
                if handler.transport is not None:
                    handler.transport.abort()
        await self.runner.cleanup()
        await self.agent.close()


def server_ssl_context(config: AgentConfig) -> ssl.SSLContext | None:
    """HTTPS as a Nomad agent with `tls { http = true }`; `verify_https_client` when a client CA is given."""
    if not config.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.tls_cert, config.tls_key)
    if config.tls_client_ca:
        context.load_verify_locations(cafile=config.tls_client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


async def _serve(config: AgentConfig) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if config.exit_with_parent:
        threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
    server = await RunningServer.start(config)
    log.info(
        "serving %d allocations (seed %d, churn %.2f/s, acl %s)",
        len(server.agent.cluster.allocs),
        config.seed,
        config.churn,
        "on" if config.acl else "off",
    )
    # The one line on stdout: launchers wait for it and read the URL from it.
    print(f"nomad-tui devagent listening on {server.url}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await server.close()
    return 0


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """--exit-with-parent: our parent holds our stdin pipe; EOF means it is gone."""
    # os.read on the raw fd, not sys.stdin: a daemon thread blocked inside a buffered reader's lock
    # aborts the interpreter at shutdown.
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    loop.call_soon_threadsafe(stop.set)


def main(argv: Sequence[str]) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s devagent %(levelname)s %(message)s")
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)
    try:
        config = parse_args(argv)
    except ConfigError as exc:
        print(f"nomad-tui devagent: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_serve(config))
    except OSError as exc:
        print(f"nomad-tui devagent: {exc}", file=sys.stderr)
        return 1
