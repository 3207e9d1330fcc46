"""A response's status line and headers leave with its first body bytes in one write (uvicorn writes
them in two calls: two send(2)s and two TCP segments per answer), while an interim "100 Continue",
which the client waits for before sending its body, is never held; a close sends what is held.
Every served answer goes through it: the other tests of `policy serve` read them whole."""

from __future__ import annotations

from engine.serve.server import _OneWrite

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Transport:
    def __init__(self):
        self.calls: list[tuple] = []

    def write(self, data):
        self.calls.append(("write", bytes(data)))

    def writelines(self, parts):
        self.calls.append(("writelines", tuple(bytes(p) for p in parts)))

    def close(self):
        self.calls.append(("close",))

    def is_closing(self):
        return False


def test_the_head_waits_for_the_body_and_both_go_in_one_call():
    t = Transport()
    one = _OneWrite(t)
    one.write(HEAD)
    assert t.calls == []
    one.write(b"{}")
    assert t.calls == [("writelines", (HEAD, b"{}"))]
    one.write(b"more")  # a later chunk of a streamed body: straight through
    assert t.calls[-1] == ("write", b"more")


def test_an_interim_100_continue_is_sent_at_once():
    t = Transport()
    one = _OneWrite(t)
    one.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert t.calls == [("write", b"HTTP/1.1 100 Continue\r\n\r\n")]


def test_a_close_sends_a_head_still_held_first():
    t = Transport()
    one = _OneWrite(t)
    one.write(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n")
    one.close()
    assert t.calls == [("write", b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n"), ("close",)]
    assert one.is_closing() is False  # everything else is the transport's own

