"""The ASGI application: routes, request limits, and what every response carries (the policy
year, its content hash, the engine version, a decision id). The decisions themselves come from
engine/serve/decide.py; the page from engine/serve/page.py."""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import attrs
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .. import __version__, schema
from . import openapi, page
from .decide import Options, Outcome, Problem, decide, parse_body, policy_ref
from .log import DecisionLog, LogUnavailable
from .metrics import Metrics
from .registry import Registry

STATIC = Path(__file__).resolve().parent / "static"
EARLY_HUP = threading.Event()  # a SIGHUP that reached a worker before its event loop could take it
INLINE_BYTES = 4096  # a small case in the summary form is answered on the event loop; the rest in threads


class Settings:
    def __init__(self, registry: Registry, max_body: int = 256 * 1024, max_batch: int = 1000, log: DecisionLog | None = None,
                 metrics: Metrics | None = None, watch: float | None = None, threads: int = 8):
        self.registry, self.max_body, self.max_batch, self.log = registry, max_body, max_batch, log
        self.metrics = metrics or Metrics()
        self.watch = watch
        self.limiter = anyio.CapacityLimiter(threads)


def _json(body: dict, status: int = 200, year=None, decision_id: str | None = None) -> Response:
    headers = {"X-Engine-Version": __version__}
    ref = body.get("policy") if year is None else policy_ref(year)
    if isinstance(ref, dict):
        headers["X-Policy-Year"] = str(ref["year"])
        headers["X-Policy-Content-Hash"] = ref["content_hash"]
    if decision_id:
        headers["X-Decision-Id"] = decision_id
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(data, status_code=status, media_type="application/json", headers=headers)


def _problem(exc: Problem) -> Response:
    return _json(exc.body(), exc.status)


def _flag(request: Request, name: str, default: bool) -> bool:
    text = request.query_params.get(name)
    if text is None:
        return default
    if text.lower() in ("true", "1", "yes", "on", ""):
        return True
    if text.lower() in ("false", "0", "no", "off"):
        return False
    raise Problem(400, [{"field": f"?{name}", "message": f"got {text!r}, expected true or false"}])


