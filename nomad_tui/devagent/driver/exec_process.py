"""One exec session's process: under a PTY (tty=true, stderr merged) or with three pipes."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import struct
import termios

from nomad_tui.devagent.driver.spawn import controlling_tty, die_with_parent, kill_group

READ_CHUNK = 4096
EOF_CHAR = b"\x04"
# Output chunks held for the WebSocket at most (256 KiB).  A full queue stops the readers, so the
# PTY's buffer fills and the remote's writes block, as they would on a real terminal; an unbounded
# queue let a `cat` loop grow the agent by ~40 MB/s and kept stale output flowing long after ^C.
OUTPUT_QUEUE_CHUNKS = 64


class ExecProcess:
    """Output arrives on `output` as (stream name, bytes); (stream, b"") marks that stream's end."""

    def __init__(self, tty: bool, queue_chunks: int = OUTPUT_QUEUE_CHUNKS) -> None:
        self.tty = tty
        self.output: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=queue_chunks)
        self.process: asyncio.subprocess.Process | None = None
        self._master: int | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._input = bytearray()  # typed bytes the PTY has not taken yet
        self._writing = False  # a writer is registered to write `_input` once there is room

    async def start(self, argv: list[str], cwd: str, env: dict[str, str], rows: int = 24, cols: int = 80) -> None:
        if self.tty:
            master, slave = pty.openpty()
            _set_size(master, rows, cols)
            try:
                self.process = await asyncio.create_subprocess_exec(
                    *argv,
                    stdin=slave,
                    stdout=slave,
                    stderr=slave,
                    cwd=cwd,
                    env=env,
                    start_new_session=True,
                    preexec_fn=controlling_tty,
                )
            except OSError:
                os.close(master)
                raise
            finally:
                os.close(slave)
            self._master = master
            os.set_blocking(master, False)
            self._readers.append(asyncio.get_running_loop().create_task(self._read_pty(master)))
        else:
            self.process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
            assert self.process.stdout is not None and self.process.stderr is not None
            loop = asyncio.get_running_loop()
            self._readers.append(loop.create_task(self._read_pipe("stdout", self.process.stdout)))
            self._readers.append(loop.create_task(self._read_pipe("stderr", self.process.stderr)))

    async def _read_pty(self, master: int) -> None:
        # The PTY is watched only while there is nothing to read: a reader left registered while
        # the queue is full fires on every turn of the event loop (epoll is level-triggered), and
        # the agent would spin a core for as long as a flood's consumer lags behind.
        while True:
            try:
                data = os.read(master, READ_CHUNK)
            except BlockingIOError:
                await self._readable(master)
                continue
            except OSError:  # EIO: every slave fd is closed, the session is over
                data = b""
            if not data:
                break
            await self.output.put(("stdout", data))
        # Not in `finally`: a reader cancelled by close() must not wait on a full queue nobody reads.
        await self.output.put(("stdout", b""))

    async def _readable(self, fd: int) -> None:
        """Wait until `fd` has something to read (or its end); the reader is removed again at once."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            if self._master == fd:  # else close() removed it, and the number may be another file's now
                loop.remove_reader(fd)

    async def _read_pipe(self, name: str, stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError):
            while data := await stream.read(READ_CHUNK):
                await self.output.put((name, data))
        await self.output.put((name, b""))

    @property
    def streams(self) -> int:
        """How many end markers to expect on `output`."""
        return 1 if self.tty else 2

    def write(self, data: bytes) -> None:
        if self.tty and self._master is not None:
            self._input += data
            if len(self._input) == len(data):  # nothing was waiting: write now, else the writer will
                self._flush_input()
        elif self.process is not None and self.process.stdin is not None:
            with contextlib.suppress(OSError, RuntimeError):
                self.process.stdin.write(data)

    def _flush_input(self) -> None:
        """Write what the PTY takes now; the rest waits for room without blocking the agent (a
        remote that reads no input, such as `yes`, fills the tty's input queue after a few KiB)."""
        master = self._master
        if master is None:
            self._input.clear()
            return
        loop = asyncio.get_running_loop()
        try:
            while self._input:
                del self._input[: os.write(master, self._input)]
        except BlockingIOError:
            if not self._writing:
                self._writing = True
                loop.add_writer(master, self._flush_input)
            return
        except OSError:
            self._input.clear()
        if self._writing:
            self._writing = False
            loop.remove_writer(master)

    def close_stdin(self) -> None:
        if self.tty:
            # A PTY has no separate stdin to close: send the EOF character, as a terminal would.
            self.write(EOF_CHAR)
        elif self.process is not None and self.process.stdin is not None:
            with contextlib.suppress(OSError, RuntimeError):
                self.process.stdin.close()

    def resize(self, rows: int, cols: int) -> None:
        if self._master is not None and rows > 0 and cols > 0:
            # The kernel sends SIGWINCH to the PTY's foreground process group.
            with contextlib.suppress(OSError):
                _set_size(self._master, rows, cols)

    async def wait(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(reader, 2.0)
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            kill_group(self.process.pid)

    def close(self) -> None:
        # The whole process group, even after the command exited: background children go too.
        if self.process is not None:
            kill_group(self.process.pid)
        for reader in self._readers:
            reader.cancel()
        if self._master is not None:
            with contextlib.suppress(RuntimeError):  # no running loop: nothing was registered
                loop = asyncio.get_running_loop()
                loop.remove_reader(self._master)
                loop.remove_writer(self._master)
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = None


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
