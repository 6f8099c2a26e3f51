"""`--nomad-version`: the agent answers as an older (or newer) Nomad release."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nomad_tui.devagent.config import DEFAULT_NOMAD_VERSION, AgentConfig, ConfigError, parse_args

from .agents import AgentThread


def test_default_version_is_reported_like_nomad(agent: AgentThread) -> None:
    body = agent.client.get("/v1/agent/self").json()
    info = body["config"]["Version"]
    assert info["Version"] == DEFAULT_NOMAD_VERSION
    assert set(info) == {"Revision", "Version", "VersionMetadata", "VersionPrerelease"}
    assert body["member"]["Tags"]["build"] == DEFAULT_NOMAD_VERSION


def test_flag_sets_the_reported_version(fresh_agent: Callable[..., AgentThread]) -> None:
    config = parse_args(["--nomad-version", "v1.3.5"])
    assert config.nomad_version == "1.3.5"
    old = fresh_agent(nomad_version=config.nomad_version)
    body = old.client.get("/v1/agent/self").json()
    assert body["config"]["Version"]["Version"] == "1.3.5"
    assert body["member"]["Tags"]["build"] == "1.3.5"


def test_before_0_7_the_version_is_a_flat_string(fresh_agent: Callable[..., AgentThread]) -> None:
    body = fresh_agent(nomad_version="0.6.3").client.get("/v1/agent/self").json()
    assert body["config"]["Version"] == "0.6.3"
    assert body["config"]["VersionPrerelease"] == ""


def test_at_least() -> None:
    config = AgentConfig(nomad_version="1.3.0")
    assert config.at_least(1, 3)
    assert config.at_least(0, 12)
    assert not config.at_least(1, 4)
    assert not config.at_least(1, 3, 1)
    assert AgentConfig().at_least(1, 4)


@pytest.mark.parametrize("bad", ["1.3", "one", "1.3.0-beta", "0.5.6"])
def test_bad_version_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_args(["--nomad-version", bad])
