"""The status bar: where we are connected, how, and how fresh the data is, redrawn every second."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.timefmt import age


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; }
    """

    COMPONENT_CLASSES = {"status-bar--live", "status-bar--retrying", "status-bar--dim", "status-bar--read-only"}

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
        self.namespace = namespace
        self.read_only = read_only
        self.clock = clock
        self.state = ConnectionState()
        self.total = 0
        self.shown = 0

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh)

    def update_state(self, state: ConnectionState) -> None:
        self.state = state
        self.refresh()

    def update_counts(self, total: int, shown: int) -> None:
        self.total, self.shown = total, shown
        self.refresh()

    def render(self) -> Text:
        now = self.clock()
        state = self.state
        dim = self.get_component_rich_style("status-bar--dim")
        sep = (" │ ", dim)
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.context is not None:
            name, badge = self.context
            text.append(f" {sanitize_line(name)} ", badge)
            text.append(" ")
        text.append(self.address)
        text.append(*sep)
        region = self.nomad_region or self.agent_region
        text.append(f"region {sanitize_line(region)}" if region else "region (agent's)")
        text.append(*sep)
        text.append(f"ns {sanitize_line(self.namespace)}")
        text.append(*sep)
        style = self.get_component_rich_style(
            "status-bar--live" if state.phase is Phase.LIVE else "status-bar--retrying"
        )
        text.append(("● " if state.phase is Phase.LIVE else "○ ") + state.describe(now), style)
        if state.phase is Phase.RETRYING and state.error:
            text.append(f" ({state.error})", dim)
        if state.index:
            text.append(*sep)
            text.append(f"index {state.index}")
        if state.last_contact_ms is not None:
            text.append(f" · contact {state.last_contact_ms}ms", dim)
        stale = state.stale_for(now)
        if stale is not None:
            text.append(*sep)
            text.append(f"data {age(stale)} old", style)
        elif state.last_change is not None:
            text.append(*sep)
            text.append(f"changed {age(now - state.last_change)} ago", dim)
        if self.total or state.phase is Phase.LIVE:
            text.append(*sep)
            counts = f"{self.total} allocs" if self.shown == self.total else f"{self.shown}/{self.total} allocs"
            text.append(counts)
        if self.read_only:
            text.append(*sep)
            text.append("read-only", self.get_component_rich_style("status-bar--read-only"))
        return text
