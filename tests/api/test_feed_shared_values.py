"""The feed keeps one copy of the values many allocations repeat (memory at a million allocations)."""

from __future__ import annotations

import msgspec

from nomad_tui.api.feed import SharedValues
from nomad_tui.api.models import AllocStub


def stubs(count: int, eval_prefix: str = "e") -> list[AllocStub]:
    body = [
        {
            "ID": f"a{i}",
            "Namespace": "prod",
            "NodeID": "n1",
            "JobID": "web",
            "EvalID": f"{eval_prefix}{i % 2}",
            "TaskStates": {"app": {"State": "running", "Restarts": i % 2}},
        }
        for i in range(count)
    ]
    return msgspec.json.decode(msgspec.json.encode(body), type=list[AllocStub])


def test_repeated_strings_are_shared_and_values_kept() -> None:
    shared = SharedValues()
    decoded = stubs(4)
    assert decoded[0].namespace is not decoded[1].namespace  # the decoder makes a copy each time
    shared.compact(decoded)
    assert all(stub.namespace is decoded[0].namespace for stub in decoded)
    assert all(stub.job_id is decoded[0].job_id and stub.node_id is decoded[0].node_id for stub in decoded)
    assert [stub.eval_id for stub in decoded] == ["e0", "e1", "e0", "e1"]
    assert [stub.id for stub in decoded] == ["a0", "a1", "a2", "a3"]
    states = [stub.task_states for stub in decoded]
    assert states[0] is states[2] and states[1] is states[3] and states[0] is not states[1]
    assert [s["app"].restarts for s in states if s] == [0, 1, 0, 1]


def test_the_table_is_bounded() -> None:
    shared = SharedValues(limit=3)
    shared.compact(stubs(2, "x"))
    shared.compact(stubs(2, "y"))  # past the limit: starts over
    assert len(shared.table) <= 3 + 6
    shared.compact(stubs(2, "z"))
    assert "x0" not in shared.table
