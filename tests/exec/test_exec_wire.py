"""ExecSession's frames on the wire, against a recording WebSocket server that plays Nomad's part:
order (handshake, then size, then stdin), where the token goes, heartbeats, and each way a session
can end.  TLS and unix sockets too."""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import settings_for
from websockets.asyncio.server import ServerConnection, serve, unix_serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from nomad_tui.api.exec_session import (
    ClosedByServer,
    ClosedByUser,
    ConnectFailed,
    ConnectionLost,
    ExecSession,
    Exited,
)
from nomad_tui.settings import Settings, resolve

TOKEN = "5ec12e70-aaaa-bbbb-cccc-ddddeeeeffff"

Behaviour = Callable[[ServerConnection, "Recorder"], Awaitable[None]]


class Recorder:
    def __init__(self) -> None:
        self.path = ""
        self.headers: Headers | None = None
        self.frames: list[Any] = []
        self.got = asyncio.Condition()

    async def receive(self, ws: ServerConnection) -> Any:
        frame = json.loads(await ws.recv())
        async with self.got:
            self.frames.append(frame)
            self.got.notify_all()
        return frame

    async def receive_until(self, ws: ServerConnection, predicate: Callable[[Any], bool]) -> None:
        while not predicate(await self.receive(ws)):
            pass


