"""Every bad flag, variable or config file is one line naming the setting (and file), exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from nomad_tui import cli


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in list(__import__("os").environ):
        if var.startswith("NOMAD_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("nomad_tui.ui.run.run_app", lambda settings, **kw: 0)  # never start the UI
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    return tmp_path


CASES = [
    (["--address", "http://127.0.0.1:99999"], {}, "--address 'http://127.0.0.1:99999': the port must be between"),
    ([], {"NOMAD_ADDR": "http://127.0.0.1:abc"}, "NOMAD_ADDR 'http://127.0.0.1:abc': the port is not a number"),
    ([], {"NOMAD_ADDR": "http://[::1"}, "NOMAD_ADDR 'http://[::1': malformed IPv6 address"),
    (["--address", "http://"], {}, "--address 'http://': no host name"),
    (["--ca-cert", "/nonexistent.pem"], {}, "--ca-cert /nonexistent.pem: no such file"),
    ([], {"NOMAD_CACERT": "{tmp}/garbage.pem"}, "NOMAD_CACERT {tmp}/garbage.pem: not a PEM CA certificate"),
    ([], {"NOMAD_CACERT": "{tmp}"}, "NOMAD_CACERT {tmp}: is a directory"),
    ([], {"NOMAD_CAPATH": "{tmp}/garbage.pem"}, "NOMAD_CAPATH {tmp}/garbage.pem: not a directory"),
    ([], {"NOMAD_CLIENT_CERT": "/nope.pem", "NOMAD_CLIENT_KEY": "/nope.key"}, "NOMAD_CLIENT_CERT /nope.pem: no such"),
    (
        ["--client-cert", "{tmp}/garbage.pem", "--client-key", "{tmp}/garbage.pem"],
        {},
        "--client-cert {tmp}/garbage.pem: does not load with key",
    ),
    (["--config", "/nonexistent.toml"], {}, "config file /nonexistent.toml: no such file"),
    (["--config", "/dev/zero"], {}, "config file /dev/zero: larger than"),
    (["--config", "{tmp}"], {}, "config file {tmp}: is a directory"),
    ([], {"NOMAD_TOKEN": "tökén"}, "NOMAD_TOKEN: the token contains non-ASCII characters"),
    (["--token", "a\r\nb"], {}, "--token: the token contains characters outside printable ASCII"),
]


@pytest.mark.parametrize(("argv", "env", "expected"), CASES)
def test_bad_input_is_one_line_and_exit_2(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    tmp = str(clean_env)
    for var, value in env.items():
        monkeypatch.setenv(var, value.replace("{tmp}", tmp))
    assert cli.main([a.replace("{tmp}", tmp) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nomad-tui: {expected.replace('{tmp}', tmp)}")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "tökén" not in err and "a\r\nb" not in err


def test_a_config_setting_is_named_with_its_file(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = clean_env / "c.toml"
    config.write_text('ca_cert = "/missing/ca.pem"\n')
    assert cli.main(["--config", str(config)]) == 2
    assert capsys.readouterr().err == f"nomad-tui: ca_cert in {config} /missing/ca.pem: no such file\n"


def test_good_tls_files_pass(clean_env: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(clean_env / "ca.pem"))
    cert.cert_chain_pems[0].write_to_path(str(clean_env / "c.pem"))
    cert.private_key_pem.write_to_path(str(clean_env / "k.pem"))
    flags = ["--ca-cert", "ca.pem", "--client-cert", "c.pem", "--client-key", "k.pem"]
    assert cli.main([f if f.startswith("--") else str(clean_env / f) for f in flags]) == 0
