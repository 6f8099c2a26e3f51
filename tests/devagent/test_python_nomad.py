"""A client nobody here wrote: python-nomad lists allocations, reads one and stops one."""

from __future__ import annotations

import nomad

from .agents import AgentThread
from .helpers import poll


def test_python_nomad_lists_reads_and_stops(agent: AgentThread) -> None:
    port = int(agent.url.rsplit(":", 1)[1])
    client = nomad.Nomad(host="127.0.0.1", port=port, timeout=10)
    allocations = client.allocations.get_allocations()
    assert allocations and all(a["Namespace"] == "default" for a in allocations)
    everything = client.allocations.get_allocations(namespace="*")
    assert len(everything) > len(allocations)
    target = next(a for a in everything if a["JobID"] == "api" and a["ClientStatus"] == "running")
    full = client.allocation.get_allocation(target["ID"])
    assert full["ID"] == target["ID"] and full["Job"]["ID"] == "api"
    result = client.allocation.stop_allocation(target["ID"])
    assert set(result) == {"EvalID", "Index"}
    poll(lambda: client.allocation.get_allocation(target["ID"])["ClientStatus"] == "complete")
    try:
        client.allocation.get_allocation("00000000-0000-4000-8000-000000000000")
    except nomad.api.exceptions.URLNotFoundNomadException:
        pass
    else:
        raise AssertionError("a missing allocation must be a 404")
