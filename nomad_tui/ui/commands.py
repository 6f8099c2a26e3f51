"""The `:` command line: parse what was typed into a command the screen carries out."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from nomad_tui.state.view import SORT_KEYS

HELP = (
    ("jobs, nodes, allocs", "switch view: jobs, nodes (enter: their allocations), the allocation list"),
    ("ns NAME", "show namespace NAME (`ns *` for all)"),
    ("sort COLUMN [asc|desc]", "sort by a column: " + ", ".join(sorted(SORT_KEYS))),
    ("alloc PREFIX", "jump to the allocation whose ID starts with PREFIX"),
    ("filter TEXT", "same as / TEXT"),
    ("ctx [NAME]", "switch to context NAME from the config file (without NAME: list them)"),
    ("region [NAME]", "switch to region NAME (without NAME: list the cluster's regions)"),
    ("audit", "the audit log of actions sent (stop, signal, restart, exec)"),
    ("resync", "fetch everything again now (also ctrl+r)"),
    ("help", "the key and command reference (also ?)"),
    ("q, quit", "leave nomad-tui"),
)


class CommandError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: tuple[str, ...] = ()


ALIASES = {
    "ns": "namespace",
    "namespace": "namespace",
    "sort": "sort",
    "alloc": "alloc",
    "a": "alloc",
    "filter": "filter",
    "f": "filter",
    "ctx": "context",
    "context": "context",
    "region": "region",
    "audit": "audit",
    "resync": "resync",
    "help": "help",
    "h": "help",
    "q": "quit",
    "quit": "quit",
    "q!": "quit",
    "jobs": "jobs",
    "job": "jobs",
    "nodes": "nodes",
    "node": "nodes",
    "no": "nodes",
    "allocs": "allocs",
    "allocations": "allocs",
}
# What `:` offers to complete as you type (view names first).
COMPLETIONS = [
    "allocs",
    "jobs",
    "nodes",
    "ns ",
    "ctx ",
    "region ",
    "audit",
    "sort ",
    "alloc ",
    "filter ",
    "resync",
    "help",
    "quit",
]


def parse(line: str) -> Command:
    line = line.strip().removeprefix(":").strip()
    if not line:
        raise CommandError("empty command")
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"cannot parse: {exc}") from None
    name = ALIASES.get(words[0].lower())
    if name is None:
        raise CommandError(f"unknown command {words[0]!r} (try :help)")
    args = tuple(words[1:])
    if name == "namespace" and len(args) > 1:
        raise CommandError("usage: ns NAME (or ns * for every namespace)")
    bad_sort = not args or args[0].lower() not in SORT_KEYS or (len(args) > 1 and args[1] not in ("asc", "desc"))
    if name == "sort" and bad_sort:
        raise CommandError("usage: sort COLUMN [asc|desc]; columns: " + ", ".join(sorted(SORT_KEYS)))
    if name in ("context", "region") and len(args) > 1:
        raise CommandError(f"usage: {words[0].lower()} [NAME]")
    if name == "alloc" and (len(args) != 1 or not args[0]):
        raise CommandError("usage: alloc ID-PREFIX")
    if name == "filter":
        args = (" ".join(args),)
    return Command(name, args)
