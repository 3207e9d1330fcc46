"""The ASGI application: the routes and what every response carries (the policy year, its content
hash, the engine version, a decision id). The decisions themselves come from engine/serve/decide.py,
the shared request handling (limits, time limit, errors) from handling.py, the page from page.py.
The routes without a path parameter are found by one dict lookup rather than Starlette's list of
patterns (an exact path and method; anything else, 404/405 included, goes through Starlette)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import attrs
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Match, Route

from engine import __version__
from engine.authoring import schema
from engine.serve import docs_page, openapi, page, relevance_route, rules_route
from engine.explain.json_text import compact as dump_json
from engine.serve.decide import Options, Outcome, decide, frames_for, parse_body, pick_year, policy_ref
from engine.serve.handling import Late, Settings, deadline, offload, options, problem_response, read_body, record, route, json_response as _json
from engine.serve.lifecycle import EARLY_HUP, lifespan
from engine.serve.log import LogUnavailable, no_mask
from engine.serve.messages import Joined, Said, said
from engine.serve.metrics import served_gauges
from engine.serve.problems import KINDS, Problem

__all__ = ["EARLY_HUP", "Settings", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"
GZIP_FROM_BYTES = 1024  # smaller answers are sent as they are: gzip's header and CPU would not pay
INLINE_BYTES = 4096  # a small case in the summary form is answered on the event loop; the rest in threads


def _decide_one(settings: Settings, body: bytes, opts: Options) -> Outcome:
    raw = parse_body(body)
    outcome = decide(settings.registry.snapshot, raw, opts, settings.log.masker if settings.log else no_mask)
    if opts.trace:  # a trace grows with items × rules: bounded before it is logged or sent
        encoded = dump_json(outcome.body)  # 140 KiB or so: encoded once, measured, then sent as it is
        _within_max_trace(settings, len(encoded), outcome, TRACED_DECISION)
        outcome = attrs.evolve(outcome, encoded=encoded)
    record(settings, outcome)
    return outcome


# what an answer past --max-trace is (the catalogue's trace.*)
TRACED_DECISION = said("trace.decision")
TRACED_BATCH = said("trace.batch")
EXPLANATION_PAGE = said("trace.page")
FEWER_ITEMS = said("trace.advice.items")


def _within_max_trace(settings: Settings, size: int, outcome: Outcome, what: Said, limit: int | None = None,
                      advice: Said = FEWER_ITEMS) -> None:
    """413 for an answer carrying a trace (a traced decision, an explanation page) past --max-trace."""
    limit = settings.max_trace if limit is None else limit
    if settings.max_trace and size > limit:
        raise Problem("trace_too_large", [{"field": "?trace", "message": said(
            "trace.too_large", what=what, size=f"{size:,}", limit=f"{limit:,}", advice=advice)}],
            outcome.year, extra={"limit_bytes": limit})


@route("/v1/decide")
async def decide_route(request: Request) -> Response:
    settings = request.app.state.settings
    opts = options(request)
    body = await read_body(request, settings.max_body)
    inline = opts.form == "summary" and len(body) <= INLINE_BYTES
    outcome = await offload(settings, inline, _decide_one, settings, body, opts)
    return _json(outcome.body, year=outcome.year, decision_id=outcome.body["decision_id"], encoded=outcome.encoded)


def _batch(settings: Settings, body: bytes, opts: Options, until: float = math.inf) -> dict:
    """Every case of the batch in order, in one snapshot; past `until` (the request's time limit)
    it stops between two cases, so an abandoned batch does not go on holding a thread."""
    raw = parse_body(body)
    cases = raw.get("cases") if isinstance(raw, dict) else raw
    if not isinstance(cases, list):
        raise Problem("bad_batch", [{"field": "cases", "expected": "a JSON list of cases", "message": said("batch.not_a_list")}])
    if len(cases) > settings.max_batch:
        raise Problem("batch_too_large", [{"field": "cases", "got": f"{len(cases):,}", "message": said(
            "batch.too_many", n=f"{len(cases):,}", most=f"{settings.max_batch:,}")}], extra={"limit_cases": settings.max_batch})
    snapshot = settings.registry.snapshot  # one snapshot for the whole batch, even if a reload lands meanwhile
    _check_query(snapshot, opts)
    masker = settings.log.masker if settings.log else no_mask
    results = []
    traced = 0  # bytes of the traced decisions answered so far: together they stay within --max-trace
    for index, case in enumerate(cases):
        if time.monotonic() > until:
            raise Late()
        try:
            outcome = decide(snapshot, case, opts, masker)
            if opts.trace:
                size = len(dump_json(outcome.body))
                _within_max_trace(settings, size, outcome, TRACED_DECISION)
                _within_max_trace(settings, traced + size, outcome, TRACED_BATCH,
                                  advice=said("trace.advice.batch"))
                traced += size
            record(settings, outcome)
            results.append({"index": index, "ok": True, "decision": outcome.body})
        except Problem as exc:
            settings.metrics.inc("policy_errors_total", {"route": "/v1/batch#case", "status": str(exc.status)})
            results.append({"index": index, "ok": False, **exc.body(opts.lang)})
        except Exception as exc:  # one case's failure is that case's result: the decisions already logged are answered
            results.append({"index": index, "ok": False, **_case_failure(settings, exc, opts.lang)})
    return {"engine_version": __version__, "count": len(results), "errors": sum(not r["ok"] for r in results), "results": results}


def _case_failure(settings: Settings, exc: Exception, lang: str) -> dict:
    """A batch case's log failing (503) or a bug of ours (500), as the single-case route answers them."""
    if isinstance(exc, LogUnavailable):
        settings.metrics.inc("policy_decision_log_failures_total")
        problem = Problem("log_unavailable", [{"field": None, "message": said("log.unavailable", reason=str(exc))}])
    else:
        print(f"internal error on /v1/batch: {type(exc).__name__}: {exc}", file=sys.stderr)
        problem = Problem("internal_error", [{"field": None, "message": said("internal", name=type(exc).__name__)}])
    settings.metrics.inc("policy_errors_total", {"route": "/v1/batch#case", "status": str(problem.status)})
    return problem.body(lang)


def _check_query(snapshot, opts: Options) -> None:
    """A pinned year or a frame no year has fails the whole batch once, not every case the same way."""
    if opts.year is not None:
        pick_year(snapshot, {}, opts.year, opts.lang)
    if opts.frames:
        first = None
        for year in (y for y in snapshot.years if opts.year is None or y is snapshot.by_year(opts.year)):
            try:
                frames_for(year, None, opts.frames)
                return  # some year has them: each case is judged in its own year
            except Problem as exc:
                first = first or exc
        raise first  # the single-case route's 422


@route("/v1/batch")
async def batch_route(request: Request) -> Response:
    settings = request.app.state.settings
    opts = options(request, form_default="summary")
    body = await read_body(request, settings.max_body * 16)
    return _json(await offload(settings, False, _batch, settings, body, opts, deadline(request)))


@route("/v1/policies")
async def policies_route(request: Request) -> Response:
    settings = request.app.state.settings
    snap = settings.registry.snapshot
    return _json({"engine_version": __version__, "generation": snap.generation, "loaded_at": snap.loaded_at,
                  "last_reload": settings.registry.last_reload, "years": [y.describe() for y in snap.years]})


@route("/v1/schema")
async def schema_route(request: Request) -> Response:
    snap = request.app.state.settings.registry.snapshot
    wanted = request.path_params.get("year")
    if wanted is not None:
        year = snap.by_year(wanted)
        if year is None:
            raise _no_year(snap, wanted)
        return _json(schema.case_schema(year.policy), year=year)
    return _json({"engine_version": __version__,
                  "years": {str(y.policy.year): {"policy": policy_ref(y), "schema": schema.case_schema(y.policy)} for y in snap.years}})


def _no_year(snap, wanted: str) -> Problem:
    """A year asked for in the path (or the page's ?year=) that is not served: 404."""
    return Problem("unknown_year", [{"field": "year", "got": wanted, "expected": snap.available(), "message": said(
        "year.unknown", year=wanted, available=snap.available())}],
        extra={"years_available": [y.policy.year for y in snap.years]})


@route("/openapi.json")
async def openapi_route(request: Request) -> Response:
    return _json(openapi.document(request.app.state.settings.registry.snapshot))


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "ja")
    if lang not in ("ja", "en"):
        raise Problem("bad_query", [{"field": "?lang", "got": lang, "expected": "ja, en", "message": said("query.lang", got=repr(lang))}])
    return lang


