"""One slow or huge request cannot stall the others, against a real `policy serve` process with one
worker (the hardest case: nothing else to fall back on): while a big /v1/batch with what-ifs is
being decided, or a client trickles its body a byte at a time, small decisions and /healthz answer,
correctly, before the slow request ends. Past `--request-timeout` the slow request gets a JSON
problem (408 for a body still arriving, 504 for work still running) and a batch stops between two
cases instead of holding its thread. Ordering is asserted, never wall-clock speed."""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from conftest import EXAMPLES, ROOT
from engine.evaluate.case import read_case
from engine.language.diagnostics import CaseError
from engine.compile.pipeline import load_policy
from test_serve_support import logged_server

SMALL = EXAMPLES / "seed_invoice_small_1m.json"
NORMAL = EXAMPLES / "seed_normal_1m_software.json"


def cases(n: int) -> list[dict]:
    """n valid 2024 cases, every example in turn (each decided in full, what-ifs included)."""
    policy = load_policy(ROOT / "policies" / "2024").policy
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw.pop("expected", None)
        # within 2024's term: 2024-10-16 is in no year since rules-2024.md §7 C-12 (2025 opened 2025-03-31)
        if "2024-02-16" <= str(raw.get("申請日", "")) <= "2024-10-15":
            try:
                read_case(policy, raw)
            except CaseError:
                continue
            found.append(raw)
    return [found[i % len(found)] for i in range(n)]


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    s = logged_server(tmp_path_factory, "--request-timeout", "300")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    s = logged_server(tmp_path_factory, "--request-timeout", "2")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def hasty(tmp_path_factory):
    """A time limit far below what 1,000 full decisions take on any machine this runs on (2.5–3.4 s
    measured after issue 25's what-if work, which made a 2 s limit too close to be sure of a 504)."""
    s = logged_server(tmp_path_factory, "--request-timeout", "0.5")
    yield s
    s.stop()


def small_requests(server) -> list[tuple[str, float]]:
    """/healthz, a summary decision and a full one, each checked; (what, when it was answered)."""
    done = []
    status, _, body = server.get("/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    done.append(("healthz", time.monotonic()))
    status, _, body = server.post_json("/v1/decide?form=summary", SMALL.read_text(encoding="utf-8"))
    assert status == 200 and {f["frame"]: f["subsidy"] for f in body["frames"]}["インボイス対応類型"] == 750000
    done.append(("summary", time.monotonic()))
    status, _, body = server.post_json("/v1/decide", NORMAL.read_text(encoding="utf-8"))
    assert status == 200 and body["best_frame"] == "通常枠" and body["frames"][0]["subsidy"] == 500000
    done.append(("full", time.monotonic()))
    return done


def test_small_requests_answer_while_a_big_batch_with_what_ifs_runs(patient):
    batch = cases(1000)
    outcome = {}

    def big():
        outcome["answer"] = patient.post_json("/v1/batch?form=full", batch)
        outcome["at"] = time.monotonic()

    slow = threading.Thread(target=big)
    slow.start()
    time.sleep(0.5)  # the batch is read and being decided
    assert slow.is_alive()
    done = small_requests(patient)
    assert slow.is_alive(), "the batch ended before the small requests could show anything"
    slow.join()
    status, _, body = outcome["answer"]
    assert status == 200 and body["count"] == 1000 and body["errors"] == 0
    assert all(r["decision"]["frames"][0]["what_if"] is not None for r in body["results"])
    assert all(at < outcome["at"] for _, at in done), (done, outcome["at"])


def _trickle(url: str, body: bytes, every: float, stop: threading.Event) -> tuple[int, dict, bytes]:
    """POST /v1/decide sending the body one byte every `every` seconds; the answer's status and JSON."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(b"POST /v1/decide?form=summary&lang=en HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n")
        conn.settimeout(every)
        received = b""
        for i in range(len(body)):
            if stop.is_set():
                break
            try:
                conn.sendall(body[i:i + 1])
            except OSError:  # the server answered and closed: read what it said
                break
            try:
                chunk = conn.recv(65536)
                if chunk:
                    received += chunk
                    break
            except TimeoutError:
                continue
        conn.settimeout(30)
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(payload), head


def test_a_trickled_body_does_not_stall_others_and_gets_408_at_the_time_limit(strict):
    body = SMALL.read_bytes()
    stop = threading.Event()
    result = {}

    def slowloris():
        result["answer"] = _trickle(strict.url, body, 0.05, stop)
        result["at"] = time.monotonic()

    slow = threading.Thread(target=slowloris)
    slow.start()
    time.sleep(0.2)
    done = small_requests(strict)
    slow.join(timeout=30)
    stop.set()
    status, problem, head = result["answer"]
    assert status == 408 and b"connection: close" in head.lower()  # the server hangs up: the rest is not read
    assert "did not arrive within the time limit of 2 s" in problem["errors"][0]["message"] and problem["time_limit_seconds"] == 2
    assert problem["code"] == "body_timeout"
    assert all(at < result["at"] for _, at in done)
    status, _, _ = strict.get("/healthz")
    assert status == 200


def test_work_past_the_time_limit_gets_504_and_the_batch_stops(hasty):
    def records() -> int:
        return sum(1 for _ in hasty.log.open(encoding="utf-8"))

    status, headers, problem = hasty.post_json("/v1/batch?form=full&lang=en", cases(1000))
    assert status == 504 and headers["Content-Type"] == "application/problem+json" and problem["code"] == "decision_timeout"
    assert problem["errors"][0]["message"].startswith("the request was not answered within the time limit of 0.5 s")
    time.sleep(0.5)  # the batch checks its deadline between two cases
    stopped_at = records()
    time.sleep(1.0)
    assert records() == stopped_at, "the abandoned batch went on deciding"
    assert stopped_at < 1000
    status, _, body = hasty.post_json("/v1/decide?form=summary", SMALL.read_text(encoding="utf-8"))
    assert status == 200 and body["best_frame"] == "インボイス対応類型"
    _, _, metrics = hasty.get("/metrics")
    assert 'policy_errors_total{route="/v1/batch",status="504"} 1' in metrics.decode()
