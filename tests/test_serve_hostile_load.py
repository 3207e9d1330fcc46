"""A bounded load of hostile requests on `policy serve` (issue 26, "Done when"): bodies with lone
surrogates, newlines and NUL in keys, deep nesting, huge numbers, lists past POLICY_MAX_ITEMS,
bodies past --max-body, headers past --max-header, traced decisions and batches, among valid
cases, from a few threads. No answer is a 500, the server's peak memory stays under the ceiling
docs/serve.md documents (400 MiB for one worker with the defaults), and every decision it
acknowledged (a 200 with a decision_id) is in the decision log exactly once."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections import Counter
from pathlib import Path

import pytest

from conftest import EXAMPLES
from test_serve_support import logged_server

CEILING_MIB = 400
GOOD = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
GOOD.pop("expected", None)


def _bodies(rng: random.Random) -> list[tuple[str, bytes, dict]]:
    many = dict(GOOD, 経費=GOOD["経費"][:1] * 1001)
    big_ok = dict(GOOD, 経費=GOOD["経費"][:1] * 400)
    good = json.dumps(GOOD, ensure_ascii=False).encode()
    return [
        ("/v1/decide", good, {}),
        ("/v1/decide?form=summary", good, {}),
        ("/v1/decide?trace=true", json.dumps(big_ok, ensure_ascii=False).encode(), {}),
        ("/v1/batch", json.dumps({"cases": [GOOD] * 50 + [{"\ud800": 1}]}).encode(), {}),
        ("/v1/decide", b'{"\\ud800": 1}', {}),
        ("/v1/decide", b'{"a\\nb\\u0000": 1}', {}),
        ("/v1/explain", b'{"\\udfff": {"\\ud83d": 1}}', {}),
        ("/page/check", b'{"\\ud800": 1}', {}),
        ("/v1/decide", b"[" * 100_000 + b"]" * 100_000, {}),
        ("/v1/decide", json.dumps(dict(GOOD, 申請者=dict(GOOD["申請者"], 資本金=10**400))).encode(), {}),
        ("/v1/decide", b'{"\xff\xfe": 1}', {}),
        ("/v1/decide", json.dumps(many, ensure_ascii=False).encode(), {}),
        ("/v1/decide", b"{" + b" " * 300_000 + b"}", {}),
        ("/v1/decide", good, {"X-Pad": "p" * 100_000}),
    ]


def _post(address, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    with socket.create_connection(address, timeout=60) as conn:
        try:
            conn.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.settimeout(60)
        chunks = []
        try:
            while chunk := conn.recv(1 << 20):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    data = b"".join(chunks)
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, data.partition(b"\r\n\r\n")[2]


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's peak memory from /proc")
def test_hostile_load_gives_no_500_stays_under_the_ceiling_and_logs_each_decision_once(tmp_path_factory):
    server = logged_server(tmp_path_factory)
    try:
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        address = (host, int(port))
        rng = random.Random(26)
        kinds = _bodies(rng)
        plan = [rng.choice(kinds) for _ in range(240)]
        results: list[tuple[str, int, bytes]] = []
        lock = threading.Lock()

        def client(part):
            for path, body, headers in part:
                status, data = _post(address, path, body, headers)
                with lock:
                    results.append((path, status, data))

        threads = [threading.Thread(target=client, args=(plan[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        assert len(results) == len(plan)
        statuses = Counter(status for _, status, _ in results)
        assert 500 not in statuses and 0 not in statuses, statuses
        assert set(statuses) <= {200, 400, 408, 413, 422, 431}, statuses
        assert 431 in statuses and 413 in statuses and 422 in statuses, statuses
        acknowledged = []
        for path, status, data in results:
            if status != 200 or path.startswith("/page"):
                continue
            body = json.loads(data)
            if path.startswith("/v1/batch"):
                acknowledged += [r["decision"]["decision_id"] for r in body["results"] if r.get("ok")]
            elif "decision_id" in body:
                acknowledged.append(body["decision_id"])
        logged = Counter(json.loads(line)["decision_id"] for line in server.log.read_text(encoding="utf-8").splitlines())
        assert acknowledged and all(logged[d] == 1 for d in acknowledged)
        peak = _peak_mib(server.proc.pid)
        assert peak < CEILING_MIB, f"peak {peak:.0f} MiB"
        print(f"statuses {dict(statuses)}; peak {peak:.0f} MiB")
    finally:
        server.stop()
