from __future__ import annotations

import pytest

from nomad_tui.config_file import ConfigFileError, load
from nomad_tui.settings import DEFAULT_NAMESPACE, Secret, SettingsError, resolve


def test_defaults_when_nothing_is_set() -> None:
    s = resolve({}, {}, {})
    assert s.address == "http://127.0.0.1:4646"
    assert s.namespace == DEFAULT_NAMESPACE == "*"
    assert s.token is None and s.region is None and not s.tls_skip_verify


def test_flags_beat_env_beat_file() -> None:
    file_values = {"address": "http://file:1", "region": "file-region", "namespace": "file-ns"}
    env = {"NOMAD_ADDR": "http://env:2", "NOMAD_REGION": "env-region"}
    s = resolve({"address": "http://flag:3"}, env, file_values)
    assert s.address == "http://flag:3"
    assert s.region == "env-region"
    assert s.namespace == "file-ns"


def test_every_nomad_cli_variable_is_read() -> None:
    env = {
        "NOMAD_ADDR": "https://nomad.example:4646",
        "NOMAD_TOKEN": "s3cr3t-token",
        "NOMAD_NAMESPACE": "web",
        "NOMAD_REGION": "eu",
        "NOMAD_CACERT": "/ca.pem",
        "NOMAD_CAPATH": "/cas",
        "NOMAD_CLIENT_CERT": "/c.pem",
        "NOMAD_CLIENT_KEY": "/k.pem",
        "NOMAD_TLS_SERVER_NAME": "server.global.nomad",
        "NOMAD_SKIP_VERIFY": "true",
        "NOMAD_HTTP_AUTH": "alice:pw",
    }
    s = resolve({}, env, {})
    assert s.address == "https://nomad.example:4646"
    assert s.token == Secret("s3cr3t-token")
    assert (s.namespace, s.region) == ("web", "eu")
    assert (s.ca_cert, s.ca_path, s.client_cert, s.client_key) == ("/ca.pem", "/cas", "/c.pem", "/k.pem")
    assert s.tls_server_name == "server.global.nomad"
    assert s.tls_skip_verify is True
    assert s.basic_auth == ("alice", "pw")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("T", True), ("false", False), ("yes", False)])
def test_skip_verify_uses_go_parse_bool_and_ignores_garbage(raw: str, expected: bool) -> None:
    assert resolve({}, {"NOMAD_SKIP_VERIFY": raw}, {}).tls_skip_verify is expected


def test_token_and_password_never_in_repr() -> None:
    s = resolve(
        {}, {"NOMAD_TOKEN": "tok-123456", "NOMAD_ADDR": "http://bob:hunter2@h:1", "NOMAD_HTTP_AUTH": "a:pw9"}, {}
    )
    text = repr(s) + str(s) + repr(s.token) + str(s.token)
    for secret in ("tok-123456", "hunter2", "pw9"):
        assert secret not in text
    assert s.basic_auth == ("bob", "hunter2")  # userinfo in the address wins, as in the Go api
    assert s.base_url == "http://h:1"


def test_unix_socket_address() -> None:
    s = resolve({"address": "unix:///var/run/nomad.sock"}, {}, {})
    assert s.is_unix_socket and s.unix_socket_path == "/var/run/nomad.sock"
    assert s.base_url == "http://127.0.0.1"


def test_bad_scheme_and_half_mtls_pair_are_errors() -> None:
    with pytest.raises(SettingsError):
        resolve({"address": "ftp://x"}, {}, {})
    with pytest.raises(SettingsError, match="together"):
        resolve({"client_cert": "/c.pem"}, {}, {})


def test_config_file_errors_name_the_line(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('address = "http://x:1"\nnamespace = 3\n')
    with pytest.raises(ConfigFileError, match="line 2"):
        load(path)
    path.write_text('address = "http://x:1"\nread_only = tru\n')
    with pytest.raises(ConfigFileError, match="line 2"):
        load(path)
    path.write_text('[keys]\nstop = "ctrl+x"\nfly = "f"\n')
    with pytest.raises(ConfigFileError, match=r"line 3.*unknown action"):
        load(path, action_names={"stop"})


def test_config_file_values_and_keymap(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('address = "http://x:1"\nread_only = true\n[keys]\nstop = "ctrl+x"\n')
    assert load(path, action_names={"stop"}) == {
        "address": "http://x:1",
        "read_only": True,
        "keymap": {"stop": "ctrl+x"},
    }
    assert load(tmp_path / "missing.toml") == {}
