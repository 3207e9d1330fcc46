"""What every route shares: the query options, the body read under its size limit, the time limit
of a request, the thread pool, JSON responses with the policy's headers, and the wrapper that turns
a Problem into its 4xx, a bug into a plain 500 and a request past its time into 408/504 — with the
latency and error counts of each route."""

from __future__ import annotations

import asyncio
import difflib
import functools
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from engine import __version__
from engine.explain.json_text import compact as dump_json
from engine.serve.decide import Options, Outcome, policy_ref
from engine.serve.log import LogUnavailable
from engine.serve.messages import hint, said
from engine.serve.problems import MEDIA_TYPE, Problem
from engine.serve.metrics import key as metric_key


class Settings:
    def __init__(self, registry, max_body: int = 256 * 1024, max_batch: int = 1000, log=None, metrics=None,
                 watch: float | None = None, threads: int = 8, request_timeout: float | None = 30.0,
                 max_trace: int | None = 16 * 1024 * 1024):
        from engine.serve.metrics import Metrics

        self.registry, self.max_body, self.max_batch, self.log = registry, max_body, max_batch, log
        self.metrics = metrics or Metrics()
        self.watch = watch
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None  # made on first use, in the process that serves (after the fork)
        self.request_timeout = request_timeout  # seconds from the request's start to its answer; None: no limit
        self.max_trace = max_trace  # bytes of a traced decision's JSON; past it 413, before anything is logged

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The threads decisions run in (`threads` of them; more requests wait in its queue)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="policy-decide")
        return self._pool


class Late(Exception):
    """A request past its time limit: its body still arriving (408) or its work still running (504)."""


def json_response(body: dict, status: int = 200, year=None, decision_id: str | None = None,
                  encoded: bytes | None = None) -> Response:
    """`body` as the answer; `encoded`: its JSON, when the caller has encoded it already."""
    headers = {"X-Engine-Version": __version__}
    ref = body.get("policy") if year is None else policy_ref(year)
    if isinstance(ref, dict):
        headers["X-Policy-Year"] = str(ref["year"])
        headers["X-Policy-Content-Hash"] = ref["content_hash"]
    if decision_id:
        headers["X-Decision-Id"] = decision_id
    return Response(dump_json(body) if encoded is None else encoded, status_code=status, media_type="application/json",
                    headers=headers)


def problem_response(exc: Problem, request: Request | None = None) -> Response:
    lang, instance = (request_lang(request), request.url.path) if request is not None else ("ja", None)
    response = json_response(exc.body(lang, instance), exc.status)
    response.headers["Content-Type"] = MEDIA_TYPE
    response.headers["Content-Language"] = lang  # RFC 9457 §3.1: title and detail are in this language
    return response


def request_lang(request: Request) -> str:
    """The language of an error's words: ?lang= when it is one we speak (even on a request refused
    for another parameter), else Japanese, the default of every answer."""
    lang = request.query_params.get("lang")
    return lang if lang in ("ja", "en") else "ja"


def _flag(q: QueryParams, name: str, default: bool) -> bool:
    text = q.get(name)
    if text is None:
        return default
    if text.lower() in ("true", "1", "yes", "on", ""):
        return True
    if text.lower() in ("false", "0", "no", "off"):
        return False
    raise Problem("bad_query", [{"field": f"?{name}", "got": text, "expected": "true, false",
                                 "message": said("query.bool", got=repr(text))}])


QUERY = ("frame", "form", "lang", "trace", "what_if", "year")  # `frame` alone may be repeated


def options(request: Request, form_default: str = "full") -> Options:
    """The request's options from its query; a bad one raises its Problem (400)."""
    return _options(request.scope.get("query_string", b""), form_default)


