"""Every key of nomad-tui, declared once: the screens' bindings, the footer, the `?` help, the command
palette, read-only blocking and `[keys]` remapping are all built from `ACTIONS` (and `NOTES`).

To add a key, add one `Action` to `ACTIONS`, then write the `action_<name>` method on the screen whose
`scope` it names (that screen's `BINDINGS = bindings("<scope>")` picks the key up):

    Action("copy-id", "y", "copy_id", "Copy ID", "copy the allocation ID", LIST, palette="Copy allocation ID")

- `id` is the name under `[keys]` in the config file (`copy-id = "Y"`); ids are unique.
- `key` uses Textual's key names ("ctrl+d", "question_mark"); several keys: "escape,q".
- `action` is the Textual action string run on the screen ("stop", "sort_by('id')").
- `footer`/`help`: the short footer label and the `?` line.  Actions of one context whose `help` is the
  same text share one `?` row ("[ / ]  jump to the previous / next allocation…").
- `context` is the `?` section (a screen's `?` shows its own section, a log-like screen the Logs one too).
- `mutating=True`: it changes the cluster; hidden from the footer and the palette and refused in
  read-only mode (`MUTATING_ACTIONS`).
- `palette`: the palette entry's name (None: not in the palette).
- `scope`: which screen binds it ("dashboard", "log-pane", "task-logs", "exec", …; "app": the app).  A new
  screen gets a new scope (and an entry in `SCOPE_PARENTS` if it subclasses another screen).  Keys of
  the scopes active on one screen (its own, its parents', the app's) must not collide: a `[keys]` remap
  onto a key that is taken there is refused at start (`remap_conflicts`).

`NOTES` are keys handled by widgets rather than our bindings (the list's cursor keys, the exec
terminal's `~.`): shown in `?` and guarded against remaps, never bound from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType

from nomad_tui.ui.detail_tabs import DETAIL_TABS, TAB_TITLES

# `?` sections, in the order the help shows them.
APP = "Everywhere"
LIST = "Allocation list"
DETAIL = "Detail panes"
DIALOGS = "Dialogs"
RESOURCES = "Jobs / nodes"
RAW = "Raw JSON"
ACTIVITY = "Activity"
LOGS = "Logs"
JOB_TAIL = "Job tail"
FILES = "Files"
EXEC = "Exec"
HELP = "Help"
CONTEXTS = (LIST, RESOURCES, RAW, ACTIVITY, DETAIL, DIALOGS, LOGS, JOB_TAIL, FILES, EXEC, HELP, APP)

# Screens that subclass another one bind its keys too.
SCOPE_PARENTS = {"task-logs": "log-pane", "job-tail": "log-pane", "file-view": "log-pane"}


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    key: str
    action: str
    footer: str
    help: str
    context: str
    scope: str = "dashboard"
    mutating: bool = False
    show: bool = True
    palette: str | None = None
    priority: bool = False

    @property
    def method(self) -> str:
        """The action's name as Textual's `check_action` sees it (no parameters)."""
        return self.action.split("(", 1)[0]

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.footer, show=self.show, id=self.id, priority=self.priority)


@dataclass(frozen=True, slots=True)
class Note:
    """Keys a widget handles itself, for the help (and the remap check); `keys` as Textual names."""

    keys: tuple[str, ...]
    help: str
    context: str
    scope: str
    text: str = ""  # shown instead of the keys when they are not key names ("~.")


SORT_HELP = "sort by ID, Node, Status, Age, Modified, Tasks (again: reverse)"
# `J` opens the jobs view (as in wander); sorting by job stays on `<` `>`, `:sort job` and the palette.
SORT_SHORTCUTS = {"I": "id", "N": "node", "S": "status", "A": "age", "M": "modified", "T": "tasks"}

ACTIONS: tuple[Action, ...] = (
    # ---- the allocation list (DashboardScreen)
    Action("quit", "q", "quit", "Quit", "quit", LIST),
    Action("help", "question_mark", "help", "Help", "this help", LIST, palette="Help"),
    # Priority: `/` and `:` run while the app reads the key, so the prompt has the focus before the next key
    # of a burst (a paste, keys batched over SSH) is routed (see PromptLine.open).
    Action("filter", "slash", "start_filter", "Filter", "filter: words, status:failed, job:web, node:x, task:y, "
           "!term to negate", LIST, priority=True),
    Action("command", "colon", "start_command", "Command", "command line (see below)", LIST, priority=True),
    Action("detail", "enter", "focus_detail", "Detail", "focus the detail panes", LIST),
    Action("back", "escape", "back", "Back", "back to the list (from the detail panes too) / clear the filter", LIST,
           show=False),
    *(
        Action(f"detail-tab-{n}", str(n), f"detail_tab({n})", f"Tab {n}", f"from the list: {TAB_TITLES} (the focus "
               "goes into the tab)", DETAIL, show=False)
        for n in range(1, len(DETAIL_TABS) + 1)
    ),
    Action("resync", "ctrl+r", "resync", "Resync", "resync: fetch everything again now", LIST, palette="Resync"),
    Action("previous-alloc", "left_square_bracket", "previous_alloc", "Prev alloc",
           "jump to the previous / next allocation of the reschedule chain", LIST, show=False),
    Action("next-alloc", "right_square_bracket", "next_alloc", "Next alloc",
           "jump to the previous / next allocation of the reschedule chain", LIST, show=False),
    Action("sort-previous", "less_than_sign", "sort_column(-1)", "Sort ←", "sort by the previous / next column "
           "(or click a column's title)", LIST, show=False),
    Action("sort-next", "greater_than_sign", "sort_column(1)", "Sort →", "sort by the previous / next column "
           "(or click a column's title)", LIST, show=False),
    *(
        Action(f"sort-{column}", key, f"sort_by('{column}')", f"Sort by {column}", SORT_HELP, LIST, show=False)
        for key, column in SORT_SHORTCUTS.items()
    ),
    Action("jobs", "J", "open_view('jobs')", "Jobs", "jobs view, on the selected allocation's job (:jobs, :nodes, "
           ":allocs switch views)", LIST, show=False, palette="View: jobs"),
    Action("raw", "y", "raw", "Raw", "raw: the whole allocation as JSON (/ search, n / N next / previous)", LIST,
           show=False, palette="Raw allocation"),
    Action("activity", "v", "activity(False)", "Job activity", "activity: recent changes of the selected "
           "allocation's job / of the whole cluster", LIST, show=False, palette="Activity: job"),
    Action("cluster-activity", "V", "activity(True)", "Cluster activity", "activity: recent changes of the "
           "selected allocation's job / of the whole cluster", LIST, show=False, palette="Activity: cluster"),
    # Priority too: the keys that open a dialog run while the app reads them, so the keys after them in
    # a burst meet the key gate, not the list (ui/key_gate.py); typed into a prompt they are text.
    Action("stop", "ctrl+d", "stop", "Stop", "stop the allocation (or every marked one), after confirming", LIST,
           mutating=True, palette="Stop allocation", priority=True),
    Action("restart", "r", "restart", "Restart", "restart: one running task or all tasks, after confirming", LIST,
           mutating=True, palette="Restart allocation", priority=True),
    Action("signal", "x", "signal", "Signal", "signal: SIGHUP … SIGKILL or any name, one task or all, after "
           "confirming", LIST, mutating=True, palette="Signal allocation", priority=True),
    Action("mark", "space", "mark", "Mark", "mark / unmark for a bulk action", LIST),
    Action("clear-marks", "ctrl+backslash", "clear_marks", "Clear marks", "clear all marks", LIST, show=False),
    Action("logs", "l", "logs", "Logs", "logs of the selected allocation", LIST, palette="Open logs"),
    Action("tail", "L", "tail_job", "Tail job", "tail every running allocation of the job (or its task group) in "
           "one pane", LIST, show=False, priority=True),
    Action("files", "f", "files", "Files", "files: browse the allocation directory, view or follow a file", LIST,
           show=False),
    Action("copy", "c", "copy_id", "Copy ID", "copy the full allocation ID", LIST, show=False),
    Action("open", "o", "open_web", "Open in web UI", "open it in Nomad's web UI (or show its URL)", LIST,
           show=False),
    Action("export", "ctrl+s", "export", "Export CSV", "export this view (filter, sort, every column, full IDs) as "
           "CSV", LIST, show=False, priority=True),
    Action("exec", "s", "exec", "Exec", "exec: pick a running task, edit the command, open a terminal tab", LIST,
           mutating=True, palette="Open exec", priority=True),
    Action("sessions", "e", "sessions", "Sessions", "exec sessions of this run: re-attach to one", LIST,
           show=False),
    # ---- the jobs and nodes views (ResourceScreen)
    Action("view-quit", "q", "quit", "Quit", "quit", RESOURCES, scope="resources"),
    Action("view-help", "question_mark", "help", "Help", "this help", RESOURCES, scope="resources"),
    # Priority, as in the allocation list: the prompt has the focus before the next key of a burst.
    Action("view-filter", "slash", "start_filter", "Filter", "filter (column:value, column:=exact)", RESOURCES,
           scope="resources", priority=True),
    Action("view-command", "colon", "start_command", "Command", "command line (:jobs, :nodes, :allocs switch "
           "views)", RESOURCES, scope="resources", priority=True),
    Action("view-drill", "enter", "drill", "Allocations", "the allocations of the selected job or node (esc: back "
           "to the view)", RESOURCES, scope="resources"),
    Action("view-raw", "y", "raw", "Raw", "raw JSON of the selected job or node", RESOURCES, scope="resources"),
    Action("view-tail", "L", "tail_job", "Tail job", "jobs view: tail every running allocation of the selected job "
           "in one pane", RESOURCES, scope="resources", show=False),
    Action("view-back", "escape", "back", "Back", "back", RESOURCES, scope="resources"),
    Action("view-resync", "ctrl+r", "resync", "Resync", "fetch the view again now", RESOURCES, scope="resources"),
    Action("view-sort-previous", "less_than_sign", "sort_column(-1)", "Sort ←", "sort by the previous / next "
           "column", RESOURCES, scope="resources", show=False),
    Action("view-sort-next", "greater_than_sign", "sort_column(1)", "Sort →", "sort by the previous / next column",
           RESOURCES, scope="resources", show=False),
    # ---- the activity feed (ActivityScreen)
    Action("activity-back", "escape,q", "close", "Back", "back", ACTIVITY, scope="activity"),
    Action("activity-go", "enter", "jump", "Go to allocation", "go to the allocation in the list", ACTIVITY,
           scope="activity"),
    # ---- the raw JSON view (RawScreen)
    Action("raw-back", "escape,q", "close", "Back", "back", RAW, scope="raw"),
    Action("raw-search", "slash", "search", "Search", "search", RAW, scope="raw"),
    Action("raw-next", "n", "next_match(1)", "Next", "next / previous match", RAW, scope="raw"),
    Action("raw-previous", "N", "next_match(-1)", "Previous", "next / previous match", RAW, scope="raw"),
    Action("raw-down", "j,down", "scroll_lines(1)", "Down", "scroll down / up", RAW, scope="raw", show=False),
    Action("raw-up", "k,up", "scroll_lines(-1)", "Up", "scroll down / up", RAW, scope="raw", show=False),
    Action("raw-top", "g,home", "edge(0)", "Top", "top / bottom", RAW, scope="raw", show=False),
    Action("raw-bottom", "G,end", "edge(1)", "Bottom", "top / bottom", RAW, scope="raw", show=False),
    # ---- everywhere (the app)
    Action("quit-app", "ctrl+c", "quit", "Quit", "quit (asks first while exec sessions run)", APP, scope="app",
           show=False),
    # ---- dialogs
    Action("confirm", "y", "confirm", "Yes", "confirm", DIALOGS, scope="confirm", show=False),
    Action("cancel", "n,escape", "cancel", "No", "cancel (Cancel has the focus)", DIALOGS, scope="confirm",
           show=False),
    # ---- logs (every log screen; the task's logs add streams and tasks)
    Action("log-stdout", "o", "stream('stdout')", "stdout", "stdout / stderr / both interleaved (stderr lines "
           "marked err)", LOGS, scope="task-logs"),
    Action("log-stderr", "e", "stream('stderr')", "stderr", "stdout / stderr / both interleaved (stderr lines "
           "marked err)", LOGS, scope="task-logs"),
    Action("log-both", "a", "stream('both')", "Both", "stdout / stderr / both interleaved (stderr lines marked "
           "err)", LOGS, scope="task-logs"),
    Action("log-next-task", "T", "next_task", "Next task", "next task", LOGS, scope="task-logs"),
    Action("log-start-from", "b", "start_from", "Start from", "start from: the last 16 KiB … 1 MiB, or the start "
           "of the log", LOGS, scope="task-logs", show=False),
    Action("log-back", "escape,q", "back", "Back", "back to the list", LOGS, scope="log-pane"),
    Action("log-follow", "s", "toggle_follow", "Follow", "follow the tail on and off", LOGS, scope="log-pane"),
    Action("log-search", "slash", "search", "Search", "search (case-insensitive)", LOGS, scope="log-pane",
           priority=True),
    Action("log-next-match", "n", "find(False)", "Next match", "next / previous match", LOGS, scope="log-pane",
           show=False),
    Action("log-previous-match", "N", "find(True)", "Prev match", "next / previous match", LOGS,
           scope="log-pane", show=False),
    Action("log-timestamps", "t", "toggle_timestamps", "Timestamps", "receive timestamps on and off", LOGS,
           scope="log-pane"),
    Action("log-wrap", "w", "toggle_wrap", "Wrap", "wrap long lines on and off", LOGS, scope="log-pane"),
    Action("log-save", "ctrl+s", "save", "Save", "save what is buffered (as shown) to a file; the path is asked, "
           "nothing overwritten silently", LOGS, scope="log-pane"),
    Action("log-copy", "c", "copy", "Copy", "copy the lines on screen to the clipboard", LOGS, scope="log-pane",
           show=False),
    Action("log-colours", "C", "toggle_colours", "Colours", "ANSI colours on and off", LOGS, scope="log-pane",
           show=False),
    Action("log-keys", "question_mark", "keys_help", "Keys", "these keys", LOGS, scope="log-pane"),
    # ---- the job-wide tail (a log pane too)
    Action("tail-stdout", "o", "stream('stdout')", "stdout", "stdout / stderr / both, interleaved; lines labelled "
           "allocation + task", JOB_TAIL, scope="job-tail"),
    Action("tail-stderr", "e", "stream('stderr')", "stderr", "stdout / stderr / both, interleaved; lines labelled "
           "allocation + task", JOB_TAIL, scope="job-tail"),
    Action("tail-both", "a", "stream('both')", "Both", "stdout / stderr / both, interleaved; lines labelled "
           "allocation + task", JOB_TAIL, scope="job-tail"),
    # ---- files: the browser, and the viewer (a log pane too)
    Action("files-back", "escape,q", "close", "Back", "back", FILES, scope="files"),
    # Priority: the table's own (hidden) enter binding would otherwise hide "⏎ Open" from the footer.
    Action("files-open", "enter", "open", "Open", "open a directory or view a file", FILES, scope="files",
           priority=True),
    Action("files-up", "backspace,h,left", "parent", "Up a directory", "up a directory", FILES, scope="files"),
    Action("files-follow", "F", "follow_file", "Follow file", "follow the file as it grows (in the list or the "
           "viewer)", FILES, scope="files"),
    Action("files-reload", "ctrl+r", "reload", "Reload", "read the directory again", FILES, scope="files"),
    # As in the allocation list (the table also takes ↑ ↓ home end pgup pgdn itself)
    Action("files-down", "j", "move(1)", "Down", "move the cursor (as in the list: j k g G, ↑ ↓ home end)", FILES,
           scope="files", show=False),
    Action("files-up-row", "k", "move(-1)", "Up", "move the cursor (as in the list: j k g G, ↑ ↓ home end)", FILES,
           scope="files", show=False),
    Action("files-first", "g", "edge(0)", "First", "move the cursor (as in the list: j k g G, ↑ ↓ home end)", FILES,
           scope="files", show=False),
    Action("files-last", "G", "edge(1)", "Last", "move the cursor (as in the list: j k g G, ↑ ↓ home end)", FILES,
           scope="files", show=False),
    Action("file-previous-page", "left_square_bracket", "page(-1)", "Prev page", "viewer: previous / next 256 KiB "
           "page of a big file", FILES, scope="file-view"),
    Action("file-next-page", "right_square_bracket", "page(1)", "Next page", "viewer: previous / next 256 KiB page "
           "of a big file", FILES, scope="file-view"),
    Action("file-follow", "F", "toggle_stream", "Follow file", "follow the file as it grows (in the list or the "
           "viewer)", FILES, scope="file-view"),
    # ---- exec (priority: checked before the live terminal, which would send the keys to the remote)
    Action("exec-previous", "ctrl+pageup", "switch_tab(-1)", "Prev session", "previous / next session tab", EXEC,
           scope="exec", priority=True),
    Action("exec-next", "ctrl+pagedown", "switch_tab(1)", "Next session", "previous / next session tab", EXEC,
           scope="exec", priority=True),
    # The terminal handles the detach key itself (ui/widgets/terminal.py); this is for when it has no focus.
    Action("exec-detach", "ctrl+right_square_bracket", "detach", "Dashboard",
           "back to the dashboard; the session keeps running (e brings it back)", EXEC, scope="exec"),
    # Only once the session has ended (a live terminal sends these keys to the remote):
    Action("exec-reconnect", "r", "reconnect", "Reconnect", "once the session has ended: reconnect", EXEC,
           scope="exec"),
    Action("exec-close", "w", "close_tab", "Close tab", "once the session has ended: close the tab", EXEC,
           scope="exec"),
    Action("exec-leave", "escape,q", "leave", "Dashboard", "once the session has ended: back to the dashboard",
           EXEC, scope="exec", show=False),
    # ---- the audit log and the help itself
    Action("audit-close", "escape,q", "dismiss_audit", "Close", "close the audit log", DIALOGS, scope="audit"),
    Action("help-close", "escape,q,question_mark", "dismiss_help", "Close", "close this help", HELP, scope="help"),
)  # fmt: skip

NOTES: tuple[Note, ...] = (
    Note(("j", "k", "up", "down"), "move the cursor", LIST, "dashboard"),
    Note(("g", "G", "home", "end"), "first / last allocation", LIST, "dashboard"),
    Note(("pageup", "pagedown"), "page up / down", LIST, "dashboard"),
    Note(("ctrl+p",), "command palette: actions, namespaces, allocations by ID prefix", APP, "app"),
    Note(("j", "k", "up", "down", "g", "G", "home", "end", "pageup", "pagedown"), "move the cursor", RESOURCES,
         "resources"),
    Note(("tab", "shift+tab"), "move between the tabs and their content", DETAIL, "dashboard"),
    Note((), "danger = type-name contexts: type the job (or context) name to confirm", DIALOGS, "confirm",
         text="type the name, enter"),
    Note(("G",), "jump to the end and follow", LOGS, "log-pane"),
    Note((), "at the start of a line: close the session (~~ sends one ~)", EXEC, "exec", text="~."),
    Note(("shift+pageup", "shift+pagedown"), "scroll back through the output", EXEC, "exec"),
    Note((), "everything else goes to the remote (ctrl+c, ctrl+p, ctrl+q included)", EXEC, "exec",
         text="other keys"),
)  # fmt: skip

BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}
MUTATING_ACTIONS: frozenset[str] = frozenset(a.method for a in ACTIONS if a.mutating)

# What the config file's [keys] table may remap: every action, by id.
ACTION_NAMES: set[str] = set(BY_ID)
DEFAULT_KEYS: dict[str, str] = {action.id: action.key for action in ACTIONS}


def bindings(scope: str) -> list[BindingType]:
    """The BINDINGS of the screen (or app) that binds `scope`."""
    return [action.binding() for action in ACTIONS if action.scope == scope]


def keys_of(action: Action, keymap: Mapping[str, str]) -> tuple[str, ...]:
    """The keys that run `action` once the config file's [keys] remaps are applied."""
    return tuple(k.strip() for k in keymap.get(action.id, action.key).split(",") if k.strip())