@asynccontextmanager
async def fake_nomad(
    behaviour: Behaviour, *, unix_path: str | None = None, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder()

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        recorder.path = ws.request.path
        recorder.headers = ws.request.headers
        await behaviour(ws, recorder)

    if unix_path is not None:
        async with unix_serve(handler, unix_path):
            yield f"unix://{unix_path}", recorder
        return
    async with serve(handler, "127.0.0.1", 0, ssl=tls) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", recorder


def session(settings: Settings, output: bytearray | None = None, **options: Any) -> ExecSession:
    sink = output if output is not None else bytearray()
    return ExecSession(
        settings, "alloc-1", "web", ["/bin/sh", "-c", "x"], namespace="default", on_output=sink.extend, **options
    )


def stdout(data: bytes) -> str:
    import base64

    return json.dumps({"stdout": {"data": base64.b64encode(data).decode()}})


async def exit_cleanly(ws: ServerConnection, code: int | None = None) -> None:
    """How Nomad ends a session: stream close frames, `exited`, then TCP dropped, no close frame."""
    await ws.send('{"stdout":{"close":true}}')
    await ws.send('{"stderr":{"close":true}}')
    await ws.send(json.dumps({"exited": True, "result": {} if code is None else {"exit_code": code}}))
    ws.transport.abort()


async def test_handshake_first_then_size_then_stdin_and_heartbeats() -> None:
    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive_until(ws, lambda f: f == {"stdin": {"close": True}})
        await rec.receive_until(ws, lambda f: f == {})  # a heartbeat after the input...
        await rec.receive_until(ws, lambda f: f == {})  # ...and another
        await ws.send(stdout(b"hi\r\n"))
        await exit_cleanly(ws)  # exit code 0: Nomad leaves `exit_code` out

    async with fake_nomad(behaviour) as (url, rec):
        output = bytearray()
        exec_session = session(settings_for(url, token=TOKEN), output, heartbeat_interval=0.05)
        exec_session.write(b"early")  # typed before the socket is open: queued, sent after the size
        exec_session.resize(120, 40)
        exec_session.close_stdin()
        outcome = await asyncio.wait_for(exec_session.run(), 10)

    assert outcome == Exited(0) and outcome.describe() == "exited with code 0"
    assert bytes(output) == b"hi\r\n"
    frames = rec.frames
    assert frames[0] == {"version": 1, "auth_token": TOKEN}
    assert frames[1] == {"tty_size": {"height": 40, "width": 120}}
    assert frames[2] == {"stdin": {"data": "ZWFybHk="}}
    assert frames[3] == {"stdin": {"close": True}}
    assert frames[4:] and all(f == {} for f in frames[4:])
    assert exec_session.heartbeats_sent >= 2
    # The token travels in the handshake frame and, the same, in X-Nomad-Token (Nomad 0.10 and the Task
    # API read only the header; newer agents accept a header equal to the handshake's); never in the URL.
    assert TOKEN not in rec.path
    assert rec.headers is not None
    assert rec.headers["X-Nomad-Token"] == TOKEN and "Authorization" not in rec.headers
    assert rec.headers.get("Origin") is None  # a foreign Origin makes Nomad refuse the upgrade


async def test_output_frames_are_handed_over_still_encoded() -> None:
    compact = '{"stdout":{"data":"' + base64.b64encode(b"one ").decode() + '"}}'  # as Nomad spells it

    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive(ws)  # the handshake
        await ws.send(compact)
        await ws.send(stdout(b"spaced "))  # `{"stdout": {"data": …}}`: another spelling
        await ws.send('{"stderr":{"data":"dHdv"}}')  # "two"
        await ws.send('{"stdout":{"data":""}}')
        await exit_cleanly(ws)

    async with fake_nomad(behaviour) as (url, _rec):
        output = bytearray()
        encoded: list[bytes] = []
        exec_session = session(settings_for(url), output, on_encoded_output=encoded.append)
        await asyncio.wait_for(exec_session.run(), 10)
    assert encoded == [base64.b64encode(b"one "), b"dHdv"]
    assert bytes(output) == b"spaced "  # spelt otherwise: decoded in full
    assert exec_session.bytes_in == len(b"one spaced two")


async def test_size_sent_on_every_change_and_before_the_first_stdin_by_default() -> None:
    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive_until(ws, lambda f: f.get("tty_size") == {"height": 50, "width": 200})
        await exit_cleanly(ws, 3)

    async with fake_nomad(behaviour) as (url, rec):
        exec_session = session(settings_for(url))
        exec_session.write(b"a")  # no size known yet: the default goes first
        running = asyncio.ensure_future(exec_session.run())
        while len(rec.frames) < 3:
            await asyncio.sleep(0.01)
        exec_session.resize(100, 30)
        exec_session.resize(100, 30)  # unchanged: not sent again
        exec_session.resize(200, 50)
        outcome = await asyncio.wait_for(running, 10)
    assert outcome == Exited(3)
    assert rec.frames[0] == {"version": 1, "auth_token": ""}
    assert rec.frames[1:] == [
        {"tty_size": {"height": 24, "width": 80}},
        {"stdin": {"data": "YQ=="}},
        {"tty_size": {"height": 30, "width": 100}},
        {"tty_size": {"height": 50, "width": 200}},
    ]


async def test_close_frame_reason_is_shown_sanitised_without_the_token() -> None:
    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive(ws)
        await ws.close(1011, f"Permission denied \x1b]52;c;aGk=\x07 {TOKEN}")

    async with fake_nomad(behaviour) as (url, _rec):
        outcome = await asyncio.wait_for(session(settings_for(url, token=TOKEN)).run(), 10)
    assert isinstance(outcome, ClosedByServer) and outcome.code == 1011
    assert outcome.reason.startswith("Permission denied")
    assert "\x1b" not in outcome.reason and "\x07" not in outcome.reason and TOKEN not in outcome.reason
    assert "***" in outcome.describe()


async def test_a_close_before_exited_is_a_lost_connection() -> None:
    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive(ws)
        await ws.send(stdout(b"partial"))
        ws.transport.abort()

    async with fake_nomad(behaviour) as (url, _rec):
        output = bytearray()
        outcome = await asyncio.wait_for(session(settings_for(url), output).run(), 10)
    assert isinstance(outcome, ConnectionLost) and outcome.describe().startswith("connection lost")
    assert bytes(output) == b"partial"


async def test_closed_by_us() -> None:
    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive(ws)
        await ws.wait_closed()

    async with fake_nomad(behaviour) as (url, rec):
        exec_session = session(settings_for(url))
        running = asyncio.ensure_future(exec_session.run())
        while not rec.frames:
            await asyncio.sleep(0.01)
        exec_session.close()
        assert await asyncio.wait_for(running, 10) == ClosedByUser()


async def test_http_error_instead_of_an_upgrade() -> None:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(500, f"failed to marshal command into json {TOKEN}\n")

    async def handler(ws: ServerConnection) -> None:  # never reached
        await ws.close()

    async with serve(handler, "127.0.0.1", 0, process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]
        outcome = await session(settings_for(f"http://127.0.0.1:{port}", token=TOKEN)).run()
    assert isinstance(outcome, ConnectFailed)
    assert "HTTP 500" in outcome.message and "failed to marshal" in outcome.message and TOKEN not in outcome.message


async def test_unreachable_agent() -> None:
    outcome = await session(settings_for("http://127.0.0.1:9")).run()
    assert isinstance(outcome, ConnectFailed)


async def test_basic_auth_header_and_unix_socket(tmp_path: Path) -> None:
    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive(ws)
        await exit_cleanly(ws, 7)

    path = str(tmp_path / "nomad.sock")
    async with fake_nomad(behaviour, unix_path=path) as (address, rec):
        settings = resolve({"address": address, "http_auth": "alice:s3cret"}, {}, {})
        assert await asyncio.wait_for(session(settings).run(), 10) == Exited(7)
    assert rec.path.startswith("/v1/client/allocation/alloc-1/exec?")
    assert rec.headers is not None and rec.headers["Authorization"] == "Basic YWxpY2U6czNjcmV0"
    assert rec.headers["Host"] == "127.0.0.1"


def make_tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A CA and a server certificate for the name nomad.test (not for 127.0.0.1)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> Any:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("test CA"))
        .issuer_name(name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("nomad.test"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("nomad.test")]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return server, ca_file


async def test_tls_verifies_against_the_ca_with_the_server_name(tmp_path: Path) -> None:
    server_tls, ca_file = make_tls(tmp_path)

    async def behaviour(ws: ServerConnection, rec: Recorder) -> None:
        await rec.receive(ws)
        await exit_cleanly(ws, 4)

    async with fake_nomad(behaviour, tls=server_tls) as (url, rec):
        good = settings_for(url, ca_cert=str(ca_file), tls_server_name="nomad.test", token=TOKEN)
        assert await asyncio.wait_for(session(good).run(), 10) == Exited(4)
        assert rec.frames[0] == {"version": 1, "auth_token": TOKEN}
        # The certificate is not for 127.0.0.1; without the server name, verification fails.
        no_name = await session(settings_for(url, ca_cert=str(ca_file))).run()
        assert isinstance(no_name, ConnectFailed)
        # An unknown CA fails too (verification is on by default) ...
        unknown_ca = await session(settings_for(url, tls_server_name="nomad.test")).run()
        assert isinstance(unknown_ca, ConnectFailed) and "certificate" in unknown_ca.message.lower()
        # ... unless the user opted out, as with the HTTP client.
        skip = settings_for(url, tls_skip_verify=True)
        assert await asyncio.wait_for(session(skip).run(), 10) == Exited(4)
