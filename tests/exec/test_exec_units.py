"""The parts of exec that need no connection: the `~.` escape, argv splitting, the URL."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import settings_for

from nomad_tui.api.exec_session import CommandError, build_argv, exec_url
from nomad_tui.settings import resolve
from nomad_tui.term.escape import EscapeDetector
from nomad_tui.ui.sessions import CommandMemory, ExecTarget


def run(detector: EscapeDetector, *chunks: bytes) -> tuple[bytes, bool]:
    sent = b""
    for chunk in chunks:
        result = detector.feed(chunk)
        sent += result.data
        if result.close:
            return sent, True
    return sent, False


@pytest.mark.parametrize(
    ("typed", "sent", "closed"),
    [
        ((b"~", b"."), b"", True),  # at the start of the session
        ((b"ls\r", b"~", b"."), b"ls\r", True),  # after a CR
        ((b"ls\n~."), b"ls\n", True),  # after a LF, in one chunk
        ((b"~~",), b"~", False),  # ~~ sends one ~
        ((b"~", b"~", b"."), b"~.", False),  # ...and the line no longer starts there
        ((b"~x",), b"~x", False),  # anything else passes through
        ((b"~\r~."), b"~\r", True),  # ~ then CR: both sent, and a new line starts
        ((b"a~.",), b"a~.", False),  # not at a line start
        ((b"echo ~.\r",), b"echo ~.\r", False),
        ((b"~",), b"", False),  # held until the next key
    ],
)
def test_escape_at_line_start_only(typed: tuple[bytes, ...] | bytes, sent: bytes, closed: bool) -> None:
    chunks = (typed,) if isinstance(typed, bytes) else typed
    assert run(EscapeDetector(), *chunks) == (sent, closed)


def test_escape_off() -> None:
    assert run(EscapeDetector(None), b"~.") == (b"~.", False)


def test_argv_is_split_like_a_shell_line_and_nothing_is_eaten() -> None:
    assert build_argv("ls -la /tmp -h") == ["ls", "-la", "/tmp", "-h"]
    assert build_argv("/bin/sh -c 'echo a  b; exit 3'") == ["/bin/sh", "-c", "echo a  b; exit 3"]
    assert build_argv('grep -e "-v" --  x') == ["grep", "-e", "-v", "--", "x"]
    for bad in ("", "   ", "echo 'unbalanced"):
        with pytest.raises(CommandError):
            build_argv(bad)


def test_url_has_the_argv_as_json_and_no_token() -> None:
    secret = "0badc0de-1111-2222-3333-444455556666"
    settings = settings_for("http://127.0.0.1:4646", token=secret, region="eu")
    url = exec_url(settings, "abc/def", "web", ["sh", "-c", "echo -h"], "prod")
    parts = urlsplit(url)
    assert parts.scheme == "ws" and parts.path == "/v1/client/allocation/abc%2Fdef/exec"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "task": "web",
        "tty": "true",
        "command": json.dumps(["sh", "-c", "echo -h"]),
        "ws_handshake": "true",
        "region": "eu",
        "namespace": "prod",
    }
    assert secret not in url


def test_url_scheme_follows_the_address() -> None:
    assert exec_url(settings_for("https://nomad.example:4646"), "a", "t", ["sh"], None).startswith(
        "wss://nomad.example:4646/v1/client/allocation/a/exec?"
    )
    unix = resolve({"address": "unix:///run/nomad.sock"}, {}, {})
    assert exec_url(unix, "a", "t", ["sh"], None).startswith("ws://127.0.0.1/v1/")
    with_user = settings_for("http://user:pw@127.0.0.1:4646")
    assert "pw" not in exec_url(with_user, "a", "t", ["sh"], None)


def test_target_label_is_sanitised_and_commands_are_remembered_per_job() -> None:
    target = ExecTarget("0123456789abcdef", "default", "web", "t\x1b]0;x\x07", "sh", ("sh",))
    label = target.label_with("\x1b]52;c;aGk=\x07title")
    assert "\x1b" not in label and "\x07" not in label and label.startswith("01234567/")
    assert target.label_with("") == target.label
    memory = CommandMemory("/bin/sh")
    memory.remember("default", "web", "bash -l")
    assert memory.get("default", "web") == "bash -l"
    assert memory.get("prod", "web") == "/bin/sh"