@route("/docs")
async def docs_route(request: Request) -> Response:
    """The API reference, one page written from /openapi.json."""
    lang = _lang(request)
    html = docs_page.render(openapi.document(request.app.state.settings.registry.snapshot), lang)
    return HTMLResponse(html, headers={"X-Engine-Version": __version__})


@route("/problems")
async def problem_route(request: Request) -> Response:
    """What a kind of error means: where a problem's `type` leads."""
    lang = _lang(request)
    kind = KINDS.get(request.path_params["code"])
    if kind is None:
        raise Problem("no_route", [{"field": "code", "got": request.path_params["code"], "expected": ", ".join(KINDS), "message": said(
            "route.no_kind", code=request.path_params["code"])}])
    return HTMLResponse(docs_page.render_problem(kind, lang), headers={"X-Engine-Version": __version__})


@route("/healthz")
async def healthz(request: Request) -> Response:
    return _json({"status": "ok", "engine_version": __version__})


@route("/readyz")
async def readyz(request: Request) -> Response:
    settings = request.app.state.settings
    registry = settings.registry
    snap = registry.snapshot
    log_failing = settings.log.failing() if settings.log else None  # every decision would get 503 meanwhile
    ready = bool(snap.years) and not log_failing
    body = {"status": "ready" if ready else "not ready", "generation": snap.generation, "years": [y.policy.year for y in snap.years],
            "last_reload": registry.last_reload, "engine_version": __version__}
    if log_failing:
        body["reason"] = log_failing
    return _json(body, 200 if ready else 503)


