"""Links into Nomad's web UI, and opening them only where a graphical browser can take them.

Python's `webbrowser` falls back to console browsers (lynx, w3m, links) that would take over this very
terminal; those are never used: without a graphical browser the URL is shown (and copied) instead.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from urllib.parse import urlencode

from nomad_tui.api.paths import path_segment
from nomad_tui.settings import Settings

_CONSOLE_BROWSERS = frozenset({"lynx", "w3m", "links", "elinks", "www-browser", "links2", "browsh", "carbonyl"})


def allocation_url(settings: Settings, alloc_id: str) -> str | None:
    """`<address>/ui/allocations/<id>` (with the region when one is set); None over a unix socket."""
    if settings.is_unix_socket:
        return None
    query = "?" + urlencode({"region": settings.region}) if settings.region else ""
    return f"{settings.base_url}/ui/allocations/{path_segment(alloc_id)}{query}"


def graphical_browser() -> webbrowser.BaseBrowser | None:
    """A browser that opens in its own window, or None (no display, or only console browsers)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return None
    name = os.path.basename(getattr(browser, "name", "") or "").lower()
    if name in _CONSOLE_BROWSERS:
        return None
    if type(browser) is webbrowser.GenericBrowser:  # a command run in this terminal, waited for
        return None
    return browser
