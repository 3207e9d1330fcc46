"""Running the service: compile the policies once, bind the socket, then serve it from N worker
processes forked from this one (they share the compiled policies) under uvicorn. The parent only
supervises: SIGHUP is passed to every worker (each reloads), SIGTERM/SIGINT stop them, and a
worker that dies is replaced. With one worker, uvicorn runs in this process."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import socket
import sys
import tempfile

import uvicorn

from engine.serve.app import EARLY_HUP, Settings, create_app
from engine.serve.log import DecisionLog
from engine.serve.metrics import Metrics
from engine.serve import problems
from engine.serve.messages import Said, said
from engine.serve.registry import Registry


class LogPathError(Exception):
    """The decision log cannot be opened for appending: the service does not start."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # IPPROTO_TCP: asyncio then sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    try:  # Linux: a worker whose supervisor was killed stops too (never an orphan still serving)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _fast_stack() -> dict:
    """uvicorn's C HTTP parser and event loop (the `serve` extra declares them) when importable; the
    pure-Python h11 parser and asyncio's loop otherwise (same behaviour, a third of the throughput)."""
    chosen = {}
    try:
        import httptools  # noqa: F401

        chosen["http"] = "httptools"
    except ImportError:
        chosen["http"] = "h11"
    try:
        import uvloop  # noqa: F401

        chosen["loop"] = "uvloop"
    except ImportError:
        chosen["loop"] = "asyncio"
    return chosen


MAX_HEADER_BYTES = 64 * 1024  # the request line and headers of one request: 431 past it
HEADER_TIMEOUT = 10.0  # seconds from a request's first byte (or the connection) to its last header: 408 past it

_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\nconnection: close\r\n"
_408 = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\nconnection: close\r\n"


class _OneWrite:
    """The connection's transport, writing a response's status line and headers together with its
    first body bytes: uvicorn writes them in two calls, which on a kept-alive connection with
    TCP_NODELAY are two send(2)s and two TCP segments per answer (each one the kernel's work on
    both ends of loopback). Held only until the next write, the response's end (a HEAD answer has no
    body to write) or the close; a "100 Continue" interim answer is never held (the client waits for
    it before sending its body). Everything else is the transport's own."""

    __slots__ = ("_transport", "_held")

    def __init__(self, transport):
        self._transport, self._held = transport, None

    def write(self, data) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.writelines((held, data))  # one send for both (uvloop: one write of two buffers)
        elif data[:9] == b"HTTP/1.1 " and data[9:10] != b"1":
            self._held = bytes(data)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        """Send a head still held: a response with no body bytes to follow (HEAD) ends here."""
        if self._held is not None:
            held, self._held = self._held, None
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name):
        return getattr(self._transport, name)


def _too_big_words(max_header: int) -> Said:
    return said("headers.too_large", limit=f"{max_header:,}")