async def metrics_route(request: Request) -> Response:
    settings = request.app.state.settings
    snap = settings.registry.snapshot
    gauges = served_gauges(snap.generation, settings.registry.last_reload["ok"],
                           [(y.policy.year, y.content_hash) for y in snap.years], __version__)
    return Response(settings.metrics.render(gauges), media_type=CONTENT_TYPE_PLAIN_0_0_4)


@route("/")
async def page_route(request: Request) -> Response:
    snap = request.app.state.settings.registry.snapshot
    lang = request.query_params.get("lang", "ja")
    lang = lang if lang in ("ja", "en") else "ja"
    wanted = request.query_params.get("year")
    year = snap.by_year(wanted) if wanted else snap.latest_in_force()
    if year is None:
        raise _no_year(snap, wanted)
    return HTMLResponse(page.render(year, snap, lang), headers={"X-Policy-Year": str(year.policy.year),
                                                                "X-Policy-Content-Hash": year.content_hash, "X-Engine-Version": __version__})


def _page_result(settings: Settings, body: bytes, opts: Options, explain: bool) -> tuple[str, Outcome]:
    from engine.explain import render_html
    from engine.serve import result

    opts = attrs.evolve(opts, form="full", what_if=True)
    outcome = decide(settings.registry.snapshot, parse_body(body), opts, settings.log.masker if settings.log else no_mask)
    if explain:  # the page holds the whole trace: bounded as a traced decision is, before it is logged
        html = render_html.decision(outcome.decision, opts.lang, f"decision {outcome.body['decision_id']}")
        _within_max_trace(settings, len(html.encode("utf-8", "surrogatepass")), outcome, EXPLANATION_PAGE,
                          advice=said("trace.advice.page"))
    else:
        html = result.render(outcome, opts.lang)
    record(settings, outcome)  # logged and counted once the answer is known to be given
    return html, outcome


@route("/v1/explain")
async def explain_route(request: Request) -> Response:
    """The explanation page of `policy explain` for the case in the body."""
    return await _html_decision(request, explain=True)


@route("/page/result")
async def result_route(request: Request) -> Response:
    return await _html_decision(request, explain=False)


async def _html_decision(request: Request, explain: bool) -> Response:
    settings = request.app.state.settings
    opts = options(request)
    body = await read_body(request, settings.max_body)
    html, outcome = await offload(settings, False, _page_result, settings, body, opts, explain)
    return HTMLResponse(html, headers={"X-Policy-Year": str(outcome.year.policy.year), "X-Policy-Content-Hash": outcome.year.content_hash,
                                       "X-Engine-Version": __version__, "X-Decision-Id": outcome.body["decision_id"]})


