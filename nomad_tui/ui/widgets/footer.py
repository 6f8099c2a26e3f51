"""Textual's Footer without its widget leak.

In Textual 8.2.8 (the latest release) the Footer re-composes whenever the screen's bindings change
(each screen push and pop, each focus move), and binds every new FooterKey to its `compact`
reactive with `watch()`.  Watchers are only pruned when the watched value changes, which `compact`
never does, so every generation of FooterKeys stays reachable from the footer: ~20–80 widgets and
~0.65 MB per dialog opened and closed.  This footer drops the watchers of keys that are gone
before each re-compose.  It reproduces with a bare Textual app, so it goes once Textual fixes it.
"""

from __future__ import annotations

from textual.widgets import Footer

# Where Textual's reactive `watch()` keeps a node's watchers (textual/reactive.py, `_watch`).
_WATCHERS = "__watchers"


class AppFooter(Footer):
    async def recompose(self) -> None:
        self.prune_watchers()
        await super().recompose()

    def prune_watchers(self) -> None:
        """Forget the watchers that removed widgets left on this footer."""
        watchers = getattr(self, _WATCHERS, None)
        if not isinstance(watchers, dict):
            return
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries if _alive(node)]


def _alive(node: object) -> bool:
    return bool(getattr(node, "is_attached", True)) and not getattr(node, "_closing", False)
