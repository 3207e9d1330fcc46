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


def _worker(index: int, sock: socket.socket, registry: Registry, run_dir: str | None, options: dict) -> None:
    log = DecisionLog(options["log"], options["log_fsync"], options["log_mask"]) if options["log"] else None
    settings = Settings(registry, max_body=options["max_body"], max_batch=options["max_batch"], log=log,
                        metrics=Metrics(run_dir, index), watch=options["watch"],
                        request_timeout=options.get("request_timeout", 30.0) or None)
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on",
                            timeout_keep_alive=30, backlog=2048, **_fast_stack())
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
