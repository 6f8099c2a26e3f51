"""The 16 ANSI colours as xterm draws them by default, for the exec terminal.

The emulator reports colours 0-15 by name; left as names, Textual's ANSI theme would draw them (in
its default theme red and magenta are the same colour and blue is violet).  Inside the terminal
the remote chose the colours, so they are drawn as an xterm would.  No Textual here.
"""

from __future__ import annotations

XTERM_ANSI = {
    "black": "#000000",
    "red": "#cd0000",
    "green": "#00cd00",
    "yellow": "#cdcd00",
    "blue": "#0000ee",
    "magenta": "#cd00cd",
    "cyan": "#00cdcd",
    "white": "#e5e5e5",
    "bright_black": "#7f7f7f",
    "bright_red": "#ff0000",
    "bright_green": "#00ff00",
    "bright_yellow": "#ffff00",
    "bright_blue": "#5c5cff",
    "bright_magenta": "#ff00ff",
    "bright_cyan": "#00ffff",
    "bright_white": "#ffffff",
}


def rgb(colour: str | None) -> str | None:
    """An ANSI colour name as xterm's RGB; `#rrggbb` and None (the default) unchanged."""
    if colour is None or colour.startswith("#"):
        return colour
    return XTERM_ANSI.get(colour, colour)
