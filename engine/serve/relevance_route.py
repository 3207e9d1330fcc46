"""The self-check page's two routes for asking only the questions that can change the result
(engine/explain/relevance.py decides which):

* `POST /page/relevant` — the answers on the page in, which questions to ask out, in the page's
  order: `{"asked": [path, …], "not_asked": [path, …], "frames": […], "decided": {frame: {status,
  subsidy} | null}}`. Answers to questions it does not ask count for nothing.
* `POST /page/check` — the page's result panel for the answers to the questions asked. A required
  question that was not asked is absent; it is filled with a valid value before the case is read
  (the plan has shown no value of it can change any frame's status or subsidy), and the panel shows
  only the reasons, amounts and what-ifs the answers decide. A case that answers every question
  reads exactly as on `/page/result`. Validated, logged (the case as decided, placeholders
  included) and counted as `/page/result` is.

Registered by engine/serve/app.py: `*relevance_route.ROUTES` in its ROUTES. What /page/check
shares with /page/result (recording a decision) lives in handling.py, which both import."""

from __future__ import annotations

import functools

import attrs
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from engine import __version__
from engine.explain import relevance, relevance_plan
from engine.tree import nodes as tree
from engine.evaluate.case import shape_error
from engine.serve import result
from engine.serve.decide import Options, case_errors, decide, parse_body, pick_year
from engine.serve.problems import Problem
from engine.serve.handling import json_response, offload, options, read_body, record, route
from engine.serve.log import no_mask
from engine.serve.questions import questions


@functools.lru_cache(maxsize=16)
def _order(policy: tree.Policy) -> tuple[str, ...]:
    """The page's questions in the page's order (a policy is compared by identity: a reload is a new one)."""
    return tuple(q.path for q in questions(policy))


def plan_for(policy: tree.Policy, raw) -> relevance_plan.Plan:
    return relevance_plan.plan(policy, raw if isinstance(raw, dict) else {}, list(_order(policy)))


def _year(settings, raw, opts: Options):
    wrong = shape_error(raw, opts.lang)  # the plan reads "frame" before any case reader would say so
    if wrong is not None:
        raise Problem("invalid_case", case_errors(wrong))
    return pick_year(settings.registry.snapshot, raw, opts.year, opts.lang)


def _relevant(settings, body: bytes, opts: Options) -> dict:
    raw = parse_body(body)
    year = _year(settings, raw, opts)
    p = plan_for(year.policy, raw)
    return {"asked": list(p.asked), "not_asked": list(p.not_asked), "frames": list(p.frames),
            "decided": {o.name: ({"status": o.status, "subsidy": int(o.subsidy)} if o.decided else None) for o in p.decided},
            "policy": {"year": year.policy.year, "content_hash": year.content_hash}, "engine_version": __version__}


def _check(settings, body: bytes, opts: Options):
    raw = parse_body(body)
    year = _year(settings, raw, opts)
    policy = year.policy
    p = plan_for(policy, raw)
    given = relevance_plan.read_partial(policy, raw).known
    not_asked = tuple(q for q in p.not_asked if q not in given)  # an answer sent anyway is an answer
    filled = relevance_plan.placeholders(policy, raw, frozenset(not_asked))
    completed = relevance_plan.complete(policy, raw, frozenset(not_asked))
    outcome = decide(settings.registry.snapshot, completed, attrs.evolve(opts, form="full", what_if=True),
                     settings.log.masker if settings.log else no_mask)
    record(settings, outcome)
    known = relevance_plan.submitted(policy, raw, frozenset(not_asked))
    unasked = result.Unasked(paths=not_asked, run=relevance.Partial(policy, known), filled=filled)
    return result.render(outcome, opts.lang, unasked, case=raw), outcome


@route("/page/relevant")
async def relevant_route(request: Request) -> Response:
    settings = request.app.state.settings
    opts = options(request)
    body = await read_body(request, settings.max_body)
    return json_response(await offload(settings, False, _relevant, settings, body, opts))


@route("/page/check")
async def check_route(request: Request) -> Response:
    settings = request.app.state.settings
    opts = options(request)
    body = await read_body(request, settings.max_body)
    html, outcome = await offload(settings, False, _check, settings, body, opts)
    return HTMLResponse(html, headers={"X-Policy-Year": str(outcome.year.policy.year), "X-Policy-Content-Hash": outcome.year.content_hash,
                                       "X-Engine-Version": __version__, "X-Decision-Id": outcome.body["decision_id"]})


ROUTES = [
    Route("/page/relevant", relevant_route, methods=["POST"]),
    Route("/page/check", check_route, methods=["POST"]),
]
