"""A keyed store and a sorted, filtered view for any resource kind that is not allocations.

Jobs and nodes are counted in hundreds or thousands, not in hundreds of thousands, so the view is
simply re-sorted when the store changes; the allocation list keeps its incremental `AllocView`.  A
kind is a declaration (`ResourceKind`): its key, columns, filter fields and default sort.  Cells are
sanitised once per item version, so no screen can forget to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.store import Diff

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ResourceColumn(Generic[T]):
    key: str  # also the sort name
    title: str
    width: int
    priority: int  # lower survives narrower terminals
    cell: Callable[[T], str]
    sort_key: Callable[[T], object] | None = None  # None: the cell text
    flex: int = 0
    right: bool = False


@dataclass(frozen=True, slots=True)
class ResourceKind(Generic[T]):
    name: str  # the `:` command
    title: str
    key: Callable[[T], str]
    columns: tuple[ResourceColumn[T], ...]
    default_sort: str
    default_descending: bool = False
    # `field:value` filter terms beyond the columns themselves (the column keys always work)
    aliases: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> ResourceColumn[T] | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass(frozen=True, slots=True)
class ResourceRow:
    key: str
    version: int
    cells: dict[str, str]
    search_text: str


class ResourceStore(Generic[T]):
    def __init__(self, kind: ResourceKind[T]) -> None:
        self.kind = kind
        self.items: dict[str, T] = {}
        self._rows: dict[str, ResourceRow] = {}
        self._version = 0

    def __len__(self) -> int:
        return len(self.items)

    def get(self, key: str) -> T | None:
        return self.items.get(key)

    def apply_list(self, items: Iterable[T]) -> Diff:
        key_of = self.kind.key
        fresh = {key_of(item): item for item in items}
        diff = Diff()
        for key, item in fresh.items():
            old = self.items.get(key)
            if old is None:
                diff.added.append(key)
            elif old != item:
                diff.changed.append(key)
                self._rows.pop(key, None)
        diff.removed = [k for k in self.items if k not in fresh]
        for key in diff.removed:
            self._rows.pop(key, None)
        self.items = fresh
        return diff

    def row(self, key: str) -> ResourceRow:
        row = self._rows.get(key)
        if row is None:
            item = self.items[key]
            cells = {c.key: sanitize_line(c.cell(item)) for c in self.kind.columns}
            self._version += 1
            row = self._rows[key] = ResourceRow(key, self._version, cells, " ".join(cells.values()).lower())
        return row


@dataclass(frozen=True, slots=True)
class ResourceFilter:
    """Words match any cell; `column:value` matches one column (`column:=value` exactly)."""

    text: str
    terms: tuple[tuple[str | None, str, bool, bool], ...]  # (column, value, exact, negated)

    @classmethod
    def parse(cls, text: str, kind: ResourceKind[T]) -> ResourceFilter:
        terms: list[tuple[str | None, str, bool, bool]] = []
        for word in text.split():
            negated = word[:1] in ("!", "-") and len(word) > 1
            if negated:
                word = word[1:]
            name, sep, value = word.partition(":")
            name = kind.aliases.get(name.lower(), name.lower())
            if sep and value and kind.column(name) is not None:
                exact = value.startswith("=")
                terms.append((name, value.removeprefix("=").lower(), exact, negated))
            else:
                terms.append((None, word.lower(), False, negated))
        return cls(text.strip(), tuple(terms))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __call__(self, row: ResourceRow) -> bool:
        for column, value, exact, negated in self.terms:
            if column is None:
                hit = value in row.search_text
            else:
                cell = row.cells[column].lower()
                hit = cell == value if exact else value in cell
            if hit == negated:
                return False
        return True


class ResourceView(Generic[T]):
    def __init__(self, store: ResourceStore[T]) -> None:
        self.store = store
        kind = store.kind
        self.sort_column = kind.default_sort
        self.descending = kind.default_descending
        self.filter = ResourceFilter.parse("", kind)
        self._keys: list[str] = []

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def id_at(self, position: int) -> str:
        return self._keys[position]

    def row_at(self, position: int) -> ResourceRow:
        return self.store.row(self._keys[position])

    def position_of(self, key: str) -> int | None:
        try:
            return self._keys.index(key)
        except ValueError:
            return None

    def set_filter(self, text: str) -> None:
        self.filter = ResourceFilter.parse(text, self.store.kind)
        self.rebuild()

    def set_sort(self, column: str, descending: bool) -> None:
        self.sort_column, self.descending = column, descending
        self.rebuild()

    def rebuild(self) -> None:
        store = self.store
        column = store.kind.column(self.sort_column) or store.kind.columns[0]
        keys = [k for k in store.items if not self.filter or self.filter(store.row(k))]
        if column.sort_key is not None:
            sort_key = column.sort_key
            keys.sort(key=lambda k: (sort_key(store.items[k]), k), reverse=self.descending)  # type: ignore[arg-type]
        else:
            keys.sort(key=lambda k: (store.row(k).cells[column.key].lower(), k), reverse=self.descending)
        self._keys = keys
