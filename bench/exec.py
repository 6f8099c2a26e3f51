"""Benchmarks for the embedded exec terminal (issue 6).  Prints numbers; nothing asserts on them.

    python bench/exec.py                 # everything, 1 MB per corpus
    python bench/exec.py --bytes 300000  # quicker
    python bench/exec.py --only feed     # feed | widget | firehose | latency | remote | flood

1. Feed throughput of each backend (libghostty-vt when installed, pyte) against stock pyte (ByteStream + Screen) on
   plain text, colour-heavy synthetic redraws and the recorded corpus (tests/data/vt), fed in
   4 KiB chunks into a 200x50 screen, best of 3.  Goal: >= 8x stock pyte on plain text.  Then (1b)
   what reading a changed screen and a screenful of scrollback costs on each backend.
2. End to end through TerminalView under App.run_test: 4 KiB chunks with a yield between them,
   as the exec WebSocket reader will deliver them, timed until everything is parsed and painted.
3. A `yes`-like firehose: the longest event-loop stall seen by a 1 ms ticker while 20 MB arrive
   faster than they can be parsed (the widget skips ahead).  Goal: <= 50 ms.
4. Keystroke -> echo latency over the exec WebSocket against the dev agent (goal p95 <= 15 ms),
   through the app's ExecPane and the real ExecSession.
5. `yes` in the remote shell for 3 s through ExecSession and the terminal: MB/s over the socket,
   the longest event-loop turn meanwhile (goal <= 50 ms), and how fast ^C brings the prompt back.
6. `cat` of a 50 MB file in a loop for 15 s, then ^C: time to the prompt (goal <= 1 s) and the dev
   agent's RSS before, during and after (goal: flat).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nomad_tui.term.backends import make_emulator  # noqa: E402
from nomad_tui.ui.app import restore_gc, tune_gc  # noqa: E402

CORPUS_DIR = ROOT / "tests" / "data" / "vt"
CHUNK = 4096
COLS, ROWS = 200, 50


# ---------------------------------------------------------------------- corpora


def plain_corpus(size: int) -> bytes:
    rng = random.Random(42)
    printable = "".join(chr(c) for c in range(32, 127))
    out: list[str] = []
    total = 0
    while total < size:
        line = "".join(rng.choices(printable, k=rng.randint(80, 120))) + "\r\n"
        out.append(line)
        total += len(line)
    return "".join(out).encode()[:size]


def sgr_corpus(size: int) -> bytes:
    """Full-screen redraws with a 256-colour or truecolor SGR every 3-12 characters (~70% escapes)."""
    rng = random.Random(42)
    words = ["root", "nomad", "alloc", "1234", "0.0", "12.5%", "S", "R", "/usr/bin/python3", "[kworker/0:1]", "52.1M"]
    out: list[str] = []
    total = 0
    while total < size:
        frame = ["\x1b[H"]
        for row in range(1, ROWS + 1):
            frame.append(f"\x1b[{row};1H")
            column = 0
            while column < COLS - 10:
                kind = rng.random()
                if kind < 0.4:
                    frame.append(f"\x1b[38;5;{rng.randint(0, 255)}m")
                elif kind < 0.7:
                    frame.append(f"\x1b[38;2;{rng.randint(0, 255)};{rng.randint(0, 255)};{rng.randint(0, 255)}m")
                elif kind < 0.85:
                    frame.append(f"\x1b[1;48;5;{rng.randint(0, 255)}m")
                else:
                    frame.append("\x1b[0m")
                word = rng.choice(words)[: rng.randint(3, 12)] + " "
                frame.append(word)
                column += len(word)
            frame.append("\x1b[0m\x1b[K")
        text = "".join(frame)
        out.append(text)
        total += len(text)
    return "".join(out).encode()[:size]


def recorded_corpus(name: str, size: int) -> bytes:
    raw = (CORPUS_DIR / f"{name}.bin").read_bytes()
    return (raw * (size // len(raw) + 1))[:size]


def corpora(size: int) -> dict[str, bytes]:
    return {
        "plain": plain_corpus(size),
        "sgr_synth": sgr_corpus(size),
        "htop_real": recorded_corpus("htop", size),
        "vim_real": recorded_corpus("vim", size),
        "ls_real": recorded_corpus("ls", size),
    }


# ---------------------------------------------------------------------- 1. feed throughput


class StockPyte:
    """pyte 0.8.2 as shipped.  It raises on some valid input; the rest of that chunk is lost."""

    def __init__(self) -> None:
        self.stream = pyte.ByteStream(pyte.Screen(COLS, ROWS))
        self.raised = 0

    def feed(self, data: bytes) -> None:
        try:
            self.stream.feed(data)
        except Exception:
            self.raised += 1


def time_feed(feed: Callable[[bytes], None], chunks: list[bytes]) -> float:
    start = time.perf_counter()
    for chunk in chunks:
        feed(chunk)
    return time.perf_counter() - start


def bench_feed(data_sets: dict[str, bytes], repeat: int = 5) -> None:
    from nomad_tui.term.backends import available

    backends = available()
    print(f"\n== 1. feed throughput, {COLS}x{ROWS}, {CHUNK} B chunks, best of {repeat} (runs interleaved)")
    print(f"{'corpus':12s} {'stock pyte':>12s} " + " ".join(f"{name:>12s}" for name in backends))
    for name, data in data_sets.items():
        chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
        stock_best = float("inf")
        best = dict.fromkeys(backends, float("inf"))
        raised = 0
        for _ in range(repeat):
            stock = StockPyte()
            stock_best = min(stock_best, time_feed(stock.feed, chunks))
            raised = stock.raised
            for backend, make in backends.items():
                best[backend] = min(best[backend], time_feed(make(COLS, ROWS).feed, chunks))
        note = f"  (stock raised in {raised}/{len(chunks)} chunks and skipped their rest)" if raised else ""
        rates = " ".join(f"{len(data) / best[b] / 1e6:7.2f} MB/s" for b in backends)
        print(f"{name:12s} {len(data) / stock_best / 1e6:7.2f} MB/s {rates}{note}", flush=True)
    # A fresh terminal first allocates its scrollback (libghostty: some MB of pages for 2000 lines
    # of 200 columns); once it is full, lines reuse that memory.
    plain = data_sets["plain"]
    plain_chunks = [plain[i : i + CHUNK] for i in range(0, len(plain), CHUNK)]
    for backend, make in backends.items():
        emulator = make(COLS, ROWS)
        while emulator.scrollback_len < 2000:
            emulator.feed(plain[:200_000])
        best_full = min(time_feed(emulator.feed, plain_chunks) for _ in range(repeat))
        print(f"{backend}: plain text into a full scrollback: {len(plain) / best_full / 1e6:.1f} MB/s")
    for backend, make in backends.items():
        emulator = make(COLS, ROWS)
        emulator.feed(data_sets["sgr_synth"][:200_000])
        emulator.dirty_rows()  # the ghostty backend reads changed rows here
        start = time.perf_counter()
        emulator.feed(b"\x1b[H" + data_sets["sgr_synth"][200_000:260_000])
        emulator.dirty_rows()
        for y in range(ROWS):
            emulator.row_runs(y)
        print(
            f"{backend}: a colour-dense redraw fed and read as runs ({COLS}x{ROWS}): "
            f"{(time.perf_counter() - start) * 1e3:.1f} ms"
        )
    bench_rows(data_sets["plain"])


def bench_rows(plain: bytes) -> None:
    """What a frame and a scrollback page cost to read: the whole screen after it scrolled (every
    row changed), and a screenful of scrollback rows near its top and its end, the first time and
    again (the libghostty backend caches scrollback rows)."""
    from nomad_tui.term.backends import available

    print(f"\n== 1b. reading rows, {COLS}x{ROWS}, after 1 MB of plain text (scrollback full)")
    data = (plain * (1 + 1_000_000 // max(1, len(plain))))[:1_000_000]
    for backend, make in available().items():
        emulator = make(COLS, ROWS)
        emulator.feed(data)
        emulator.dirty_rows()
        emulator.feed(b"\r\n".join(f"\x1b[3{n % 8}mfresh line {n}".encode() for n in range(ROWS)))
        start = time.perf_counter()
        emulator.dirty_rows()
        for y in range(ROWS):
            emulator.row_runs(y)
        screen = time.perf_counter() - start
        history = emulator.scrollback_len
        timings = []
        for first in (0, history - ROWS):
            for _ in range(2):
                start = time.perf_counter()
                for index in range(first, first + ROWS):
                    emulator.scrollback_runs(index)
                timings.append((time.perf_counter() - start) * 1e3)
        print(
            f"{backend:8s} screen {screen * 1e3:6.1f} ms; {ROWS} scrollback rows of {history}: oldest "
            f"{timings[0]:.1f} ms (again {timings[1]:.2f} ms), newest {timings[2]:.1f} ms (again {timings[3]:.2f} ms)",
            flush=True,
        )


# ---------------------------------------------------------------------- 2. end to end through the widget


async def widget_rate(data: bytes) -> tuple[float, int]:
    from textual.app import App, ComposeResult

    from nomad_tui.ui.widgets.terminal import TerminalView

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TerminalView(make_emulator(COLS, ROWS))

    app = BenchApp()
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        terminal = app.query_one(TerminalView)
        terminal.focus()
        await pilot.pause()
        start = time.perf_counter()
        for i in range(0, len(data), CHUNK):
            terminal.feed(data[i : i + CHUNK])
            await asyncio.sleep(0)  # as a WebSocket reader task yields between frames
        await terminal.wait_idle()
        await pilot.pause()
        elapsed = time.perf_counter() - start
        return len(data) / elapsed / 1e6, terminal.frames


def bench_widget(data_sets: dict[str, bytes]) -> None:
    print(f"\n== 2. end to end through TerminalView (App.run_test, {COLS}x{ROWS}, {CHUNK} B frames)")
    for name, data in data_sets.items():
        rate, frames = asyncio.run(widget_rate(data))
        print(f"{name:12s} {rate:6.2f} MB/s incl. rendering, {frames} frames", flush=True)


# ---------------------------------------------------------------------- 3. firehose stalls


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "n/a"
    return (
        f"p50 {values[len(values) // 2] * 1e3:.1f} ms, p99 {values[int(len(values) * 0.99)] * 1e3:.1f} ms, "
        f"max {values[-1] * 1e3:.1f} ms"
    )


async def firehose(total: int) -> None:
    from textual import events
    from textual.app import App, ComposeResult

    from nomad_tui.ui.widgets.terminal import TerminalView

    typed: dict[str, float] = {}
    key_latency: list[float] = []

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TerminalView(make_emulator(COLS, ROWS))

        def on_terminal_view_input(self, message: TerminalView.Input) -> None:
            sent = typed.pop(message.data.decode(), None)
            if sent is not None:
                key_latency.append(time.perf_counter() - sent)

    app = BenchApp()
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        terminal = app.query_one(TerminalView)
        terminal.focus()
        await pilot.pause()
        previous_gc = tune_gc()  # as NomadTuiApp does once mounted
        loop = asyncio.get_running_loop()
        iterations: list[float] = []  # time between two consecutive turns of the event loop
        timer_gaps: list[float] = []  # what a task sleeping 1 ms sees
        running = True
        last_turn = time.perf_counter()

        def each_turn() -> None:
            nonlocal last_turn
            now = time.perf_counter()
            iterations.append(now - last_turn)
            last_turn = now
            if running:
                loop.call_soon(each_turn)

        async def ticker() -> None:
            last = time.perf_counter()
            while running:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                timer_gaps.append(now - last)
                last = now

        async def typist() -> None:
            """A key every 50 ms, timed from the terminal's Key event to the app's Input message."""
            letters = "abcdefghijklmnopqrstuvwxyz"
            count = 0
            while running:
                await asyncio.sleep(0.05)
                letter = letters[count % len(letters)]
                count += 1
                typed[letter] = time.perf_counter()
                terminal.post_message(events.Key(letter, letter))

        loop.call_soon(each_turn)
        tasks = [asyncio.create_task(ticker()), asyncio.create_task(typist())]
        chunk = b"y\n" * 32 * 1024  # what `yes` writes; 64 KiB per loop turn
        start = time.perf_counter()
        sent = 0
        while sent < total:
            terminal.feed(chunk)
            sent += len(chunk)
            await asyncio.sleep(0)
        await terminal.wait_idle()
        await pilot.pause()
        elapsed = time.perf_counter() - start
        running = False
        await asyncio.gather(*tasks)
        restore_gc(previous_gc)
        print(
            f"{total / 1e6:.0f} MB of `yes` in {elapsed:.2f} s: parsed {terminal.bytes_fed / 1e6:.2f} MB, "
            f"skipped {terminal.skipped_bytes / 1e6:.2f} MB in {terminal.skips} skips, {terminal.frames} frames"
        )
        print(f"event-loop stall (one turn of the loop): {percentiles(iterations)} (goal <= 50 ms)")
        print(f"1 ms timer wake-up delay:                {percentiles(timer_gaps)}")
        print(f"key -> TerminalView.Input ({len(key_latency)} keys): {percentiles(key_latency)}")


def bench_firehose() -> None:
    print("\n== 3. `yes` firehose through TerminalView")
    asyncio.run(firehose(20 * 1024 * 1024))


# ---------------------------------------------------------------------- 4. keystroke -> echo latency


async def find_target(agent_url: str):  # type: ignore[no-untyped-def]
    """An ExecTarget for /bin/sh in the first running task the dev agent has."""
    import httpx

    from nomad_tui.ui.sessions import ExecTarget

    async with httpx.AsyncClient(base_url=agent_url) as client:
        for stub in (await client.get("/v1/allocations", params={"namespace": "*"})).json():
            if stub["ClientStatus"] != "running":
                continue
            alloc = (await client.get(f"/v1/allocation/{stub['ID']}", params={"namespace": stub["Namespace"]})).json()
            running = [name for name, state in (alloc.get("TaskStates") or {}).items() if state["State"] == "running"]
            if running:
                return ExecTarget(stub["ID"], stub["Namespace"], stub["JobID"], running[0], "/bin/sh", ("/bin/sh",))
    raise RuntimeError("the dev agent has no running task")


def pane_app(agent_url: str, target, observe: Callable[[bytes, int], None] | None = None):  # type: ignore[no-untyped-def]
    """A bare app holding one ExecPane: the app's own exec path (escape detector, session wiring,
    the real ExecSession).  `observe(chunk, frames_before)` sees every output chunk the session feeds."""
    from textual.app import App, ComposeResult

    from nomad_tui.settings import resolve
    from nomad_tui.ui.widgets.exec_pane import ExecPane

    class PaneApp(App[None]):
        def compose(self) -> ComposeResult:
            pane = ExecPane(resolve({"address": agent_url}, {}, {}), target, heartbeat_interval=1.0)
            terminal = pane.terminal
            if observe is not None:
                feed = terminal.feed

                def observed_feed(chunk: bytes) -> None:
                    frames = terminal.frames
                    feed(chunk)
                    observe(chunk, frames)

                feed_base64 = terminal.feed_base64

                def observed_feed_base64(encoded: bytes) -> None:
                    import base64

                    frames = terminal.frames
                    feed_base64(encoded)
                    observe(base64.b64decode(encoded), frames)

                terminal.feed = observed_feed  # type: ignore[method-assign]  # the session feeds through these
                terminal.feed_base64 = observed_feed_base64  # type: ignore[method-assign]
            yield pane

    return PaneApp()


async def connected_pane(app, pilot):  # type: ignore[no-untyped-def]
    from nomad_tui.ui.widgets.exec_pane import ExecPane

    pane = app.query_one(ExecPane)
    pane.terminal.focus()
    while pane.session is None or not pane.session.connected:
        await pilot.pause(0.01)
    await pilot.pause(0.5)  # the prompt
    return pane


async def keystroke_latency(agent_url: str, keys: int) -> tuple[list[float], int]:
    """Type `keys` letters into /bin/sh in a running task; time each from the Key event until the
    echo is parsed and the terminal has repainted the rows it changed (Textual's compositor writes
    them out on its next screen update).  Returns the latencies and the heartbeats sent meanwhile.
    """
    from textual import events

    echoed: asyncio.Queue[tuple[bytes, int]] = asyncio.Queue()
    app = pane_app(agent_url, await find_target(agent_url), lambda chunk, frames: echoed.put_nowait((chunk, frames)))
    latencies: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await connected_pane(app, pilot)
        terminal, session = pane.terminal, pane.session
        while not echoed.empty():
            echoed.get_nowait()
        letters = "abcdefghijklmnopqrstuvwxyz"
        for count in range(keys):
            letter = letters[count % len(letters)]
            start = time.perf_counter()
            terminal.post_message(events.Key(letter, letter))
            while True:
                chunk, frames = await asyncio.wait_for(echoed.get(), 5)
                if letter.encode() in chunk:
                    break
            while terminal.frames == frames:  # wait for the repaint that shows it
                await asyncio.sleep(0)
            latencies.append(time.perf_counter() - start)
            if count % 60 == 59:
                session.write(b"\x15")  # ^U: kill the line
                await pilot.pause(0.05)
                while not echoed.empty():
                    echoed.get_nowait()
        heartbeats = session.heartbeats_sent
        session.write(b"\x15exit\r")
        while pane.outcome is None:
            await pilot.pause(0.01)
    return latencies, heartbeats


def bench_keystroke_latency(keys: int = 200) -> None:
    print("\n== 4. keystroke -> echo over the exec WebSocket (dev agent, /bin/sh in a running task)")
    from nomad_tui.devagent.launcher import AgentProcess

    with AgentProcess.start("--allocs", "6", "--churn", "0") as agent:
        latencies, heartbeats = asyncio.run(keystroke_latency(agent.url, keys))
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95)]
    print(f"{len(latencies)} keys: {percentiles(latencies)}, p95 {p95 * 1e3:.1f} ms (goal p95 <= 15 ms)")
    print(f"(ExecPane + ExecSession, heartbeat every 1 s: {heartbeats} sent during the run)")


# ---------------------------------------------------------------------- 5. a remote firehose


async def remote_yes(agent_url: str, seconds: float) -> None:
    """`yes` in the remote shell for `seconds`, then ^C: bytes over the socket, what the terminal
    parsed and skipped, the longest event-loop turn, and how long ^C takes to bring the prompt back."""
    app = pane_app(agent_url, await find_target(agent_url))
    async with app.run_test(size=(200, 50)) as pilot:
        pane = await connected_pane(app, pilot)
        terminal, session = pane.terminal, pane.session
        tune_gc()  # as NomadTuiApp does once mounted
        loop = asyncio.get_running_loop()
        turns: list[float] = []
        running = True
        last = time.perf_counter()

        def each_turn() -> None:
            nonlocal last
            now = time.perf_counter()
            turns.append(now - last)
            last = now
            if running:
                loop.call_soon(each_turn)

        received_before = session.bytes_in
        loop.call_soon(each_turn)
        session.write(b"yes\r")
        start = time.perf_counter()
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - start
        received = session.bytes_in - received_before
        interrupted = time.perf_counter()
        session.write(b"\x03")
        marker = "DONE-" + str(int(time.time()))
        session.write(f"echo {marker[:5]}''{marker[5:]}\r".encode())
        # The typed line is echoed as `DONE-''123`; only the command's output reads `DONE-123`.
        while not any(marker in line for line in terminal.emulator.display()):
            await asyncio.sleep(0.005)
        recovered = time.perf_counter() - interrupted
        running = False
        print(
            f"{received / elapsed / 1e6:.1f} MB/s of `yes` over the socket for {elapsed:.1f} s: terminal parsed "
            f"{terminal.bytes_fed / 1e6:.2f} MB, skipped {terminal.skipped_bytes / 1e6:.1f} MB in {terminal.skips} "
            f"skips, {terminal.frames} frames"
        )
        print(f"event-loop turn meanwhile: {percentiles(turns)} (goal <= 50 ms)")
        print(f"^C to the prompt's next output on screen: {recovered * 1e3:.0f} ms")
        session.write(b"exit\r")
        while pane.outcome is None:
            await pilot.pause(0.01)


def bench_remote_firehose(seconds: float = 3.0) -> None:
    print("\n== 5. `yes` in the remote shell, through ExecSession and the terminal (dev agent)")
    from nomad_tui.devagent.launcher import AgentProcess

    with AgentProcess.start("--allocs", "6", "--churn", "0", "--no-processes") as agent:
        asyncio.run(remote_yes(agent.url, seconds))


# ---------------------------------------------------------------------- 6. ctrl+c after a long flood


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def remote_flood(agent_url: str, agent_pid: int, seconds: float, big_file: Path) -> None:
    """`while :; do cat big; done` for `seconds`, then ^C: time until the prompt's next output is on
    screen, and the dev agent's RSS before, at the end of the flood and after it."""
    app = pane_app(agent_url, await find_target(agent_url))
    async with app.run_test(size=(100, 36)) as pilot:
        pane = await connected_pane(app, pilot)
        terminal, session = pane.terminal, pane.session
        tune_gc()
        rss_before = rss_mb(agent_pid)
        received_before = session.bytes_in
        session.write(f"while :; do cat {big_file}; done\r".encode())
        start = time.perf_counter()
        peak = rss_before
        while time.perf_counter() - start < seconds:
            await asyncio.sleep(0.5)
            peak = max(peak, rss_mb(agent_pid))
        elapsed = time.perf_counter() - start
        received = session.bytes_in - received_before
        interrupted = time.perf_counter()
        at_interrupt = session.bytes_in
        session.write(b"\x03")
        marker = "DONE-" + str(int(time.time()))
        session.write(f"echo {marker[:5]}''{marker[5:]}\r".encode())
        while not any(marker in line for line in terminal.emulator.display()):
            await asyncio.sleep(0.005)
        recovered = time.perf_counter() - interrupted
        after_interrupt = session.bytes_in - at_interrupt
        await asyncio.sleep(1.0)
        rss_after = rss_mb(agent_pid)
        print(
            f"{received / elapsed / 1e6:.1f} MB/s over the socket for {elapsed:.1f} s "
            f"(terminal parsed {terminal.bytes_fed / 1e6:.1f} MB, skipped {terminal.skipped_bytes / 1e6:.1f} MB, "
            f"skips {terminal.skips})"
        )
        print(
            f"^C to the prompt's next output on screen: {recovered * 1e3:.0f} ms (goal <= 1000 ms); "
            f"{after_interrupt / 1e6:.2f} MB arrived after ^C"
        )
        print(
            f"dev agent RSS: {rss_before:.0f} MB before, peak {peak:.0f} MB during, {rss_after:.0f} MB after "
            "(goal: flat)"
        )
        session.write(b"exit\r")
        while pane.outcome is None:
            await pilot.pause(0.01)


