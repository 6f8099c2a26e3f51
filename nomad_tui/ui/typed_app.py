"""`nomad_app(node)`: the running `NomadTuiApp`, typed, for the screens and palette providers that use
its clocks, exec sessions, contexts or quit flow (one checked cast instead of a `type: ignore` per use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.app import App

if TYPE_CHECKING:
    from nomad_tui.ui.app import NomadTuiApp


class HasApp(Protocol):
    """A widget, screen or palette provider: anything that knows its app."""

    @property
    def app(self) -> App[Any]: ...


def nomad_app(node: HasApp) -> NomadTuiApp:
    return cast("NomadTuiApp", node.app)
