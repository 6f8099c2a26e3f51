"""The status bar: where we are connected, how, and how fresh the data is.

A change of state (live, retrying, an error, loading) is painted at once.  Counts and the index,
which move with every event on a busy cluster, are painted at most once a second (`tick`, called by
the screen's clock): each repaint of the bar is a frame of its own, and at five changes a second
those frames cost more than the changes did.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.timefmt import age

SETTLE = 1.0  # seconds between two repaints for counts and the index alone


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; }
    """

    COMPONENT_CLASSES = {
        "status-bar--live",
        "status-bar--retrying",
        "status-bar--dim",
        "status-bar--read-only",
        "status-bar--filter",
    }

    def __init__(
        self,
        address: str,
        region: str | None,
        namespace: str,
        *,
        read_only: bool = False,
        clock: Callable[[], float] = time.monotonic,
        context: tuple[str, Style] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.address = sanitize_line(address)
        self.context = context  # (name, badge style) of a named context; None for the implicit one
        self.nomad_region = region
        self.agent_region = ""  # what the agent says its region is, when no region was asked for
        self.agent_version = ""  # the agent's Nomad version, once read
        self.namespace_note = ""  # what is watched instead of `*` on an agent without it
        self.namespace = namespace
        self.filter_text = ""  # the active `/` filter, shown as k9s shows `pods(all)[web]`
        self.read_only = read_only
        self.clock = clock
        self.state = ConnectionState()
        self.total = 0
        self.shown = 0
        self.tasks_known: int | None = None  # how many allocations' task states are known, when not all
        self.load_progress: tuple[int, int | None] | None = None  # the first load: (loaded, estimated total)
        self.painted: tuple[object, ...] = ()  # what the last render showed (see tick)
        self._painted_at = float("-inf")

    def tick(self) -> None:
        """Once a second: repaint if what the bar would show changed (ages, counts, the index)."""
        if self._signature() != self.painted:
            self.refresh()

    def _settle(self) -> None:
        """A change that can wait for the next tick, unless the bar has been still for a while."""
        if self.clock() - self._painted_at >= SETTLE:
            self.refresh()

    def _signature(self, parts: list[tuple[int, Text]] | None = None) -> tuple[object, ...]:
        """What the bar shows, to compare: the phase (it sets the style) and every part's text."""
        return (self.state.phase, *(text.plain for _, text in (self.segments() if parts is None else parts)))

    def update_state(self, state: ConnectionState) -> None:
        old, self.state = self.state, state
        if _news(old) != _news(state):
            self.refresh()
        else:
            self._settle()  # the same state, a newer index

    def update_counts(self, total: int, shown: int, *, tasks_known: int | None = None) -> None:
        if (total, shown, tasks_known) != (self.total, self.shown, self.tasks_known):
            self.total, self.shown, self.tasks_known = total, shown, tasks_known
            self._settle()

    def update_loading(self, loading: tuple[int, int | None] | None) -> None:
        self.load_progress = loading
        self.refresh()

    def segments(self) -> list[tuple[int, Text]]:
        """(value, text) of every part, left to right; the narrower the terminal, the more of the
        least valuable parts are left out (never the state, the namespace and filter, the count or
        the badges)."""
        now = self.clock()
        state = self.state
        dim = self.get_component_rich_style("status-bar--dim")
        parts: list[tuple[int, Text]] = []
        if self.context is not None:
            name, badge = self.context
            parts.append((9, Text(f" {sanitize_line(name)} ", badge)))
        parts.append((3, Text(self.address)))
        region = self.nomad_region or self.agent_region
        parts.append((2, Text(f"region {sanitize_line(region)}" if region else "region (agent's)")))
        if self.agent_version:
            parts.append((1, Text(f"Nomad {sanitize_line(self.agent_version)}", dim)))
        shown = self.namespace_note or self.namespace  # what is watched instead of `*` on an old agent
        scope = Text(f"ns {sanitize_line(shown)}")
        if self.filter_text:
            scope.append(f" [{sanitize_line(self.filter_text)}]", self.get_component_rich_style("status-bar--filter"))
        parts.append((8, scope))
        style = self.get_component_rich_style(
            "status-bar--live" if state.phase is Phase.LIVE else "status-bar--retrying"
        )
        live = Text(("● " if state.phase is Phase.LIVE else "○ ") + state.describe(now), style)
        parts.append((9, live))
        if state.error and state.phase in (Phase.RETRYING, Phase.LIVE):  # live: e.g. a namespace not shown
            parts.append((5, Text(f"({state.error})", dim)))
        if self.total or state.phase is Phase.LIVE:
            counts = f"{self.total} allocs" if self.shown == self.total else f"{self.shown}/{self.total} allocs"
            parts.append((7, Text(counts)))
        stale = state.stale_for(now)
        if stale is not None:
            parts.append((6, Text(f"data {age(stale)} old", style)))
        elif state.last_change is not None:
            parts.append((1, Text(f"changed {age(now - state.last_change)} ago", dim)))
        if state.index:
            index = Text(f"index {state.index}")
            if state.last_contact_ms is not None:
                index.append(f" · contact {state.last_contact_ms}ms", dim)
            parts.append((0, index))
        if self.load_progress is not None:
            loaded, estimate = self.load_progress
            text = f"loading {loaded:,} / ~{estimate:,}" if estimate else f"loading {loaded:,}…"
            parts.append((8, Text(text, style)))
        if self.tasks_known is not None and self.total:
            parts.append((4, Text(f"task states known for {self.tasks_known:,} of {self.total:,}", dim)))
        if self.read_only:
            parts.append((9, Text("read-only", self.get_component_rich_style("status-bar--read-only"))))
        return parts

    def render_line(self, y: int) -> Strip:
        """The bar's one line, drawn straight to segments: it is repainted every second on a busy
        cluster, and Textual's way from a Text to a line costs several times the bar's own work."""
        width = self.content_size.width
        base = self.rich_style
        if y or width <= 0:
            return Strip.blank(max(0, width), base)
        parts = self.segments()
        self.painted = self._signature(parts)
        self._painted_at = self.clock()
        text = self._fitted(parts, width)
        text.truncate(width, overflow="ellipsis")
        segments = Segment.simplify(Segment.apply_style(text.render(self.app.console), base))
        return Strip(segments).adjust_cell_length(width, base)

    def text(self) -> Text:
        """What the bar says now (as painted, at its width)."""
        return self._fitted(self.segments(), max(1, self.content_size.width or self.size.width))

    def _fitted(self, parts: list[tuple[int, Text]], width: int) -> Text:
        sep = Text(" │ ", self.get_component_rich_style("status-bar--dim"))
        # Leave out the least valuable parts (the rightmost first among equals) until the rest fits.
        kept = list(range(len(parts)))
        while len(kept) > 1 and sum(parts[i][1].cell_len for i in kept) + sep.cell_len * (len(kept) - 1) > width:
            kept.remove(min(reversed(kept), key=lambda i: parts[i][0]))
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, i in enumerate(kept):
            if n:
                text.append_text(sep)
            text.append_text(parts[i][1])
        return text


def _news(state: ConnectionState) -> tuple[object, ...]:
    """What is painted at once when it changes: everything but the index and the times."""
    return (state.phase, state.error, state.error_kind, state.mode, state.note, state.mode_detail, state.known_leader)