@functools.lru_cache(maxsize=256)  # clients send the same few queries, request after request; a bad one raises, is not cached
def _options(query: bytes, form_default: str) -> Options:
    q = QueryParams(query)
    for name in q.keys():
        if name not in QUERY:
            close = difflib.get_close_matches(name, QUERY, n=1, cutoff=0.6)
            raise Problem("bad_query", [{"field": f"?{name}", "expected": ", ".join(QUERY), "message": said(
                "query.unknown", hint=hint(close), names=", ".join(QUERY))}])
        if name != "frame" and len(q.getlist(name)) > 1:
            times = len(q.getlist(name))
            raise Problem("bad_query", [{"field": f"?{name}", "message": said("query.repeated", times=times)}])
    if q.get("year") == "":
        raise Problem("bad_query", [{"field": "?year", "got": "", "message": said("query.empty_year")}])
    lang = q.get("lang", "ja")
    if lang not in ("ja", "en"):
        raise Problem("bad_query", [{"field": "?lang", "got": lang, "expected": "ja, en", "message": said("query.lang", got=repr(lang))}])
    form = q.get("form", form_default)
    if form not in ("full", "summary"):
        raise Problem("bad_query", [{"field": "?form", "got": form, "expected": "full, summary", "message": said("query.form", got=repr(form))}])
    return Options(lang=lang, trace=_flag(q, "trace", False), what_if=_flag(q, "what_if", True), form=form,
                   year=q.get("year") or None, frames=tuple(q.getlist("frame")))


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` (before reading the rest). Marks the
    request once the body is in, so a time limit reached before that is the client's (408)."""
    declared = request.headers.get("content-length")
    too_big = Problem("body_too_large", [{"field": None, "message": said("body.too_large", limit=f"{limit:,}")}],
        extra={"limit_bytes": limit})
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    receive = request.receive
    while True:  # the ASGI messages themselves, as Request.stream() reads them, less its async generator
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    request.scope["policy.body_read"] = True
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def deadline(request: Request) -> float:
    """The monotonic time by which the request must be answered (math.inf without a limit)."""
    return request.scope.get("policy.deadline", math.inf)


async def offload(settings: Settings, inline: bool, fn, *args):
    """Run `fn` on the event loop (small, bounded work) or in the bounded thread pool. A request
    past its time limit stops waiting for its thread (the thread finishes on its own; a batch checks
    its deadline per case). The pool is the event loop's executor interface rather than anyio's
    to_thread: the same bound and the same abandoning, for about half the CPU per hand-off
    (measured: 15–40 µs against 50–70)."""
    if inline:
        return fn(*args)
    return await asyncio.get_running_loop().run_in_executor(settings.pool, fn, *args)


def _late(settings: Settings, request: Request) -> Response:
    limit = settings.request_timeout
    shown = int(limit) if float(limit).is_integer() else limit
    if not request.scope.get("policy.body_read"):
        kind, message = "body_timeout", said("late.body", limit=f"{limit:g}")
    else:
        kind, message = "decision_timeout", said("late.decision", limit=f"{limit:g}")
    response = _plain(request, kind, message, time_limit_seconds=shown)
    if kind == "body_timeout":  # the rest of a late body is not worth reading: the connection closes after the answer
        response.headers["Connection"] = "close"
    return response


def _plain(request: Request, kind: str, message, **extra) -> Response:
    return problem_response(Problem(kind, [{"field": None, "message": message}], extra=extra), request)


def _bug(name: str, request: Request, exc: BaseException) -> Response:
    """A bug of ours: one line on stderr and a plain message, never a traceback."""
    print(f"internal error on {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return _plain(request, "internal_error", said("internal", name=type(exc).__name__))


def route(name: str):
    """Latency, request and error counts for a handler; a Problem becomes its 4xx; a request past
    the time limit 408 or 504; a bug a plain 500."""
    def wrap(handler):
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            settings = request.app.state.settings
            metrics = settings.metrics
            start = time.perf_counter()
            try:
                if settings.request_timeout is None:
                    response = await handler(request)
                else:
                    request.scope["policy.deadline"] = time.monotonic() + settings.request_timeout
                    async with asyncio.timeout(settings.request_timeout):
                        response = await handler(request)
            except (Late, TimeoutError) as exc:
                if settings.request_timeout is None:  # no limit was set: whatever timed out is a bug of ours
                    response = _bug(name, request, exc)
                else:
                    response = _late(settings, request)
            except Problem as exc:
                response = problem_response(exc, request)
            except ClientDisconnect:  # the client hung up mid-body: nobody reads the answer; counted as nginx's 499
                response = Response(status_code=499)
            except LogUnavailable as exc:
                metrics.inc("policy_decision_log_failures_total")
                response = _plain(request, "log_unavailable", said("log.unavailable", reason=str(exc)))
                response.headers["Retry-After"] = "10"  # /readyz says not ready for 10 s after a failed write
            except Exception as exc:  # a bug of ours: a plain message, never a traceback
                response = _bug(name, request, exc)
            status = str(response.status_code)
            metrics.inc("policy_http_requests_total", {"route": name, "status": status})
            if response.status_code >= 400:
                metrics.inc("policy_errors_total", {"route": name, "status": status})
            metrics.observe("policy_http_request_duration_seconds", {"route": name}, time.perf_counter() - start)
            metrics.save()
            return response
        return run
    return wrap


def record(settings: Settings, outcome: Outcome) -> None:
    """Log the decision (before it is answered) and count it per programme and frame."""
    if settings.log is not None:
        settings.log.write(outcome.log)
        settings.metrics.inc("policy_decision_log_records_total")
    policy = outcome.year.policy
    settings.metrics.inc_keys([_decision_key(policy.programme, policy.year, f["frame"], f["status"]) for f in outcome.log["frames"]])


@functools.lru_cache(maxsize=1024)
def _decision_key(programme: str, year, frame: str, status: str) -> str:
    return metric_key("policy_decisions_total", programme=programme, year=str(year), frame=frame, status=status)
