"""Demo task: a tiny HTTP server on loopback that logs requests and the signals it receives."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"hello from {os.environ.get('NOMAD_ALLOC_ID', 'a dev agent task')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", flush=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    print(f"http: got {name}", flush=True)
    if signum in (signal.SIGTERM, signal.SIGINT):
        print("http: shutting down", flush=True)
        sys.exit(0)


def main() -> None:
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, _on_signal)
    port = int(os.environ.get("NOMAD_PORT_http", "0") or 0)  # noqa: SIM112 - Nomad's name, label case kept
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"http: listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    print("http: ready", file=sys.stderr, flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    beat = 0
    while True:
        time.sleep(5)
        beat += 1
        print(f"http: heartbeat {beat}", flush=True)


if __name__ == "__main__":
    main()
