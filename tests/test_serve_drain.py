"""While `policy serve` drains after SIGTERM (finishing the requests it holds), a new connection is
refused at once (issue 26, fault 14: it waited 2–12 s in the listen backlog and was then reset)."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

from test_serve_support import ROOT, Server

CASE = (ROOT / "examples" / "seed_invoice_small_1m.json").read_bytes()


def _slow_request(address, stop: threading.Event, answer: dict) -> None:
    """A decision whose body arrives a byte every 0.05 s: the server holds it while it drains."""
    with socket.create_connection(address, timeout=30) as conn:
        conn.sendall(b"POST /v1/decide?form=summary HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(CASE)).encode() + b"\r\nConnection: close\r\n\r\n")
        for i in range(len(CASE)):
            if stop.is_set():
                conn.sendall(CASE[i:])
                break
            conn.sendall(CASE[i:i + 1])
            time.sleep(0.05)
        conn.settimeout(30)
        answer["data"] = conn.recv(200)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_connections_made_during_a_drain_are_refused_at_once(workers):
    server = Server("--policies", str(ROOT / "policies"), "--workers", workers, "--request-timeout", "60")
    try:
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        address = (host, int(port))
        stop, answer = threading.Event(), {}
        slow = threading.Thread(target=_slow_request, args=(address, stop, answer), daemon=True)
        slow.start()
        time.sleep(1.0)  # the slow request is being received
        server.signal(signal.SIGTERM)
        time.sleep(1.0)  # the drain has begun; the slow request is still held
        assert slow.is_alive()
        outcomes = []
        for _ in range(5):
            start = time.monotonic()
            try:
                with socket.create_connection(address, timeout=15) as conn:
                    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    conn.settimeout(15)
                    outcomes.append(("answered", conn.recv(100)[:12], time.monotonic() - start))
            except ConnectionRefusedError:
                outcomes.append(("refused", b"", time.monotonic() - start))
            except (ConnectionResetError, socket.timeout) as exc:
                outcomes.append((type(exc).__name__, b"", time.monotonic() - start))
        stop.set()
        slow.join(30)
        assert all(kind == "refused" and took < 1 for kind, _, took in outcomes), outcomes
        assert answer.get("data", b"").startswith(b"HTTP/1.1 200"), answer  # the held request was finished
    finally:
        server.stop()
