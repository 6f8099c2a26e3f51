"""Contexts in the config file and the audit log, without an app: parsing, token sources, isolation."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from nomad_tui.audit import AuditLog, AuditRecord, read_tail
from nomad_tui.config_file import ConfigFileError, load
from nomad_tui.contexts import ContextError, catalog_from
from nomad_tui.settings import Secret


def load_text(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[contexts.prod]\naddress = "http://x"\ntoken = "s3cret"\n', "line 1: contexts.prod.token: a token is never"),
        ('[contexts.prod]\nadress = "http://x"\n', "unknown setting 'adress'"),
        ('[contexts.prod]\ndanger = "yolo"\n', "danger must be one of confirm, type-name, read-only"),
        ('[contexts.prod]\ntoken_env = "A"\ntoken_command = "b"\n', "give token_env or token_command, not both"),
        ('[contexts.env]\naddress = "http://x"\n', "reserved"),
        ('contexts = "prod"\n', "contexts must be tables"),
    ],
)
def test_bad_context_tables_are_named_with_their_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigFileError, match=message):
        load_text(tmp_path, text)


def test_a_named_context_takes_nothing_from_the_nomad_environment(tmp_path: Path) -> None:
    values = load_text(tmp_path, 'exec_command = "/bin/zsh"\n[contexts.prod]\naddress = "https://prod:4646"\n')
    env = {"NOMAD_ADDR": "http://env:1", "NOMAD_TOKEN": "env-token", "NOMAD_NAMESPACE": "web"}
    catalog = catalog_from(values, env, {})
    prod = catalog.settings_for("prod")
    assert prod.address == "https://prod:4646" and prod.token is None and prod.namespace == "*"
    assert prod.exec_command == "/bin/zsh" and prod.context == "prod"
    implicit = catalog.settings_for("env")
    assert implicit.address == "http://env:1" and implicit.token == Secret("env-token")
    assert catalog.names == ["env", "prod"]


def test_read_only_from_danger_and_from_the_start_flag_holds_on_every_switch(tmp_path: Path) -> None:
    values = load_text(tmp_path, '[contexts.a]\naddress = "http://a"\n[contexts.b]\ndanger = "read-only"\n')
    assert catalog_from(values, {}, {}).settings_for("b").read_only
    assert not catalog_from(values, {}, {}).settings_for("a").read_only
    started_read_only = catalog_from(values, {}, {"read_only": True, "address": "http://flag"})
    assert started_read_only.settings_for("a").read_only
    assert started_read_only.settings_for("a").address == "http://a"  # other flags: the start context only
    assert started_read_only.settings_for("a", at_start=True).address == "http://flag"


def test_token_sources(tmp_path: Path) -> None:
    values = load_text(
        tmp_path,
        '[contexts.a]\ntoken_env = "A_TOKEN"\n[contexts.b]\ntoken_command = "printf \' tok-b \\\\n\'"\n'
        '[contexts.c]\ntoken_command = "echo two words"\n',
    )
    catalog = catalog_from(values, {"A_TOKEN": "tok-a"}, {})
    assert catalog.settings_for("a").token == Secret("tok-a")
    assert catalog.settings_for("b").token == Secret("tok-b")
    with pytest.raises(ContextError, match="printed more than one token"):
        catalog.settings_for("c")
    with pytest.raises(ContextError, match="token_env A_TOKEN is not set"):
        catalog_from(values, {}, {}).settings_for("a")


def test_a_token_command_that_hangs_is_given_up(tmp_path: Path) -> None:
    values = load_text(tmp_path, '[contexts.a]\ntoken_command = "vault login"\n')

    def hanging(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        raise subprocess.TimeoutExpired("vault login", kwargs["timeout"])

    with pytest.raises(ContextError, match="did not finish within 30 s"):
        catalog_from(values, {}, {}).settings_for("a", run=hanging)


def test_audit_records_are_json_lines_without_tokens_and_a_write_failure_never_raises(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "state" / "audit.jsonl")
    for n in range(3):
        log.write(AuditRecord("stop", "prod", "https://prod:4646", "web", f"alloc-{n}", job="api", result="ok"))
    assert log.flush()
    records = read_tail(log.path)
    assert [r["allocation"] for r in records] == ["alloc-0", "alloc-1", "alloc-2"]
    assert log.path.stat().st_mode & 0o777 == 0o600
    blocked = tmp_path / "file"
    blocked.write_text("")
    broken = AuditLog(blocked / "audit.jsonl")  # its directory is a file: cannot be created
    broken.write(AuditRecord("stop", "prod", "a", "ns", "id"))
    assert broken.flush()
    assert "cannot write the audit log" in broken.failure
