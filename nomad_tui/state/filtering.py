"""The `/` filter language: words, `field:value` terms and negation, all case-insensitive.

web                 ID, job, group, node, status, namespace or name contains "web"
status:failed       the status starts with "failed" (fields: id, job, group, node, status, desired, ns, task)
!status:complete    negation, also written -status:complete
job:api status:run  every term must hold
job:=web            exactly "web" (what drilling from the jobs or nodes view sets)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nomad_tui.state.rows import AllocRow

FIELDS: dict[str, Callable[[AllocRow], str]] = {
    "id": lambda r: r.id,
    "job": lambda r: r.job,
    "group": lambda r: r.group,
    "node": lambda r: r.node,
    "status": lambda r: r.status,
    "desired": lambda r: r.desired,
    "ns": lambda r: r.namespace,
    "namespace": lambda r: r.namespace,
    "name": lambda r: r.name,
}
# Fields compared from the start of the value (status:run matches "running"); the rest by substring.
PREFIX_FIELDS = {"status", "desired", "id", "ns", "namespace"}


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: a plain word, searched everywhere; "task": any task name
    value: str
    negated: bool
    exact: bool = False

    def matches(self, row: AllocRow) -> bool:
        if self.field is None:
            hit = self.value in row.search_text
        elif self.field == "task":
            hit = any(self.value in name.lower() for name in row.task_names)
        else:
            text = FIELDS[self.field](row).lower()
            if self.exact:
                hit = text == self.value
            else:
                hit = text.startswith(self.value) if self.field in PREFIX_FIELDS else self.value in text
        return hit != self.negated


class AllocFilter:
    def __init__(self, text: str = "") -> None:
        self.text = text.strip()
        self.terms = tuple(parse_term(word) for word in self.text.split())

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def uses_tasks(self) -> bool:
        """A `task:` term: its answer depends on task states, which big lists come without."""
        return any(term.field == "task" for term in self.terms)

    def __call__(self, row: AllocRow) -> bool:
        return all(term.matches(row) for term in self.terms)


def parse_term(word: str) -> Term:
    negated = word[:1] in ("!", "-") and len(word) > 1
    if negated:
        word = word[1:]
    name, sep, value = word.partition(":")
    name = name.lower()
    if sep and (name in FIELDS or name == "task") and value:
        exact = value.startswith("=") and len(value) > 1 and name != "task"
        return Term(name, value.removeprefix("=").lower() if exact else value.lower(), negated, exact)
    return Term(None, word.lower(), negated)