def options(request: Request, form_default: str = "full") -> Options:
    q = request.query_params
    lang = q.get("lang", "ja")
    if lang not in ("ja", "en"):
        raise Problem(400, [{"field": "?lang", "message": f"got {lang!r}, expected one of: ja, en"}])
    form = q.get("form", form_default)
    if form not in ("full", "summary"):
        raise Problem(400, [{"field": "?form", "message": f"got {form!r}, expected one of: full, summary"}])
    return Options(lang=lang, trace=_flag(request, "trace", False), what_if=_flag(request, "what_if", True), form=form,
                   year=q.get("year") or None, frames=tuple(q.getlist("frame")))


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` (before reading the rest)."""
    declared = request.headers.get("content-length")
    too_big = Problem(413, [{"field": None, "message": f"the request body is larger than {limit:,} bytes; "
                                                        f"send one case per request, or fewer cases per batch"}])
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def route(name: str):
    """Latency, request and error counts for a handler; a Problem becomes its 4xx; a bug a plain 500."""
    def wrap(handler):
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            metrics = request.app.state.settings.metrics
            start = time.perf_counter()
            try:
                response = await handler(request)
            except Problem as exc:
                response = _problem(exc)
            except LogUnavailable as exc:
                metrics.inc("policy_decision_log_failures_total")
                response = _json({"error": str(exc), "errors": [{"field": None, "message": str(exc)}], "engine_version": __version__}, 503)
            except Exception as exc:  # a bug of ours: a plain message, never a traceback
                print(f"internal error on {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                response = _json({"error": f"internal error: {type(exc).__name__}", "engine_version": __version__}, 500)
            status = str(response.status_code)
            metrics.inc("policy_http_requests_total", {"route": name, "status": status})
            if response.status_code >= 400:
                metrics.inc("policy_errors_total", {"route": name, "status": status})
            metrics.observe("policy_http_request_duration_seconds", {"route": name}, time.perf_counter() - start)
            metrics.save()
            return response
        return run
    return wrap


def _record(settings: Settings, outcome: Outcome) -> None:
    """Log the decision (before it is answered) and count it per programme and frame."""
    if settings.log is not None:
        settings.log.write(outcome.log)
        settings.metrics.inc("policy_decision_log_records_total")
    programme, year = outcome.year.policy.programme, str(outcome.year.policy.year)
    for f in outcome.log["frames"]:
        settings.metrics.inc("policy_decisions_total", {"programme": programme, "year": year, "frame": f["frame"], "status": f["status"]})


def _decide_one(settings: Settings, body: bytes, opts: Options) -> Outcome:
    raw = parse_body(body)
    outcome = decide(settings.registry.snapshot, raw, opts, settings.log.masker if settings.log else _no_mask)
    _record(settings, outcome)
    return outcome


def _no_mask(policy, raw):
    return None


async def _offload(settings: Settings, inline: bool, fn, *args):
    if inline:
        return fn(*args)
    return await anyio.to_thread.run_sync(fn, *args, limiter=settings.limiter)


@route("/v1/decide")
async def decide_route(request: Request) -> Response:
    settings = request.app.state.settings
    opts = options(request)
    body = await read_body(request, settings.max_body)
    inline = opts.form == "summary" and len(body) <= INLINE_BYTES
    outcome = await _offload(settings, inline, _decide_one, settings, body, opts)
    return _json(outcome.body, year=outcome.year, decision_id=outcome.body["decision_id"])


def _batch(settings: Settings, body: bytes, opts: Options) -> dict:
    raw = parse_body(body)
    cases = raw.get("cases") if isinstance(raw, dict) else raw
    if not isinstance(cases, list):
        raise Problem(400, [{"field": "cases", "message": "expected a JSON list of cases, or an object {\"cases\": [...]}"}])
    if len(cases) > settings.max_batch:
        raise Problem(413, [{"field": "cases", "message": f"{len(cases):,} cases; a batch holds at most {settings.max_batch:,}"}])
    snapshot = settings.registry.snapshot  # one snapshot for the whole batch, even if a reload lands meanwhile
    masker = settings.log.masker if settings.log else _no_mask
    results = []
    for index, case in enumerate(cases):
        try:
            outcome = decide(snapshot, case, opts, masker)
            _record(settings, outcome)
            results.append({"index": index, "ok": True, "decision": outcome.body})
        except Problem as exc:
            settings.metrics.inc("policy_errors_total", {"route": "/v1/batch#case", "status": str(exc.status)})
            results.append({"index": index, "ok": False, "status": exc.status, **exc.body()})
    return {"engine_version": __version__, "count": len(results), "errors": sum(not r["ok"] for r in results), "results": results}


@route("/v1/batch")
async def batch_route(request: Request) -> Response:
    settings = request.app.state.settings
    opts = options(request, form_default="summary")
    body = await read_body(request, settings.max_body * 16)
    return _json(await _offload(settings, False, _batch, settings, body, opts))


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
            raise Problem(404, [{"field": "year", "message": f"no policy year {wanted}; the years available are: {snap.available()}"}],
                          extra={"years_available": [y.policy.year for y in snap.years]})
        return _json(schema.case_schema(year.policy), year=year)
    return _json({"engine_version": __version__,
                  "years": {str(y.policy.year): {"policy": policy_ref(y), "schema": schema.case_schema(y.policy)} for y in snap.years}})


@route("/openapi.json")
async def openapi_route(request: Request) -> Response:
    return _json(openapi.document(request.app.state.settings.registry.snapshot))


@route("/healthz")
async def healthz(request: Request) -> Response:
    return _json({"status": "ok", "engine_version": __version__})


@route("/readyz")
async def readyz(request: Request) -> Response:
    registry = request.app.state.settings.registry
    snap = registry.snapshot
    ready = bool(snap.years)
    return _json({"status": "ready" if ready else "not ready", "generation": snap.generation, "years": [y.policy.year for y in snap.years],
                  "last_reload": registry.last_reload, "engine_version": __version__}, 200 if ready else 503)


async def metrics_route(request: Request) -> Response:
    settings = request.app.state.settings
    snap = settings.registry.snapshot
    gauges = {"policy_generation": snap.generation, "policy_last_reload_ok": int(settings.registry.last_reload["ok"])}
    for y in snap.years:
        gauges[f'policy_year_info{{year="{y.policy.year}",content_hash="{y.content_hash}",engine_version="{__version__}"}}'] = 1
    return PlainTextResponse(settings.metrics.render(gauges), media_type="text/plain; version=0.0.4")


@route("/")
async def page_route(request: Request) -> Response:
    snap = request.app.state.settings.registry.snapshot
    lang = request.query_params.get("lang", "ja")
    lang = lang if lang in ("ja", "en") else "ja"
    wanted = request.query_params.get("year")
    year = snap.by_year(wanted) if wanted else snap.latest_in_force()
    if year is None:
        raise Problem(404, [{"field": "year", "message": f"no policy year {wanted}; the years available are: {snap.available()}"}])
    return HTMLResponse(page.render(year, snap, lang), headers={"X-Policy-Year": str(year.policy.year),
                                                                "X-Policy-Content-Hash": year.content_hash, "X-Engine-Version": __version__})


def _page_result(settings: Settings, body: bytes, opts: Options, explain: bool) -> tuple[str, Outcome]:
    from .. import render_html
    from . import result

    outcome = _decide_one(settings, body, attrs.evolve(opts, form="full", what_if=True))  # validated, logged, counted
    if explain:
        return render_html.decision(outcome.decision, opts.lang, f"decision {outcome.body['decision_id']}"), outcome
    return result.render(outcome, opts.lang), outcome


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
    html, outcome = await _offload(settings, False, _page_result, settings, body, opts, explain)
    return HTMLResponse(html, headers={"X-Policy-Year": str(outcome.year.policy.year), "X-Policy-Content-Hash": outcome.year.content_hash,
                                       "X-Engine-Version": __version__, "X-Decision-Id": outcome.body["decision_id"]})


async def static_route(request: Request) -> Response:
    name = request.path_params["name"]
    path = STATIC / name
    if "/" in name or not path.is_file():
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(path, headers={"Cache-Control": "max-age=3600"})


async def _reload(app, why: str) -> None:
    settings = app.state.settings
    report = await anyio.to_thread.run_sync(settings.registry.reload)
    settings.metrics.inc("policy_reloads_total", {"result": "ok" if report["ok"] else "failed"})
    if report["ok"]:
        print(f"policy serve: reloaded ({why}): generation {report['generation']}, changed: {', '.join(report['changed']) or 'none'}",
              file=sys.stderr, flush=True)
    else:
        print(f"policy serve: reload ({why}) failed; still serving generation {report['generation']}:\n{report['error']}",
              file=sys.stderr, flush=True)


async def _watch(app, every: float) -> None:
    registry = app.state.settings.registry
    seen = await anyio.to_thread.run_sync(registry.hashes)
    while True:
        await asyncio.sleep(every)
        now = await anyio.to_thread.run_sync(registry.hashes)
        if now != seen:
            seen = now
            await _reload(app, "files changed")


async def _save_metrics(metrics) -> None:
    """This worker's counters for the other workers' /metrics, also when no request comes."""
    while True:
        await asyncio.sleep(0.5)
        metrics.save(force=True)


@asynccontextmanager
async def lifespan(app):
    loop = asyncio.get_running_loop()
    tasks = set()

    def on_hup():
        task = loop.create_task(_reload(app, "SIGHUP"))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hup)
    if EARLY_HUP.is_set():
        EARLY_HUP.clear()
        on_hup()
    watcher = loop.create_task(_watch(app, app.state.settings.watch)) if app.state.settings.watch else None
    saver = loop.create_task(_save_metrics(app.state.settings.metrics))
    try:
        yield
    finally:
        saver.cancel()
        if watcher:
            watcher.cancel()
        loop.remove_signal_handler(signal.SIGHUP)
        app.state.settings.metrics.save(force=True)


def create_app(settings: Settings) -> Starlette:
    routes = [
        Route("/v1/decide", decide_route, methods=["POST"]),
        Route("/v1/batch", batch_route, methods=["POST"]),
        Route("/v1/explain", explain_route, methods=["POST"]),
        Route("/v1/policies", policies_route, methods=["GET"]),
        Route("/v1/schema", schema_route, methods=["GET"]),
        Route("/v1/schema/{year}", schema_route, methods=["GET"]),
        Route("/openapi.json", openapi_route, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
        Route("/", page_route, methods=["GET"]),
        Route("/page/result", result_route, methods=["POST"]),
        Route("/static/{name}", static_route, methods=["GET"]),
        Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    return app
