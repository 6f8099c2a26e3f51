"""A one-line prompt (`/` filter, `:` command, log search): a prefix, then the text and its cursor.

Textual's Input draws a tall border (three rows); squeezed to one row, that row is the border and
the text is clipped away.  Here the input has no border and sits on a styled line of its own, so
what is typed is visible at every terminal size.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, Static


class PromptInput(Input):
    """The prompt's field: tab completes (as in a shell) instead of moving the focus away, which left
    the prompt drawn while the keys typed next went to the list behind it."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False)]

    def action_complete(self) -> None:
        if self.cursor_position == len(self.value):
            self.action_cursor_right()  # at the end of the text this takes the suggestion


class PromptLine(Horizontal):
    """`prefix` and an Input (given `input_id`); hidden until `open()`."""

    DEFAULT_CSS = """
    PromptLine { height: 1; display: none; }
    PromptLine.-visible { display: block; }
    PromptLine > .prompt-line--prefix { width: auto; padding: 0 0 0 1; text-style: bold; }
    PromptLine > Input { border: none; height: 1; padding: 0 1; width: 1fr; }
    PromptLine > Input:focus { border: none; }
    """

    def __init__(
        self,
        prefix: str,
        *,
        input_id: str,
        placeholder: str = "",
        suggester: Suggester | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.prefix = prefix
        self.input_id = input_id
        self.placeholder = placeholder
        self.suggester = suggester

    def compose(self) -> ComposeResult:
        yield Static(self.prefix, markup=False, classes="prompt-line--prefix")
        yield PromptInput(placeholder=self.placeholder, id=self.input_id, suggester=self.suggester)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-visible")

    def open(self) -> Input:
        """Show the line and give its input the focus *now* (not on a later turn of the event loop).

        Keys that arrive in the same burst as the `/` or `:` that opened the prompt (a paste, keys
        batched over SSH) are routed to whatever has the focus when the app reads them; moving it
        synchronously here makes every one of them land in the prompt, never in the dashboard.
        """
        self.add_class("-visible")
        field = self.input
        self.screen.set_focus(field)
        return field

    def close(self) -> None:
        self.remove_class("-visible")


def filter_and_command_lines(
    filter_hint: str, command_hint: str, completions: Iterable[str]
) -> tuple[PromptLine, PromptLine]:
    """The `/` filter line and the `:` command line a list screen docks at its bottom (ids `filter-line`
    and `command-line`, inputs `filter` and `command`); the command line completes from `completions`."""
    return (
        PromptLine("/", input_id="filter", placeholder=filter_hint, id="filter-line"),
        PromptLine(
            ":",
            input_id="command",
            placeholder=command_hint,
            id="command-line",
            suggester=SuggestFromList(completions, case_sensitive=False),
        ),
    )