def bench_remote_flood(seconds: float = 15.0) -> None:
    print(f"\n== 6. `cat` of a 50 MB file in a loop for {seconds:.0f} s, then ^C (dev agent)")
    import tempfile

    from nomad_tui.devagent.launcher import AgentProcess

    with tempfile.TemporaryDirectory() as scratch:
        big = Path(scratch) / "big.txt"
        big.write_bytes(plain_corpus(50_000_000))
        with AgentProcess.start("--allocs", "6", "--churn", "0", "--no-processes") as agent:
            asyncio.run(remote_flood(agent.url, agent.popen.pid, seconds, big))


def main() -> None:
    import os

    from nomad_tui.term.backends import available

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bytes", type=int, default=1_000_000, help="bytes per corpus")
    parser.add_argument("--only", choices=["feed", "widget", "firehose", "latency", "remote", "flood"])
    parser.add_argument("--flood-seconds", type=float, default=15.0)
    parser.add_argument(
        "--backend",
        choices=["ghostty", "pyte", "all"],
        help="the terminal's VT engine for sections 2-6 (default: the best; all: each in turn)",
    )
    args = parser.parse_args()
    backends = list(available()) if args.backend == "all" else [args.backend or ""]
    print(
        f"python {sys.version.split()[0]}, pyte {getattr(pyte, '__version__', '0.8.2')}, "
        f"{args.bytes} bytes per corpus, load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}"
    )
    data_sets = corpora(args.bytes)
    if args.only in (None, "feed"):
        bench_feed(data_sets)  # every backend side by side
    for backend in backends:
        if backend:
            os.environ["NOMAD_TUI_TERM_BACKEND"] = backend
        if args.only == "feed":
            break
        from nomad_tui.term.backends import backend_name

        print(f"\n######## terminal backend for sections 2-6: {backend_name()}")
        if args.only in (None, "widget"):
            bench_widget(data_sets)
        if args.only in (None, "firehose"):
            bench_firehose()
        if args.only in (None, "latency"):
            bench_keystroke_latency()
        if args.only in (None, "remote"):
            bench_remote_firehose()
        if args.only in (None, "flood"):
            bench_remote_flood(args.flood_seconds)
        print(f"(load average now {' '.join(f'{load:.2f}' for load in os.getloadavg())})")


if __name__ == "__main__":
    main()
