"""NomadClient on the wire: token handling, parameters, typed errors, TLS/mTLS and unix sockets."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import pytest
import trustme
from scripted_server import Reply, ScriptedServer

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import (
    BadRequest,
    BadResponse,
    NotFound,
    PermissionDenied,
    ServerError,
    Unreachable,
)
from nomad_tui.settings import resolve

ALLOC_ID = "a8198d79-cfdb-6593-a999-1e9adabcba2e"
TOKEN = "4f8a5ef2-6d2c-4a6b-9a55-2c0a1f3e9b11"


async def test_token_goes_only_in_the_header_and_params_follow_the_cli() -> None:
    async with ScriptedServer([Reply.json([], index=3)]) as server:
        client = NomadClient(resolve({"address": server.url, "token": TOKEN, "region": "eu"}, {}, {}))
        await client.list_allocations(task_states=False)
        await client.aclose()
    seen = server.seen[0]
    assert seen.headers["x-nomad-token"] == TOKEN
    assert TOKEN not in seen.path and TOKEN not in json.dumps(seen.query)
    assert seen.query == {"region": ["eu"], "namespace": ["*"], "task_states": ["false"]}
    assert "authorization" not in seen.headers
    assert seen.headers["accept-encoding"] == "identity"  # loopback: compression only costs CPU


def test_remote_agents_are_asked_for_gzip() -> None:
    client = NomadClient(resolve({"address": "https://nomad.example.com:4646"}, {}, {}))
    assert "gzip" in client.http.headers["accept-encoding"]


async def test_basic_auth_from_nomad_http_auth() -> None:
    async with ScriptedServer([Reply.json([], index=3)]) as server:
        client = NomadClient(resolve({"address": server.url}, {"NOMAD_HTTP_AUTH": "alice:pw"}, {}))
        await client.list_allocations()
        await client.aclose()
    assert server.seen[0].headers["authorization"] == "Basic YWxpY2U6cHc="


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Reply.error(403, "Permission denied"), PermissionDenied, "Permission denied"),
        (Reply.error(404, "alloc not found"), NotFound, "alloc not found"),
        (Reply.error(500, "rpc error: \x1b]52;c;aGk=\x07boom"), ServerError, "rpc error: \u241b]52;c;aGk=\u2407boom"),
        (Reply.error(400, "Invalid wait time"), BadRequest, "Invalid wait time"),
        (Reply(body=b"[{", headers={"X-Nomad-Index": "3"}), BadResponse, "malformed JSON"),
    ],
)
async def test_statuses_become_typed_errors_with_sanitised_messages(
    reply: Reply, error: type[Exception], message: str
) -> None:
    async with ScriptedServer([reply]) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        with pytest.raises(error) as caught:
            await client.list_allocations()
        await client.aclose()
    assert message in caught.value.message  # type: ignore[attr-defined]


async def test_token_is_scrubbed_from_error_text_and_messages_are_truncated() -> None:
    body = f"token {TOKEN} rejected " + "x" * 1000
    async with ScriptedServer([Reply.error(500, body)]) as server:
        client = NomadClient(resolve({"address": server.url, "token": TOKEN}, {}, {}))
        with pytest.raises(ServerError) as caught:
            await client.read_allocation(ALLOC_ID)
        await client.aclose()
    assert TOKEN not in str(caught.value) and "***" in caught.value.message
    assert len(caught.value.message) <= 300


async def test_lifecycle_requests_have_the_documented_shapes() -> None:
    script = [
        Reply.json({"EvalID": "e1", "Index": 44}, index=44),
        Reply.json({"Index": 0}, index=None),
        Reply.json({"Index": 0}, index=None),
        Reply.json({"Index": 0}, index=None),
    ]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        stopped = await client.stop_allocation(ALLOC_ID)
        await client.signal_allocation(ALLOC_ID, "SIGUSR1", task="web")
        await client.restart_allocation(ALLOC_ID, task="web")
        await client.restart_allocation(ALLOC_ID, all_tasks=True)
        await client.aclose()
    assert (stopped.eval_id, stopped.index) == ("e1", 44)
    stop, signal, restart, restart_all = server.seen
    assert (stop.method, stop.path) == ("PUT", f"/v1/allocation/{ALLOC_ID}/stop")
    assert (signal.path, json.loads(signal.body)) == (
        f"/v1/client/allocation/{ALLOC_ID}/signal",
        {"Signal": "SIGUSR1", "Task": "web"},
    )
    assert json.loads(restart.body) == {"TaskName": "web"}
    assert json.loads(restart_all.body) == {"AllTasks": True}


async def test_unix_socket_address(tmp_path: Path) -> None:
    sock = tmp_path / "nomad.sock"
    seen_paths: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        seen_paths.append(request.split(b" ")[1].decode())
        body = b"[]"
        writer.write(b"HTTP/1.1 200 OK\r\nX-Nomad-Index: 5\r\nContent-Length: 2\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(serve, path=str(sock))
    async with server:
        client = NomadClient(resolve({"address": f"unix://{sock}"}, {}, {}))
        response = await client.list_allocations()
        await client.aclose()
    assert response.meta.index == 5 and seen_paths[0].startswith("/v1/allocations")


# ---------------------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    ca = trustme.CA()
    server_cert = ca.issue_cert("server.global.nomad", "127.0.0.1")
    client_cert = ca.issue_cert("cli.global.nomad")
    out = tmp_path_factory.mktemp("tls")
    files = {
        "ca": out / "ca.pem",
        "server": out / "server.pem",
        "client_cert": out / "client.pem",
        "client_key": out / "client-key.pem",
    }
    ca.cert_pem.write_to_path(str(files["ca"]))
    server_cert.private_key_and_cert_chain_pem.write_to_path(str(files["server"]))
    client_cert.cert_chain_pems[0].write_to_path(str(files["client_cert"]))
    client_cert.private_key_pem.write_to_path(str(files["client_key"]))
    return {k: str(v) for k, v in files.items()}


async def _tls_server(files: dict[str, str], *, require_client_cert: bool) -> tuple[asyncio.Server, int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files["server"])
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(files["ca"])

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nX-Nomad-Index: 9\r\nContent-Length: 2\r\n\r\n[]")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    return server, server.sockets[0].getsockname()[1]


async def test_tls_is_verified_by_default(tls_files: dict[str, str]) -> None:
    server, port = await _tls_server(tls_files, require_client_cert=False)
    async with server:
        untrusting = NomadClient(resolve({"address": f"https://127.0.0.1:{port}"}, {}, {}))
        with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
            await untrusting.list_allocations()
        await untrusting.aclose()
        trusting = NomadClient(resolve({"address": f"https://127.0.0.1:{port}", "ca_cert": tls_files["ca"]}, {}, {}))
        assert (await trusting.list_allocations()).meta.index == 9
        await trusting.aclose()
        skipping = NomadClient(resolve({"address": f"https://127.0.0.1:{port}"}, {"NOMAD_SKIP_VERIFY": "1"}, {}))
        assert (await skipping.list_allocations()).meta.index == 9
        await skipping.aclose()


async def test_tls_server_name_and_mtls(tls_files: dict[str, str]) -> None:
    server, port = await _tls_server(tls_files, require_client_cert=True)
    env = {
        "NOMAD_ADDR": f"https://localhost:{port}",  # not a name in the certificate...
        "NOMAD_TLS_SERVER_NAME": "server.global.nomad",  # ...but this is
        "NOMAD_CACERT": tls_files["ca"],
    }
    async with server:
        without_cert = NomadClient(resolve({}, env, {}))
        with pytest.raises(Unreachable):
            await without_cert.list_allocations()
        await without_cert.aclose()
        env_mtls = dict(env, NOMAD_CLIENT_CERT=tls_files["client_cert"], NOMAD_CLIENT_KEY=tls_files["client_key"])
        with_cert = NomadClient(resolve({}, env_mtls, {}))
        assert (await with_cert.list_allocations()).meta.index == 9
        await with_cert.aclose()
