"""Every request goes out the same way (TLS, server name, CA directory, client certificates, proxies),
checked end to end against the dev agent in its HTTPS and unix-socket modes and through a proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devagent.agents import AgentThread, make_config
from http_proxy import HttpProxy
from pki import SERVER_NAME, write_pki

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import Unreachable
from nomad_tui.api.exec_session import ExecSession, Exited
from nomad_tui.api.logs import stream_logs
from nomad_tui.api.transport import proxy_for
from nomad_tui.settings import Settings, resolve

TOKEN = "0b7c2b8e-1111-2222-3333-444455556666"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_pki(tmp_path_factory.mktemp("pki"))


def _agent(**overrides: Any) -> Iterator[AgentThread]:
    agent = AgentThread(make_config(real_processes=False, **overrides))
    try:
        yield agent
    finally:
        agent.stop()


@pytest.fixture(scope="module")
def mtls_agent(pki: dict[str, str]) -> Iterator[AgentThread]:
    yield from _agent(tls_cert=pki["cert"], tls_key=pki["key"], tls_client_ca=pki["ca"])


@pytest.fixture(scope="module")
def tls_agent(pki: dict[str, str]) -> Iterator[AgentThread]:
    yield from _agent(tls_cert=pki["cert"], tls_key=pki["key"])


async def _running(client: NomadClient) -> tuple[str, str, str]:
    """(alloc id, task, namespace) of a running allocation."""
    for stub in (await client.list_allocations()).value:
        for task, state in (stub.task_states or {}).items():
            if state.state == "running":
                return stub.id, task, stub.namespace
    raise AssertionError("no running allocation")


async def _first_log_frame(client: NomadClient, alloc_id: str, task: str) -> bytes:
    async with asyncio.timeout(20):
        async for frame in stream_logs(client, alloc_id, task, origin="start", offset=0):
            return frame.data
    raise AssertionError("no frame")


async def _exec_echo(settings: Settings, alloc_id: str, task: str, namespace: str) -> tuple[object, bytes]:
    output = bytearray()
    session = ExecSession(settings, alloc_id, task, ["echo", "hi"], namespace=namespace, on_output=output.extend)
    outcome = await asyncio.wait_for(session.run(), 20)
    return outcome, bytes(output)


async def _everything(settings: Settings) -> None:
    """A list, then (each on a fresh client, so on a new connection) a log stream and an exec."""
    async with NomadClient(settings) as lister:
        alloc_id, task, namespace = await _running(lister)
    async with NomadClient(settings) as fresh:
        assert await _first_log_frame(fresh, alloc_id, task)
    outcome, output = await _exec_echo(settings, alloc_id, task, namespace)
    assert outcome == Exited(0) and b"hi" in output


async def test_server_name_ca_path_and_client_certificates_apply_to_every_request(
    mtls_agent: AgentThread, pki: dict[str, str]
) -> None:
    env = {
        "NOMAD_ADDR": mtls_agent.url,  # https://127.0.0.1:PORT: not a name in the certificate
        "NOMAD_TLS_SERVER_NAME": SERVER_NAME,
        "NOMAD_CAPATH": pki["capath"],  # one CA file named nomad-ca.pem
        "NOMAD_CLIENT_CERT": pki["client_cert"],
        "NOMAD_CLIENT_KEY": pki["client_key"],
    }
    await _everything(resolve({}, env, {}))


async def test_a_log_stream_on_a_new_connection_uses_the_server_name(
    tls_agent: AgentThread, pki: dict[str, str]
) -> None:
    env = {"NOMAD_ADDR": tls_agent.url, "NOMAD_CACERT": pki["ca"], "NOMAD_TLS_SERVER_NAME": SERVER_NAME}
    settings = resolve({}, env, {})
    async with NomadClient(settings) as lister:
        alloc_id, task, _ = await _running(lister)
    async with NomadClient(settings) as fresh:  # no pooled connection: the stream opens its own
        assert await _first_log_frame(fresh, alloc_id, task)


async def test_a_fresh_log_stream_without_the_server_name_is_refused(
    tls_agent: AgentThread, pki: dict[str, str]
) -> None:
    settings = resolve({}, {"NOMAD_ADDR": tls_agent.url, "NOMAD_CACERT": pki["ca"]}, {})
    async with NomadClient(settings) as client:
        with pytest.raises(Unreachable):
            await _first_log_frame(client, "00000000-0000-0000-0000-000000000000", "main")


async def test_unix_socket_task_api_with_a_token(tmp_path: Path) -> None:
    socket_path = tmp_path / "api.sock"
    for agent in _agent(unix_socket=str(socket_path), acl=True, acl_token=TOKEN):
        settings = resolve({}, {"NOMAD_ADDR": f"unix://{socket_path}", "NOMAD_TOKEN": TOKEN}, {})
        await _everything(settings)  # exec included: its upgrade carries the token in X-Nomad-Token
        del agent


async def test_requests_and_exec_go_through_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for agent in _agent():
        port = int(agent.url.rsplit(":", 1)[1])
        async with HttpProxy("127.0.0.1", port) as proxy:
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            monkeypatch.delenv("NO_PROXY", raising=False)
            monkeypatch.delenv("no_proxy", raising=False)
            # A name only the proxy can reach (it sends everything to the agent).
            settings = resolve({}, {"NOMAD_ADDR": f"http://nomad.invalid:{port}"}, {})
            await _everything(settings)
            assert any(line.startswith("GET http://nomad.invalid:") for line in proxy.request_lines)
            assert any(line.startswith(f"CONNECT nomad.invalid:{port}") for line in proxy.request_lines)

            seen = len(proxy.request_lines)
            loopback = resolve({}, {"NOMAD_ADDR": agent.url}, {})
            async with NomadClient(loopback) as client:
                await client.leader()
            assert len(proxy.request_lines) == seen  # loopback is never proxied

            monkeypatch.setenv("NO_PROXY", "example.com,.invalid")
            async with NomadClient(settings) as client:
                with pytest.raises(Unreachable):
                    await client.leader()
            assert len(proxy.request_lines) == seen


@pytest.mark.parametrize(
    ("address", "env", "expected"),
    [
        ("https://nomad.example.com:4646", {"HTTPS_PROXY": "proxy:3128"}, "http://proxy:3128"),
        ("https://nomad.example.com:4646", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://nomad.example.com:4646", {"http_proxy": "http://p:1"}, "http://p:1"),
        ("http://localhost:4646", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://127.0.0.2:4646", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://[::1]:4646", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://nomad.example.com:4646", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ("http://nomad.example.com:4646", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "example.com"}, None),
        ("http://example.com:4646", {"HTTP_PROXY": "http://p:1", "NO_PROXY": ".example.com"}, "http://p:1"),
        ("http://nomad.example.com:4646", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "example.com:80"}, "http://p:1"),
        ("http://10.1.2.3:4646", {"HTTP_PROXY": "http://p:1", "no_proxy": "10.0.0.0/8"}, None),
        ("http://10.1.2.3:4646", {"HTTP_PROXY": "http://p:1", "no_proxy": "10.1.2.3:4646"}, None),
        ("unix:///run/api.sock", {"HTTP_PROXY": "http://p:1"}, None),
    ],
)
def test_proxy_rules_follow_go(address: str, env: dict[str, str], expected: str | None) -> None:
    assert proxy_for(resolve({}, {"NOMAD_ADDR": address}, {}), env) == expected
