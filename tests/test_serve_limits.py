"""The service bounds what a client can make it hold (issue 26, fault 7): a request's headers past
--max-header get 431 and the connection closes, headers not complete within --header-timeout get
408 (a client trickling them was held open indefinitely), and the service goes on answering."""

from __future__ import annotations

import json
import socket
import time

import pytest

from conftest import EXAMPLES
from test_serve_support import logged_server

SMALL = EXAMPLES / "seed_invoice_small_1m.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = logged_server(tmp_path_factory, "--max-header", "16384", "--header-timeout", "1.5")
    yield s
    s.stop()


def _address(server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _read_all(sock: socket.socket, limit: float = 20) -> bytes:
    sock.settimeout(limit)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, socket.timeout):
        pass
    return b"".join(chunks)


def test_headers_past_the_limit_get_431_and_the_connection_closes(server):
    with socket.create_connection(_address(server), timeout=20) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(64):  # up to 4 MiB of one header, until the server closes
                sock.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head
    assert json.loads(body)["code"] == "header_too_large"
    assert json.loads(body)["detail"] == f"リクエストヘッダーが {16384:,} バイトを超えています"
    assert server.get("/healthz")[0] == 200


def test_headers_trickled_past_the_timeout_get_408(server):
    with socket.create_connection(_address(server), timeout=20) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        answer = b""
        for _ in range(40):  # one byte every 0.1 s: never finishing in 1.5 s
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.1)
        answer = _read_all(sock)
        assert time.monotonic() - start < 20
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["code"] == "header_timeout"


def test_a_silent_connection_is_closed_after_the_timeout(server):
    with socket.create_connection(_address(server), timeout=20) as sock:
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_requests_within_the_limits_are_answered_on_one_connection(server):
    import http.client

    host, port = _address(server)
    conn = http.client.HTTPConnection(host, port, timeout=20)
    body = SMALL.read_bytes()
    for _ in range(3):
        conn.request("POST", "/v1/decide", body=body, headers={"Content-Type": "application/json", "X-Pad": "p" * 8000})
        response = conn.getresponse()
        assert response.status == 200
        response.read()
        time.sleep(0.6)  # idle between requests, under the header timeout each time
    conn.close()



def test_a_head_request_is_answered_and_the_connection_goes_on(server):
    """A HEAD answer has headers and no body: the server sends its headers with the body's first
    bytes in one write, so it must not hold a head that no body will follow (it hung)."""
    import http.client

    host, port = _address(server)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    for method in ("GET", "HEAD", "HEAD", "GET"):
        conn.request(method, "/healthz")
        response = conn.getresponse()
        assert response.status == 200, method
        assert (response.read() == b"") == (method == "HEAD"), method
    conn.close()

def test_headers_past_the_limit_in_one_read_get_431(server):
    """A 100 KB header sent with its request in one write (it arrives whole, headers completed in
    one read) is refused too: the parser counts the line and the headers themselves."""
    with socket.create_connection(_address(server), timeout=20) as sock:
        body = SMALL.read_bytes()
        sock.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pad: " + b"p" * 100_000
                     + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


@pytest.fixture(scope="module")
def small_trace_server(tmp_path_factory):
    s = logged_server(tmp_path_factory, "--max-trace", "2000000")
    yield s
    s.stop()


def test_a_traced_decision_past_max_trace_gets_413_and_is_not_logged(small_trace_server):
    """A trace grows with items × rules (a 256 KiB case once answered 46 MB): past --max-trace the
    answer is 413, before anything is logged; the same case without trace=true is decided."""
    import json

    case = json.loads(SMALL.read_text(encoding="utf-8"))
    case["経費"] = case["経費"][:1] * 1000  # POLICY_MAX_ITEMS: a traced answer of about 3 MB, compact
    before = small_trace_server.log.read_text(encoding="utf-8") if small_trace_server.log.exists() else ""
    status, _, body = small_trace_server.post_json("/v1/decide?trace=true&lang=en", case)
    assert status == 413, status
    assert body["code"] == "trace_too_large" and "--max-trace" in body["detail"] and "ask without trace=true" in body["detail"]
    after = small_trace_server.log.read_text(encoding="utf-8") if small_trace_server.log.exists() else ""
    assert after == before
    status, _, _ = small_trace_server.post_json("/v1/decide", case)
    assert status == 200


def test_a_traced_answer_is_encoded_once_measured_and_sent_as_it_is(monkeypatch):
    """The traced body (some 140 KiB) is encoded to be measured against --max-trace; those bytes are
    the response, not a second encoding of the same body."""
    from starlette.testclient import TestClient

    from conftest import EXAMPLES, ROOT
    from engine.explain import json_text
    from engine.serve import app as app_module, handling
    from engine.serve.app import Settings, create_app
    from engine.serve.registry import Registry

    encoded = []

    def counting(data, default=None):
        out = json_text.compact(data, default)
        if isinstance(data, dict) and "frames" in data:  # a decision's body, not a log record or an error
            encoded.append(out)
        return out

    monkeypatch.setattr(app_module, "dump_json", counting)
    monkeypatch.setattr(handling, "dump_json", counting)
    client = TestClient(create_app(Settings(Registry(ROOT / "policies"), request_timeout=None)))
    answer = client.post("/v1/decide?trace=true", content=(EXAMPLES / "seed_invoice_small_1m.json").read_bytes())
    assert answer.status_code == 200 and len(encoded) == 1
    assert answer.content == encoded[0] and answer.json()["frames"][1]["requirements"][0]["children"]
    encoded.clear()
    assert client.post("/v1/decide", content=(EXAMPLES / "seed_invoice_small_1m.json").read_bytes()).status_code == 200
    assert len(encoded) == 1  # untraced: encoded once, by the response
