"""`nomad-tui 2>file` (or `>file`) still draws on the terminal: Textual writes the screen to fd 2 and measures
the terminal on fd 1, so while the app runs both point at the terminal; the files get them back at exit."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

CHILD = """
import fcntl, os, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the pty is this session's terminal, as a shell would arrange
from nomad_tui.ui.run import drawing_on_the_terminal
with drawing_on_the_terminal():
    os.write(2, b"SCREEN-ON-TTY\\n")
    os.write(1, b"SIZE %d\\n" % os.get_terminal_size(1).columns)
os.write(2, b"AFTER-TO-FILE\\n")
"""


def read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("redirect_stdout", [False, True], ids=["2>file", ">file 2>file"])
def test_the_screen_goes_to_the_terminal_when_stderr_is_redirected(tmp_path: Path, redirect_stdout: bool) -> None:
    master, slave = pty.openpty()
    os.set_blocking(master, True)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 97, 0, 0))
    err_file, out_file = tmp_path / "err", tmp_path / "out"
    with err_file.open("wb") as err, out_file.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD],
            stdin=slave,
            stdout=out if redirect_stdout else slave,
            stderr=err,
            start_new_session=True,
        )
        os.close(slave)
        on_terminal = read_all(master)
        assert child.wait(timeout=30) == 0
    os.close(master)
    assert b"SCREEN-ON-TTY" in on_terminal and b"SIZE 97" in on_terminal
    assert err_file.read_bytes() == b"AFTER-TO-FILE\n"
    assert out_file.read_bytes() == b""
