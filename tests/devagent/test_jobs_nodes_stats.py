"""Jobs, evaluations, nodes and allocation stats as the dev agent serves them (Nomad's shapes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from nomad_tui.devagent.model.scheduling import CLASS_INELIGIBLE, UNPLACEABLE_JOB

from .agents import AgentThread

NS = 1_000_000_000


def _get(agent: AgentThread, path: str, **params: Any) -> httpx.Response:
    response = agent.client.get(path, params=params)
    response.raise_for_status()
    return response


def test_job_stubs_carry_live_summaries(agent: AgentThread) -> None:
    response = _get(agent, "/v1/jobs", namespace="*")
    jobs = {(j["Namespace"], j["ID"]): j for j in response.json()}
    allocs = _get(agent, "/v1/allocations", namespace="*").json()
    api = jobs[("default", "api")]
    counted = sum(1 for a in allocs if a["JobID"] == "api" and a["Namespace"] == "default")
    summary = api["JobSummary"]["Summary"]["api"]
    assert sum(summary[k] for k in ("Running", "Starting", "Complete", "Failed", "Lost", "Unknown")) == counted
    assert api["Status"] == "running" and "Version" not in api  # JobListStub has no Version
    assert int(response.headers["X-Nomad-Index"]) >= max(j["ModifyIndex"] for j in jobs.values())
    only_prod = _get(agent, "/v1/jobs", namespace="prod").json()
    assert {j["Namespace"] for j in only_prod} == {"prod"}


def test_unplaceable_job_has_nomad_true_failed_placements(agent: AgentThread) -> None:
    job = _get(agent, f"/v1/job/{UNPLACEABLE_JOB}", namespace="data").json()
    assert job["Status"] == "pending"
    assert job["TaskGroups"][0]["Constraints"] == [{"LTarget": "${node.class}", "Operand": "=", "RTarget": "gpu"}]
    summary = _get(agent, f"/v1/job/{UNPLACEABLE_JOB}/summary", namespace="data").json()
    assert summary["Summary"]["train"]["Queued"] == 2 and summary["Summary"]["shard"]["Queued"] == 1
    evals = _get(agent, f"/v1/job/{UNPLACEABLE_JOB}/evaluations", namespace="data").json()
    blocked, failed = evals  # newest first
    assert blocked["Status"] == "blocked" and blocked["TriggeredBy"] == "queued-allocs"
    assert blocked["PreviousEval"] == failed["ID"] and failed["BlockedEval"] == blocked["ID"]
    nodes = _get(agent, "/v1/nodes").json()
    eligible = [n for n in nodes if n["SchedulingEligibility"] == "eligible"]
    train = failed["FailedTGAllocs"]["train"]
    # One node per computed class is checked against the constraint; the rest share its verdict.
    classes = {n["NodeClass"] for n in eligible}
    assert train["ConstraintFiltered"] == {
        "${node.class} = gpu": len(classes),
        CLASS_INELIGIBLE: len(eligible) - len(classes),
    }
    assert train["NodesEvaluated"] == train["NodesFiltered"] == len(eligible)
    assert train["NodesInPool"] == len(nodes)
    shard = failed["FailedTGAllocs"]["shard"]
    assert shard["NodesExhausted"] == len(eligible) and shard["DimensionExhausted"] == {"memory": len(eligible)}
    assert _get(agent, f"/v1/evaluation/{blocked['ID']}").json() == blocked


def test_evaluation_of_an_allocation(agent: AgentThread) -> None:
    alloc = _get(agent, "/v1/allocations", namespace="*").json()[0]
    record = _get(agent, f"/v1/evaluation/{alloc['EvalID']}").json()
    assert record["ID"] == alloc["EvalID"] and record["Status"] == "complete"
    missing = agent.client.get("/v1/evaluation/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_nodes_with_resources(agent: AgentThread) -> None:
    plain = _get(agent, "/v1/nodes").json()
    assert "NodeResources" not in plain[0]
    nodes = _get(agent, "/v1/nodes", resources="true").json()
    first = nodes[0]
    assert first["NodeResources"]["Cpu"]["CpuShares"] > 0 and first["NodeResources"]["Memory"]["MemoryMB"] > 0
    assert first["ReservedResources"]["Memory"]["MemoryMB"] >= 0
    # NodeListStub's keys as Nomad sends them (nomad/structs/structs.go NodeListStub, NodeResources)
    assert set(first) >= {"HostVolumes", "LastDrain", "Drivers", "NodePool", "Version", "ReservedResources"}
    assert set(first["NodeResources"]) >= {"Cpu", "Processors", "Memory", "Disk", "NodeNetworks", "Networks"}
    cores = first["NodeResources"]["Processors"]["Topology"]["Cores"]
    assert sum(c["BaseSpeed"] for c in cores) == first["NodeResources"]["Cpu"]["CpuShares"]
    one = _get(agent, f"/v1/node/{first['ID']}").json()
    assert one["Name"] == first["Name"] and one["Attributes"]["kernel.name"] == "linux"
    on_node = _get(agent, f"/v1/node/{first['ID']}/allocations").json()
    assert all(a["NodeID"] == first["ID"] for a in on_node)
    assert agent.client.get("/v1/node/00000000-0000-4000-8000-000000000000").status_code == 404


def test_blocking_jobs_list_waits_for_a_change(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent()
    response = _get(agent, "/v1/jobs", namespace="*")
    index = int(response.headers["X-Nomad-Index"])
    running = next(a for a in _get(agent, "/v1/allocations", namespace="*").json() if a["ClientStatus"] == "running")

    async def scenario() -> httpx.Response:
        async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:
            waiting = asyncio.ensure_future(
                client.get("/v1/jobs", params={"namespace": "*", "index": index, "wait": "5s"})
            )
            await asyncio.sleep(0.2)
            assert not waiting.done()  # nothing changed yet: the query blocks
            await client.post(f"/v1/devagent/alloc/{running['ID']}/update", json={"client_status": "failed"})
            return await waiting

    answer = asyncio.run(scenario())
    assert int(answer.headers["X-Nomad-Index"]) > index
    job = next(j for j in answer.json() if j["ID"] == running["JobID"] and j["Namespace"] == running["Namespace"])
    assert job["JobSummary"]["Summary"][running["TaskGroup"]]["Failed"] >= 1


def _stats(agent: AgentThread, alloc_id: str) -> dict[str, Any]:
    return _get(agent, f"/v1/client/allocation/{alloc_id}/stats").json()


def test_stats_move_over_time_and_follow_restarts(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent()
    allocs = _get(agent, "/v1/allocations", namespace="*").json()
    alloc = next(a for a in allocs if a["ClientStatus"] == "running" and a["JobID"] == "api")
    first = _stats(agent, alloc["ID"])
    task = first["Tasks"]["app"]["ResourceUsage"]
    assert task["MemoryStats"]["Measured"] == ["RSS", "Cache", "Swap", "Usage", "Max Usage"]  # docker
    assert task["CpuStats"]["Measured"] == ["Throttled Periods", "Throttled Time", "Percent"]
    assert 0 < task["MemoryStats"]["RSS"] <= 256 * 1024 * 1024
    samples = []
    for _ in range(8):
        agent.loop.call_soon_threadsafe(agent.server.agent.clock.advance, 7 * NS)
        samples.append(_stats(agent, alloc["ID"])["Tasks"]["app"]["ResourceUsage"])
    assert len({s["MemoryStats"]["RSS"] for s in samples}) > 1
    assert len({round(s["CpuStats"]["TotalTicks"], 3) for s in samples}) > 1
    before = samples[-1]["MemoryStats"]["RSS"]
    agent.client.put(f"/v1/client/allocation/{alloc['ID']}/restart", json={"TaskName": "app"}).raise_for_status()

    def restarted() -> int:
        a = _get(agent, f"/v1/allocation/{alloc['ID']}").json()
        state = a["TaskStates"]["app"]
        return state["Restarts"] if state["State"] == "running" else 0

    from .helpers import poll

    poll(restarted)
    after = _stats(agent, alloc["ID"])["Tasks"]["app"]["ResourceUsage"]["MemoryStats"]["RSS"]
    assert after < before  # a fresh process starts small again
