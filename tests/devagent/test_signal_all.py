"""Signalling all tasks as Nomad's alloc runner does: the running ones get it, the rest are a multierror."""

from __future__ import annotations

from collections.abc import Callable

from .agents import AgentThread
from .helpers import alloc, task_events


def test_running_tasks_are_signalled_then_500_names_the_rest(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent()
    alloc_id = agent.create(job="lifecycle", tasks=["init", "main"])[0]
    agent.control("POST", f"alloc/{alloc_id}/update", {"finished_task": "init"})
    response = agent.client.put(f"/v1/client/allocation/{alloc_id}/signal", json={"Signal": "SIGHUP"})
    assert response.status_code == 500
    assert response.text == "1 error occurred:\n\t* Failed to signal task: init, err: Task not running\n\n"
    body = alloc(agent, alloc_id)
    assert task_events(body, "main")[-1]["Type"] == "Signaling"
    assert task_events(body, "init")[-1]["Type"] != "Signaling"


def test_a_missing_signal_is_passed_on_empty(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent()
    alloc_id = agent.create(job="nosignal")[0]
    response = agent.client.put(f"/v1/client/allocation/{alloc_id}/signal", json={"Task": "main"})
    assert response.status_code == 200
    assert task_events(alloc(agent, alloc_id), "main")[-1]["Details"] == {"signal": ""}
