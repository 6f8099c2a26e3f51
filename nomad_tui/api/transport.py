"""The one way out to the agent: TLS, SNI and proxy settings shared by every HTTP request and exec.

Every HTTP request (lists, reads, actions, logs, stats, events) goes through the transport built here,
which puts the TLS server name on each request before it reaches the connection pool, so a request
that opens a new TLS connection verifies `tls_server_name` whatever code path sent it. Exec's
WebSocket takes the same TLS context, server name and proxy from `websocket_options`.

Proxies follow the `nomad` CLI (Go's `http.ProxyFromEnvironment`, golang.org/x/net/http/httpproxy):
`HTTPS_PROXY` for https, `HTTP_PROXY` for http (upper case first, then lower case), `NO_PROXY` a
comma list of `*`, host names (matching the name and its subdomains; a leading dot only subdomains),
IP addresses and CIDR ranges, each optionally with `:port`; localhost and loopback addresses are never
proxied, and neither is a unix socket.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from nomad_tui.api.tls import ssl_context
from nomad_tui.settings import Settings

POOL_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)


class ServerNameTransport(httpx.AsyncBaseTransport):
    """Adds the TLS server name to every request (httpx takes SNI per request, not per client)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, server_name: str) -> None:
        self._inner = inner
        self._server_name = server_name

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions = {**request.extensions, "sni_hostname": self._server_name}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def tls_verify(settings: Settings) -> ssl.SSLContext | bool:
    return ssl_context(settings) if settings.uses_tls else True


def http_transport(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncBaseTransport:
    """The transport every request of a NomadClient goes through (`transport` replaces the network
    part in tests; the server name still applies)."""
    if transport is None:
        transport = httpx.AsyncHTTPTransport(
            verify=tls_verify(settings),
            uds=settings.unix_socket_path if settings.is_unix_socket else None,
            proxy=proxy_for(settings),
            limits=POOL_LIMITS,
        )
    if settings.tls_server_name and not settings.is_unix_socket:
        transport = ServerNameTransport(transport, settings.tls_server_name)
    return transport


def websocket_options(settings: Settings) -> dict[str, Any]:
    """TLS, server name and proxy for `websockets.connect`, the same as for HTTP."""
    options: dict[str, Any] = {"proxy": proxy_for(settings)}
    if settings.uses_tls:
        options["ssl"] = ssl_context(settings)
        if settings.tls_server_name:
            options["server_hostname"] = settings.tls_server_name
    return options


def proxy_for(settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL to reach the agent through, or None (Go's ProxyFromEnvironment rules)."""
    if settings.is_unix_socket:
        return None
    env = os.environ if environ is None else environ
    parts = urlsplit(settings.base_url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    names = ("HTTPS_PROXY", "https_proxy") if scheme == "https" else ("HTTP_PROXY", "http_proxy")
    proxy = next((env[name] for name in names if env.get(name)), "")
    if not proxy or not _use_proxy(host, port, next((env[n] for n in ("NO_PROXY", "no_proxy") if env.get(n)), "")):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _use_proxy(host: str, port: int, no_proxy: str) -> bool:
    if not host or host == "localhost":
        return False
    ip = _ip(host)
    if ip is not None and ip.is_loopback:
        return False
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return False
        if _no_proxy_matches(entry, host, ip, port):
            return False
    return True


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _no_proxy_matches(entry: str, host: str, ip: IpAddress | None, port: int) -> bool:
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        network = None
    if network is not None and "/" in entry:
        return ip is not None and ip in network
    entry_host, entry_port = entry, 0
    if entry.startswith("["):  # [v6]:port
        entry_host, _, rest = entry[1:].partition("]")
        entry_port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else 0
    elif entry.count(":") == 1:
        entry_host, _, raw_port = entry.partition(":")
        entry_port = int(raw_port) if raw_port.isdigit() else 0
    if entry_port and entry_port != port:
        return False
    entry_ip = _ip(entry_host)
    if entry_ip is not None:
        return ip is not None and ip == entry_ip
    if entry_host.startswith("*."):
        entry_host = entry_host[1:]
    if entry_host.startswith("."):
        return host.endswith(entry_host)
    return host == entry_host or host.endswith("." + entry_host)


def _ip(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