def _active_with(scope: str) -> set[str]:
    """The scopes whose keys work on the screen that binds `scope`: its own, its parents', the app's."""
    scopes = {scope, "app"}
    while scope in SCOPE_PARENTS:
        scope = SCOPE_PARENTS[scope]
        scopes.add(scope)
    return scopes


def remap_conflicts(keymap: Mapping[str, str]) -> list[str]:
    """One message per remapped key that another action (or a widget's own key) of a screen where it
    works also uses; empty when the remaps are fine."""
    users: dict[tuple[str, str], list[str]] = {}  # (scope, key) → who uses it
    for action in ACTIONS:
        for key in keys_of(action, keymap):
            users.setdefault((action.scope, key), []).append(action.id)
    for note in NOTES:
        for key in note.keys:
            users.setdefault((note.scope, key), []).append(f"{note.help!r} ({note.context})")
    scopes = {action.scope for action in ACTIONS}
    problems = []
    for action_id, keys in keymap.items():
        remapped = BY_ID.get(action_id)
        if remapped is None:
            continue
        # Every screen where the remapped action works: its own scope's, and its children's.
        screens = [s for s in scopes if remapped.scope in _active_with(s)]
        for key in keys_of(remapped, keymap):
            others = {u for s in screens for scope in _active_with(s) for u in users.get((scope, key), [])}
            others.discard(action_id)
            if others:
                taken = ", ".join(sorted(others))
                problems.append(f'[keys] {action_id} = "{keys}": {key!r} is already the key of {taken}')
    return problems


@dataclass(frozen=True, slots=True)
class HelpRow:
    context: str
    keys: tuple[str, ...]  # Textual key names (shown through App.get_key_display)
    text: str  # shown instead of the keys when set
    help: str


def help_rows(keymap: Mapping[str, str], contexts: Iterable[str] = CONTEXTS) -> list[HelpRow]:
    """The `?` rows of `contexts`, in order: actions sharing a help text share a row."""
    rows: list[HelpRow] = []
    for context in contexts:
        rows += [HelpRow(context, note.keys, note.text, note.help) for note in NOTES if note.context == context]
        merged: dict[str, list[str]] = {}
        for action in ACTIONS:
            if action.context == context:
                merged.setdefault(action.help, []).extend(keys_of(action, keymap))
        rows += [HelpRow(context, tuple(dict.fromkeys(keys)), "", help) for help, keys in merged.items()]
    return rows