async def static_route(request: Request) -> Response:
    name = request.path_params["name"]
    path = STATIC / name
    if "/" in name or not path.is_file():
        return problem_response(Problem("no_route", [{"field": None, "message": said("route.no_file", path=request.url.path)}]), request)
    return FileResponse(path, headers={"Cache-Control": "max-age=3600"})


async def _no_route(request: Request, exc) -> Response:
    """An unknown path (404) or a method a route does not take (405), as a JSON problem like every other error."""
    # a route matches the path whatever the method (Match.PARTIAL), `/v1/schema/{year}` included
    methods = sorted({m for r in ROUTES if r.matches(request.scope)[0] != Match.NONE for m in r.methods if m != "HEAD"})
    path = request.url.path
    if exc.status_code == 405 and methods:
        problem = Problem("method_not_allowed", [{"field": None, "got": request.method, "expected": ", ".join(methods), "message": said(
            "route.method", path=path, methods=Joined(tuple(methods), "list.or"), method=request.method)}])
    else:
        problem = Problem("no_route", [{"field": None, "message": said("route.none", path=path)}], status=404)
    response = problem_response(problem, request)
    if exc.status_code == 405 and methods:
        response.headers["Allow"] = ", ".join(methods)
    return response


ROUTES = [
    Route("/v1/decide", decide_route, methods=["POST"]),
    Route("/v1/batch", batch_route, methods=["POST"]),
    Route("/v1/explain", explain_route, methods=["POST"]),
    Route("/v1/policies", policies_route, methods=["GET"]),
    Route("/v1/schema", schema_route, methods=["GET"]),
    Route("/v1/schema/{year}", schema_route, methods=["GET"]),
    *rules_route.ROUTES,  # /v1/rules and /v1/rules/{name}: what a year is made of, with labels and sources
    Route("/openapi.json", openapi_route, methods=["GET"]),
    Route("/docs", docs_route, methods=["GET"]),
    Route("/problems/{code}", problem_route, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics_route, methods=["GET"]),
    Route("/", page_route, methods=["GET"]),
    Route("/page/result", result_route, methods=["POST"]),
    *relevance_route.ROUTES,  # /page/relevant (which questions can still matter) and /page/check
    Route("/static/{name}", static_route, methods=["GET"]),
    Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET"]),
]


class App:
    """Starlette, with a shortcut: a request whose method and path name a route exactly goes
    straight to its handler (what Starlette would do, less its walk through every pattern and its
    middleware layers, which our handlers make redundant: each turns every exception into a response)."""

    def __init__(self, settings: Settings):
        self.starlette = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers={404: _no_route, 405: _no_route})
        self.starlette.router.redirect_slashes = False  # its redirect's Location would come from the client's Host header
        self.starlette.state.settings = settings
        self.state = self.starlette.state
        self.router = self.starlette.router  # routes added later are served through Starlette
        self.exact = {(method, r.path): r.endpoint for r in ROUTES if "{" not in r.path
                      for method in r.methods if method != "HEAD" and getattr(r.endpoint, "__wrapped__", None) is not None}
        # every answer of 1 KiB or more is gzipped when the client accepts it (a full decision is ~40 KB
        # of JSON, a traced one ~260 KB; both shrink about tenfold); level 6, not 9: the same size, less CPU
        self.compressed = GZipMiddleware(self._dispatch, minimum_size=GZIP_FROM_BYTES, compresslevel=6)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.starlette(scope, receive, send)
        elif _accepts_gzip(scope):
            await self.compressed(scope, receive, send)
        else:  # straight on: the middleware's pass-through alone cost about 0.15 ms per request
            await self._dispatch(scope, receive, send)

    async def _dispatch(self, scope, receive, send) -> None:
        handler = self.exact.get((scope["method"], scope["path"]))
        if handler is not None:
            scope["app"] = self.starlette
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        await self.starlette(scope, receive, send)


def _accepts_gzip(scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value.lower() for name, value in scope["headers"])


def create_app(settings: Settings) -> App:
    return App(settings)