def _limited(base: type, max_header: int, header_timeout: float) -> type:
    """uvicorn's HTTP protocol with two limits it lacks: the bytes of a request's line and headers
    (431, then the connection closes: three 100 MB headers once added 375 MB to a worker) and the
    time to receive them (408: a client trickling its headers was held open indefinitely). Both
    hold from the connection's start and again for each request on a kept-alive connection."""
    def answer(self, head: bytes, kind: str, message: Said) -> None:
        body = problems.encoded(kind, message)  # the request's ?lang= is not read here: Japanese, the default
        self._heading = False
        if self._head_timer is not None:
            self._head_timer.cancel()
        if not self.transport.is_closing():
            self.transport.write(head + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            self.transport.close()

    def arm(self) -> None:
        self._head_bytes = 0
        self._heading = True
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(header_timeout, self._head_late)

    def connection_made(self, transport) -> None:
        self._head_timer, self._head_size, self._too_big = None, 0, False
        base.connection_made(self, _OneWrite(transport))
        arm(self)

    def connection_lost(self, exc) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        base.connection_lost(self, exc)

    def data_received(self, data: bytes) -> None:
        if not self._heading and self.cycle is not None and self.cycle.response_complete:
            arm(self)  # the next request on a kept-alive connection
        if self._heading:
            self._head_bytes += len(data)
        base.data_received(self, data)  # the parser counts the line and headers themselves (on_url, on_header)
        if self._too_big or (self._heading and self._head_bytes > max_header):
            answer(self, _431, "header_too_large", _too_big_words(max_header))

    def on_message_begin(self) -> None:
        self._head_size, self._too_big = 0, False
        base.on_message_begin(self)

    def on_response_complete(self) -> None:
        self.transport.flush()  # the head of a response without body bytes (HEAD) is not held past its end
        base.on_response_complete(self)

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        self._too_big = self._too_big or self._head_size > max_header
        if not self._too_big:
            base.on_url(self, url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4
        self._too_big = self._too_big or self._head_size > max_header
        if not self._too_big:
            base.on_header(self, name, value)

    def on_headers_complete(self) -> None:
        self._heading = False
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self._too_big:  # a request whose headers were too large never reaches the app
            answer(self, _431, "header_too_large", _too_big_words(max_header))
        else:
            base.on_headers_complete(self)

    def on_body(self, body: bytes) -> None:
        if not self._too_big:
            base.on_body(self, body)

    def on_message_complete(self) -> None:
        if not self._too_big:
            base.on_message_complete(self)

    def head_late(self) -> None:
        if self._heading:
            answer(self, _408, "header_timeout", said("late.headers", limit=f"{header_timeout:g}"))

    return type("Limited" + base.__name__, (base,), {
        "connection_made": connection_made, "connection_lost": connection_lost, "data_received": data_received,
        "on_headers_complete": on_headers_complete, "on_message_begin": on_message_begin, "on_url": on_url,
        "on_header": on_header, "on_body": on_body, "on_message_complete": on_message_complete, "_head_late": head_late,
        "on_response_complete": on_response_complete})


def _http_protocol(name: str, options: dict):
    """The HTTP protocol class for uvicorn: httptools' with the header limits, or h11's with its own
    size limit (h11_max_incomplete_event_size) where httptools is missing."""
    if name != "httptools":
        return name
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    return _limited(HttpToolsProtocol, options.get("max_header", MAX_HEADER_BYTES), options.get("header_timeout", HEADER_TIMEOUT))


YOUNG_OBJECTS = 10_000  # the cyclic collector's first threshold in a worker (Python's default: 700)


def _worker(index: int, sock: socket.socket, registry: Registry, run_dir: str | None, options: dict) -> None:
    # A full decision keeps a few thousand objects alive until it is answered (its traces, its JSON
    # data), and a worker has several in flight: at Python's default threshold the young generation
    # was collected about once a decision, promoting the decisions in flight, whose older
    # generations then had to be walked too (measured under load: 0.3–0.6 ms a full decision in the
    # collector, against 0.06–0.11 ms at this threshold; issue 25, docs/performance.md). Cycles are
    # still collected, 10,000 objects later.
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    log = DecisionLog(options["log"], options["log_fsync"], options["log_mask"]) if options["log"] else None
    settings = Settings(registry, max_body=options["max_body"], max_batch=options["max_batch"], log=log,
                        metrics=Metrics(run_dir, index), watch=options["watch"],
                        request_timeout=options.get("request_timeout", 30.0) or None,
                        max_trace=options.get("max_trace", 16 * 1024 * 1024) or None)
    stack = _fast_stack()
    stack["http"] = _http_protocol(stack["http"], options)
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on",
                            timeout_keep_alive=30, backlog=2048, h11_max_incomplete_event_size=options.get("max_header", MAX_HEADER_BYTES),
                            **stack)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if log:
            log.close()


def serve(policies: str, host: str, port: int, workers: int, options: dict, announce=print) -> None:
    """Compile every year (raises PolicyError before anything listens), bind, and serve until stopped."""
    registry = Registry(policies)
    gc.collect()
    gc.freeze()  # the compiled policies are never garbage: later collections skip them (a full one took 6 ms)
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    years = ", ".join(str(y.policy.year) for y in registry.snapshot.years)
    shown = f"[{host}]" if ":" in host else host
    if options["log"]:
        try:
            DecisionLog(options["log"]).close()  # an unwritable log is reported now, not at the first decision
        except OSError as exc:
            raise LogPathError(f"cannot write the decision log {options['log']}: {exc.strerror or exc}") from None
    announce(f"policy serve: http://{shown}:{actual}/ ({workers} worker{'s' if workers > 1 else ''}; policy years {years})")
    if workers == 1:
        _worker(0, sock, registry, None, options)
        return
    run_dir = tempfile.mkdtemp(prefix="policy-serve-")
    children: dict[int, int] = {}
    state = {"stopping": False}

    def spawn(index: int) -> None:
        pid = os.fork()
        if pid == 0:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, lambda *_: EARLY_HUP.set())  # until the app's own handler is in place
            _die_with_parent()
            code = 0
            try:
                _worker(index, sock, registry, run_dir, options)
            except BaseException as exc:  # noqa: BLE001 - a worker reports and exits; the parent replaces it
                print(f"policy serve: worker {index} stopped: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                code = 1
            finally:
                os._exit(code)
        children[pid] = index

    def forward(sig, _frame) -> None:
        if sig in (signal.SIGTERM, signal.SIGINT):
            state["stopping"] = True
            # the supervisor's copy of the listening socket goes now: once each worker has closed its
            # own (uvicorn does as its drain starts), a new connection is refused at once instead of
            # waiting in the backlog of a socket nobody accepts from until it is reset
            sock.close()
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM if sig == signal.SIGINT else sig)
            except ProcessLookupError:
                pass

    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    for index in range(workers):
        spawn(index)
    try:
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            index = children.pop(pid, None)
            if index is not None and not state["stopping"]:
                print(f"policy serve: worker {index} exited ({status}); starting another", file=sys.stderr, flush=True)
                spawn(index)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
