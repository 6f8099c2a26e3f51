"""Command palette (ctrl+p): the dashboard's actions, findable by name.

Textual's fuzzy highlighter and the palette's help line both parse *markup*, so nothing from the
cluster goes through them: hits that show cluster data (allocation IDs, job names, namespaces) are
built as plain `Content`, and help texts are our own constant strings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.view import SORT_KEYS
from nomad_tui.ui.commands import Command
from nomad_tui.ui.keymap import ACTIONS, Action, keys_of
from nomad_tui.ui.typed_app import nomad_app

if TYPE_CHECKING:
    from nomad_tui.ui.screens.dashboard import DashboardScreen

MAX_ALLOC_HITS = 20

Entry = tuple[str, str, Callable[[], object]]  # (name, help, what choosing it runs)


def matching_hits(matcher: Matcher, entries: Iterable[Entry]) -> Iterator[Hit]:
    """The entries whose name matches, as plain-text hits (names may hold cluster text)."""
    for name, help_text, callback in entries:
        score = matcher.match(name)
        if score > 0:
            yield Hit(score, Content(name), callback, text=name, help=help_text)


def discovery_hits(entries: Iterable[Entry]) -> Iterator[DiscoveryHit]:
    for name, help_text, callback in entries:
        yield DiscoveryHit(Content(name), callback, text=name, help=help_text)


class DashboardCommands(Provider):
    """Actions of the dashboard screen; allocation IDs by prefix; namespaces by name."""

    def _dashboard(self) -> DashboardScreen | None:
        from nomad_tui.ui.screens.dashboard import DashboardScreen

        screen = self.screen
        return screen if isinstance(screen, DashboardScreen) else None

    async def startup(self) -> None:
        # The namespaces offered are the cluster's (`/v1/namespaces`), fetched as the palette opens.
        screen = self._dashboard()
        if screen is not None:
            await screen.fetch_namespaces()

    def _actions(self) -> list[Entry]:
        screen = self._dashboard()
        if screen is None:
            return []
        keymap = screen.settings.keymap
        actions: list[Entry] = [
            (action.palette, f"{action.help} ({self._keys(action, keymap)})", partial(screen.run_action, action.action))
            for action in ACTIONS
            if action.palette and action.scope == "dashboard" and not (action.mutating and screen.read_only)
        ]
        actions += [
            (
                "Switch namespace: all (*)",
                "Show every namespace the token may read",
                partial(screen.switch_namespace, "*"),
            ),
            ("Clear filter", "Show every allocation (esc)", partial(screen.run_filter, "")),
            ("Show failed allocations", "Filter status:failed", partial(screen.run_filter, "status:failed")),
            ("View: nodes", "Every client node with its capacity (:nodes)", partial(screen.open_view, "nodes")),
            ("View: allocations", "The allocation list (:allocs)", partial(screen.run_command, Command("allocs"))),
        ]
        if not screen.settings.read_only:  # read-only chosen at start is final
            actions.append(
                ("Toggle read-only", "Hide and block stop, signal, restart and exec", screen.action_toggle_read_only)
            )
        for column in sorted(SORT_KEYS):
            actions.append((f"Sort by {column}", "Sort the allocation list", partial(screen.action_sort_by, column)))
        for namespace in screen.seen_namespaces():
            actions.append(
                (
                    f"Switch namespace: {sanitize_line(namespace)}",
                    "Watch one namespace",
                    partial(screen.switch_namespace, namespace),
                )
            )
        return actions

    def _keys(self, action: Action, keymap: Mapping[str, str]) -> str:
        # The help line is markup: a remapped key could be "[".
        return escape(" / ".join(self.app.get_key_display(Binding(key, "")) for key in keys_of(action, keymap)))

    async def discover(self) -> Hits:
        shown = (e for e in self._actions() if not e[0].startswith(("Sort by", "Switch namespace: ")))
        for hit in discovery_hits(shown):
            yield hit

    async def search(self, query: str) -> Hits:
        for hit in matching_hits(self.matcher(query), self._actions()):
            yield hit
        async for hit in self._allocation_hits(query):
            yield hit

    async def _allocation_hits(self, query: str) -> AsyncIterator[Hit]:
        """`go 1a2b` or a bare hex prefix: jump to allocations whose ID starts with it."""
        screen = self._dashboard()
        if screen is None:
            return
        prefix = query.strip().lower().removeprefix("go").strip()
        if len(prefix) < 2 or any(ch not in "0123456789abcdef-" for ch in prefix):
            return
        found = 0
        for alloc_id in screen.store.stubs:
            if alloc_id.startswith(prefix):
                row = screen.store.row(alloc_id)
                label = f"Go to allocation {row.short_id} · {row.job}/{row.group} · {row.status}"
                yield Hit(
                    1.0,
                    Content(label),
                    partial(screen.jump_to_prefix, alloc_id),
                    text=label,
                    help="Select it in the list",
                )
                found += 1
                if found >= MAX_ALLOC_HITS:
                    return


class SessionCommands(Provider):
    """The exec sessions of this run: the list, and one hit per session to re-attach to it."""

    def _entries(self) -> list[Entry]:
        sessions = nomad_app(self).exec_sessions()
        if not sessions:
            return []
        entries: list[Entry] = [
            ("Exec sessions", "Every exec session of this run, to re-attach (e)", nomad_app(self).show_exec_sessions),
        ]
        for pane_id, label, live in sessions:
            state = "running" if live else "ended"
            entries.append((f"Attach exec {label}", f"Back to this session ({state})", partial(self._attach, pane_id)))
        return entries

    def _attach(self, pane_id: str) -> None:
        app = nomad_app(self)
        app.run_worker(app.attach_exec(pane_id), exit_on_error=False)

    async def discover(self) -> Hits:
        for hit in discovery_hits(self._entries()[:1]):
            yield hit

    async def search(self, query: str) -> Hits:
        for hit in matching_hits(self.matcher(query), self._entries()):
            yield hit


class ContextCommands(Provider):
    """The contexts of the config file and the audit log: switch to a context by name."""

    def _entries(self) -> list[Entry]:
        app = self.app
        catalog = getattr(app, "catalog", None)
        names: list[str] = catalog.names if catalog is not None else []
        current = getattr(getattr(app, "settings", None), "context", "")
        entries: list[Entry] = [
            ("Audit log", "Every action sent: stop, signal, restart, exec (:audit)", nomad_app(self).show_audit),
        ]
        for name in names if len(names) > 1 else []:
            if name != current:
                label = f"Switch context: {sanitize_line(name)}"
                entries.append((label, "Watch another cluster (:ctx NAME)", partial(self._switch, name)))
        return entries

    def _switch(self, name: str) -> None:
        app = nomad_app(self)
        app.run_worker(app.switch_context(name), group="switch", exclusive=True, exit_on_error=False)

    async def discover(self) -> Hits:
        for hit in discovery_hits(self._entries()):
            yield hit

    async def search(self, query: str) -> Hits:
        for hit in matching_hits(self.matcher(query), self._entries()):
            yield hit
