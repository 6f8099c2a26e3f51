"""No widget, screen or app of ours may shadow a member of its Textual base classes by accident.

Each such shadowing so far was a crash: `TerminalView.scroll_offset` (an int where Textual's text
selection wants its Offset), `LogView._render(raw, …)` (Textual's copy calls `_render()`), and
`run_action(kind)` on the dashboard (Textual's `run_action("name")` then started a stop worker).
Overriding on purpose is fine: add the name to INTENDED_OVERRIDES, and say why if it is not a hook.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from functools import cache

from conftest import parse_python, settings_for, until
from textual.message_pump import MessagePump
from textual.reactive import Reactive

import nomad_tui.ui
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.help import HelpScreen

# Textual hooks and actions our classes override on purpose (mypy checks their signatures).
INTENDED_OVERRIDES = frozenset(
    {
        # class configuration
        "BINDINGS",
        "BLANK",
        "COMMANDS",
        "COMPONENT_CLASSES",
        "CSS_PATH",
        "DEFAULT_CSS",
        "TITLE",
        "can_focus",
        "can_focus_children",
        # hooks
        "compose",
        "on_mount",
        "render",
        "render_line",
        "render_lines",  # LogView: looks its style up once per paint, then hands on to ScrollView
        "check_action",
        "get_selection",
        "selection_updated",
        "watch_scroll_y",
        "on_event",  # the app: keys typed ahead of a dialog are dropped before dispatch (ui/key_gate.py)
        "get_system_commands",  # the app: Textual's palette commands without Keys and Maximize
        # the exec terminal: selection is the remote's mouse while it tracks it (shift: ours)
        "allow_select",
        "recompose",  # AppFooter: drops the watchers Textual's Footer leaks, then re-composes
        # actions we extend (follow the tail, move the cursor by pages, ask before quitting)
        "action_scroll_end",
        "action_page_down",
        "action_page_up",
        "action_quit",
    }
)


@cache
def _self_assignments(cls: type) -> frozenset[str]:
    """Names assigned as `self.NAME = …` in the class body's methods."""
    try:
        tree = parse_python(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                names.add(target.attr)
    return frozenset(names)


@cache
def _generated(base: type) -> frozenset[str]:
    """What Textual's class machinery puts into every subclass's namespace by itself."""
    return frozenset(vars(type("Probe", (base,), {})))


def _our_classes() -> list[type]:
    for module in pkgutil.walk_packages(nomad_tui.ui.__path__, "nomad_tui.ui."):
        importlib.import_module(module.name)
    found: set[type] = set()
    pending = [MessagePump]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("nomad_tui."):
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def shadowed_names(cls: type) -> list[str]:
    textual_bases = [b for b in cls.__mro__ if b.__module__.split(".")[0] == "textual"]
    members: dict[str, object] = {}
    for base in reversed(textual_bases):
        members.update(dict.fromkeys(_self_assignments(base)))
        members.update(vars(base))
    generated = _generated(textual_bases[0])
    own_members = set(vars(cls)) - generated
    # Assigning to one of Textual's reactives or settable properties is using it, not shadowing it.
    settable = {
        name
        for name, member in members.items()
        if isinstance(member, Reactive) or (isinstance(member, property) and member.fset is not None)
    }
    assigned = _self_assignments(cls) - settable
    clashes = (own_members | assigned) & set(members)
    return sorted(n for n in clashes - INTENDED_OVERRIDES if not (n.startswith("__") and n.endswith("__")))


def test_no_member_shadows_a_textual_one_by_accident() -> None:
    classes = _our_classes()
    assert len(classes) > 15  # the walk found our widgets, screens and the app
    found = {f"{c.__module__}.{c.__qualname__}": names for c in classes if (names := shadowed_names(c))}
    assert found == {}


def test_the_check_sees_a_shadowing_member() -> None:
    from textual.widget import Widget

    class Bad(Widget):
        def __init__(self) -> None:
            super().__init__()
            self.log = None  # type: ignore[assignment]

        def _render(self, raw: str) -> None:  # type: ignore[override]
            pass

        @property
        def scroll_offset(self) -> int:  # type: ignore[override]
            return 0

    assert shadowed_names(Bad) == ["_render", "log", "scroll_offset"]


async def test_textual_run_action_on_the_dashboard_runs_the_named_action() -> None:
    # No agent needed: the list watcher just keeps retrying an address nobody listens on.
    app = NomadTuiApp(settings_for("http://127.0.0.1:9"))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await app.screen.run_action("help")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
