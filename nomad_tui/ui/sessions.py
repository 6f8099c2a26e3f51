"""What an exec session is aimed at, and the commands remembered for this run (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass

from nomad_tui.sanitize import sanitize_line, truncate

TITLE_LIMIT = 40


@dataclass(frozen=True, slots=True)
class ExecTarget:
    """One exec: which task of which allocation, and the command (as typed and as argv).

    Names are raw, as the API wants them; `label` is the display form."""

    alloc_id: str
    namespace: str
    job: str
    task: str
    command: str
    argv: tuple[str, ...]
    # The context the session belongs to, shown in its label when the app knows several contexts;
    # "" when it knows only one (the label stays short).
    context: str = ""

    @property
    def short_id(self) -> str:
        return self.alloc_id[:8]

    @property
    def label(self) -> str:
        where = f"{sanitize_line(self.context)}:" if self.context else ""
        return f"{where}{self.short_id}/{truncate(sanitize_line(self.task), 24)}"

    def label_with(self, title: str) -> str:
        """The tab label: alloc/task and, when the remote set one, its window title (sanitised)."""
        title = truncate(sanitize_line(title).strip(), TITLE_LIMIT)
        return f"{self.label} · {title}" if title else self.label


class CommandMemory:
    """The last command run per job, for this run of the app only (nothing is written to disk:
    a command line may hold secrets)."""

    def __init__(self, default: str) -> None:
        self.default = default
        self._by_job: dict[tuple[str, str], str] = {}

    def get(self, namespace: str, job: str) -> str:
        return self._by_job.get((namespace, job), self.default)

    def remember(self, namespace: str, job: str, command: str) -> None:
        self._by_job[(namespace, job)] = command
