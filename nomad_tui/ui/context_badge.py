"""How the current context shows itself: its badge in the status bar, its line in confirmation dialogs, and
what `danger = "type-name"` asks the user to type."""

from __future__ import annotations

from rich.color import ColorParseError
from rich.style import Style
from rich.text import Text

from nomad_tui.actions import Plan
from nomad_tui.sanitize import sanitize_line
from nomad_tui.settings import IMPLICIT_CONTEXT, Settings


def badge_style(settings: Settings) -> Style:
    """Bold, on the context's colour when it has one (prod in red never looks like staging)."""
    if not settings.context_color:
        return Style(bold=True)
    try:
        return Style(bold=True, color="white", bgcolor=settings.context_color)
    except ColorParseError:
        return Style(bold=True)


def status_badge(settings: Settings) -> tuple[str, Style] | None:
    """(name, style) for the status bar; None for the implicit context, which needs no badge."""
    if settings.context == IMPLICIT_CONTEXT and not settings.context_color:
        return None
    return settings.context, badge_style(settings)


def context_line(settings: Settings) -> Text | None:
    """`Context prod · https://nomad.prod:4646` for dialogs; None for the implicit context."""
    if settings.context == IMPLICIT_CONTEXT and not settings.context_color:
        return None
    text = Text()
    text.append(f" {sanitize_line(settings.context)} ", badge_style(settings))
    text.append(f" {sanitize_line(settings.display_address)}")
    if settings.danger != "confirm":
        text.append(f" · danger: {settings.danger}", style="bold")
    return text


def typed_confirmation(plan: Plan, settings: Settings) -> str:
    """What the user must type to confirm under `danger = "type-name"`: the job name when every target
    belongs to one job, else the context's name (a bulk action across jobs); "" when nothing is asked."""
    if settings.danger != "type-name":
        return ""
    jobs = {target.job for target in plan.runnable}
    return jobs.pop() if len(jobs) == 1 else settings.context
