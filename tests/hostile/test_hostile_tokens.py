"""Tokens never shown, never handed on: a token with CR/LF in an error text, `--token` and `ps`,
and `--demo` passing none of the user's credentials to the dev agent and its tasks."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import settings_for
from scripted_server import Reply, ScriptedServer

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError, clean_message
from nomad_tui.cli import build_parser
from nomad_tui.devagent.driver.spawn import task_env
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.settings import Secret, SettingsError

pytestmark = pytest.mark.hostile


@pytest.mark.parametrize("token", ["secret-AAAA\r\nX-Evil: BBBB", "secret-AAAA\nsecret-BBBB", "tok\x00en-CCCC"])
def test_settings_refuse_a_token_with_control_characters(token: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_for("http://127.0.0.1:1", token=token)
    assert not any(piece in str(caught.value) for piece in ("AAAA", "BBBB", "CCCC"))


@pytest.mark.parametrize("token", ["secret-AAAA\r\nX-Evil: BBBB", "secret-AAAA\nsecret-BBBB", "tok\x00en-CCCC"])
async def test_a_token_with_control_characters_is_never_printed(token: str) -> None:
    # Behind the settings check too (a token from elsewhere, e.g. a context's token command).
    async with ScriptedServer([Reply.json([], 1)]) as server:
        client = NomadClient(replace(settings_for(server.url), token=Secret(token)))
        try:
            with pytest.raises(NomadError) as caught:
                await client.list_allocations()
        finally:
            await client.aclose()
    text = str(caught.value)
    for piece in ("AAAA", "BBBB", "CCCC"):
        assert piece not in text, text


def test_the_scrubber_knows_the_quoted_forms_of_a_token() -> None:
    token = "secret-AAAA\r\nX-Evil: BBBB"
    for quoted in (repr(token.encode()), repr(token), '"secret-AAAA\\r\\nX-Evil: BBBB"', token):
        assert "AAAA" not in clean_message(f"Illegal header value {quoted}", secrets=(token,))


def test_help_says_a_token_flag_shows_in_ps() -> None:
    text = " ".join(build_parser().format_help().split())
    assert "ps" in text and "prefer NOMAD_TOKEN" in text
    readme = Path(__file__).resolve().parents[2] / "README.md"
    assert "prefer `NOMAD_TOKEN`" in readme.read_text()


CREDENTIALS = {
    "NOMAD_TOKEN": "tok-1111",
    "NOMAD_HTTP_AUTH": "admin:REAL-PASSWORD",
    "NOMAD_CLIENT_KEY": "/home/me/key.pem",
    "VAULT_TOKEN": "hvs.2222",
    "MY_API_SECRET": "3333",
}


def test_dev_agent_tasks_and_exec_get_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    env = task_env({"NOMAD_ALLOC_ID": "a1"})
    assert not set(CREDENTIALS) & set(env)
    assert env["NOMAD_ALLOC_ID"] == "a1" and "PATH" in env


def test_dev_agent_process_gets_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    agent = AgentProcess.start("--allocs", "0", "--churn", "0", "--no-processes")
    try:
        environ = Path(f"/proc/{agent.popen.pid}/environ").read_bytes()
    finally:
        agent.stop()
    for value in CREDENTIALS.values():
        assert value.encode() not in environ
    assert os.environ["NOMAD_HTTP_AUTH"] == "admin:REAL-PASSWORD"  # the app itself still has them
