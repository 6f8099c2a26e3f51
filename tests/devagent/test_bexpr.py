"""The go-bexpr subset behind `filter=`, evaluated on model allocations."""

from __future__ import annotations

import pytest

from nomad_tui.devagent.bexpr import FilterEvalError, FilterSyntaxError, compile_filter
from nomad_tui.devagent.model.records import ALLOCATION_FIELDS, Allocation

from .test_model import make, running


@pytest.fixture(scope="module")
def alloc() -> Allocation:
    return running(make())


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('ClientStatus == "running"', True),
        ('ClientStatus != "running"', False),
        ("ClientStatus == `running`", True),
        ('ClientStatus == "running" and DesiredStatus == "run"', True),
        ('ClientStatus == "failed" or DesiredStatus == "run"', True),
        ('not (ClientStatus == "running")', False),
        ('JobID matches "^[a-z]+$"', True),
        ('JobID not matches "^x"', True),
        ('Name contains "["', True),
        ('"[" in Name', True),
        ("NextAllocation is empty", True),
        ("TaskStates is not empty", True),
        ('TaskStates.nope.State == "running"', False),
        ('TaskStates.nope.State != "running"', True),
        ("CreateIndex == 12 or CreateIndex != 12", True),
        ('Job.Type in "service batch system"', True),
        ("DesiredTransition.Migrate is empty", True),
    ],
)
def test_expressions(alloc: Allocation, expression: str, expected: bool) -> None:
    assert compile_filter(expression, ALLOCATION_FIELDS)(alloc) is expected


def test_nested_map_selector(alloc: Allocation) -> None:
    task = next(iter(alloc.TaskStates or {}))
    assert compile_filter(f'TaskStates.{task}.State == "running"', ALLOCATION_FIELDS)(alloc)
    assert compile_filter(f'TaskStates["{task}"].Restarts == 0', ALLOCATION_FIELDS)(alloc)


@pytest.mark.parametrize("expression", ["ClientStatus ==", "== 1", '(ClientStatus == "x"', 'a == "b" and'])
def test_syntax_errors(expression: str) -> None:
    with pytest.raises(FilterSyntaxError):
        compile_filter(expression, ALLOCATION_FIELDS)


def test_unknown_selector_fails_when_evaluated(alloc: Allocation) -> None:
    predicate = compile_filter('Bogus == "x"', ALLOCATION_FIELDS)
    with pytest.raises(FilterEvalError, match="error finding value in datum"):
        predicate(alloc)


def test_unknown_selector_is_a_400_through_the_api(agent: object) -> None:
    response = agent.client.get("/v1/allocations", params={"filter": 'Bogus == "x"'})  # type: ignore[attr-defined]
    assert response.status_code == 400 and response.text.startswith("failed to read result page:")


def test_compound_filter_through_the_api(agent: object) -> None:
    params = {"namespace": "*", "filter": 'ClientStatus == "running" and JobID matches "^(api|web)$"'}
    items = agent.client.get("/v1/allocations", params=params).json()  # type: ignore[attr-defined]
    assert items and all(a["ClientStatus"] == "running" and a["JobID"] in ("api", "web") for a in items)
