"""The agent's listener modes: HTTPS with a server name (and optional client certificates), and a unix
socket that answers like Nomad's Task API."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from pki import SERVER_NAME, write_pki
from websockets.exceptions import InvalidStatus

from nomad_tui.devagent.config import ConfigError, parse_args

from .agents import AgentThread


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    yield {name: Path(path) for name, path in write_pki(tmp_path_factory.mktemp("pki")).items()}


def _context(pki: dict[str, Path], client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    if client_cert:
        context.load_cert_chain(str(pki["client_cert"]), str(pki["client_key"]))
    return context


def test_https_with_a_server_name(fresh_agent: Callable[..., AgentThread], pki: dict[str, Path]) -> None:
    agent = fresh_agent(tls_cert=str(pki["cert"]), tls_key=str(pki["key"]))
    assert agent.url.startswith("https://127.0.0.1:")
    with httpx.Client(base_url=agent.url, verify=_context(pki)) as client:
        response = client.get("/v1/allocations", extensions={"sni_hostname": SERVER_NAME})
        assert response.status_code == 200 and response.json()
    with httpx.Client(base_url=agent.url, verify=_context(pki)) as fresh, pytest.raises(httpx.ConnectError):
        fresh.get("/v1/status/leader")  # a new connection named 127.0.0.1: the certificate is not for it


def test_https_requiring_client_certificates(fresh_agent: Callable[..., AgentThread], pki: dict[str, Path]) -> None:
    agent = fresh_agent(tls_cert=str(pki["cert"]), tls_key=str(pki["key"]), tls_client_ca=str(pki["ca"]))
    sni = {"sni_hostname": SERVER_NAME}
    with httpx.Client(base_url=agent.url, verify=_context(pki, client_cert=True)) as client:
        assert client.get("/v1/status/leader", extensions=sni).status_code == 200
    with httpx.Client(base_url=agent.url, verify=_context(pki)) as client, pytest.raises(httpx.HTTPError):
        client.get("/v1/status/leader", extensions=sni)


def _unix_agent(fresh_agent: Callable[..., AgentThread], tmp_path: Path, **overrides: object) -> AgentThread:
    socket_path = tmp_path / "api.sock"
    agent = fresh_agent(unix_socket=str(socket_path), **overrides)
    assert agent.url == f"unix://{socket_path}"
    return agent


def test_unix_socket_answers_401_without_a_header_token(
    fresh_agent: Callable[..., AgentThread], tmp_path: Path
) -> None:
    _unix_agent(fresh_agent, tmp_path, acl=True, acl_token="mgmt-secret")
    transport = httpx.HTTPTransport(uds=str(tmp_path / "api.sock"))
    with httpx.Client(base_url="http://127.0.0.1", transport=transport) as client:
        bare = client.get("/v1/allocations")
        assert (bare.status_code, bare.text) == (401, "Unauthorized")
        assert client.get("/v1/allocations", headers={"X-Nomad-Token": "wrong"}).status_code == 403
        ok = client.get("/v1/allocations", headers={"X-Nomad-Token": "mgmt-secret"}, params={"namespace": "*"})
        assert ok.status_code == 200 and ok.json()


async def test_unix_socket_refuses_an_exec_upgrade_without_a_header_token(
    fresh_agent: Callable[..., AgentThread], tmp_path: Path
) -> None:
    agent = _unix_agent(fresh_agent, tmp_path)
    socket_path = str(tmp_path / "api.sock")
    transport = httpx.HTTPTransport(uds=socket_path)
    with httpx.Client(base_url="http://127.0.0.1", transport=transport) as client:
        alloc_id = client.get("/v1/allocations", headers={"X-Nomad-Token": "any"}).json()[0]["ID"]
    url = f"ws://127.0.0.1/v1/client/allocation/{alloc_id}/exec?task=main&command=%5B%22true%22%5D&ws_handshake=true"
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.unix_connect(socket_path, url):
            pass
    assert refused.value.response.status_code == 401
    del agent


@pytest.mark.parametrize(
    "flags",
    [
        ["--tls-cert", "c.pem"],
        ["--tls-client-ca", "ca.pem"],
        ["--unix-socket", "s", "--tls-cert", "c", "--tls-key", "k"],
    ],
)
def test_listener_flags_are_checked(flags: list[str]) -> None:
    with pytest.raises(ConfigError):
        parse_args(flags)
