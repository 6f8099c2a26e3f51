"""Child process set-up shared by tasks and exec sessions: own session, die with the agent."""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
import termios
from collections.abc import Mapping

_PR_SET_PDEATHSIG = 1


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc() if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """preexec_fn: the kernel sends SIGKILL to the child if the agent dies without cleaning up."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def controlling_tty() -> None:
    """preexec_fn for PTY sessions: fd 0 is the PTY slave; make it the controlling terminal so that
    job control, ^C and SIGWINCH reach the foreground process group."""
    die_with_parent()
    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    except OSError:
        pass


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


# Variables that hold (or point at) a user's credentials: the dev agent, its tasks and its exec
# shells get none of them (`--demo` runs beside a real user's shell; a task's `env` must not show
# NOMAD_HTTP_AUTH's password).  Prefixes cover whole families; words catch the rest.
_CREDENTIAL_PREFIXES = ("NOMAD_", "VAULT_", "CONSUL_")
_CREDENTIAL_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "AUTH", "CREDENTIAL", "PRIVATE", "_KEY")


def is_credential_variable(name: str) -> bool:
    upper = name.upper()
    return upper.startswith(_CREDENTIAL_PREFIXES) or any(word in upper for word in _CREDENTIAL_WORDS)


def without_credentials(env: Mapping[str, str]) -> dict[str, str]:
    """`env` minus every credential-like variable (and pytest's own)."""
    return {k: v for k, v in env.items() if not is_credential_variable(k) and not k.startswith("PYTEST")}


# The developer's interactive-shell settings: an agent run as a service (as Nomad's is) has none,
# and a task's shell must not start with the prompt of the venv the tests happened to run in, or
# source the startup file named by ENV/BASH_ENV.
SHELL_SESSION_VARIABLES = frozenset(
    {"PS1", "PS2", "PS3", "PS4", "PROMPT", "RPROMPT", "PROMPT_COMMAND", "ENV", "BASH_ENV", "VIRTUAL_ENV_PROMPT"}
)


def task_env(extra: dict[str, str]) -> dict[str, str]:
    """The agent's environment minus anything credential-like and the developer's shell settings,
    plus the task's NOMAD_* variables."""
    env = {k: v for k, v in without_credentials(os.environ).items() if k not in SHELL_SESSION_VARIABLES}
    env.update(extra)
    return env
