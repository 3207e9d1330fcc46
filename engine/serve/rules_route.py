"""`GET /v1/rules` and `/v1/rules/{name}`: what a policy year is made of, for integrators (as
OpenFisca's /variables and /parameters): every input, rule, value, exclusion, step, table and frame
with its labels in both languages, its kind, its type and unit, where it is written and the source
it cites. One name may be several things (an input 業種 and the enum of its members): `/v1/rules/{name}`
answers all of them, with a table's rows and a definition's text.

Registered by engine/serve/app.py: `*rules_route.ROUTES` in its ROUTES."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import __version__
from engine.explain.render_json import cite, value
from engine.serve.decide import policy_ref
from engine.serve.handling import json_response, route
from engine.serve.messages import said
from engine.serve.problems import Problem
from engine.tree import nodes as tree

_UNIT = {"yen": "円"}  # a count's unit is written in the policy (人, か月); a yen amount's is always 円


def _label(label: tree.Label | None) -> dict | None:
    return None if label is None else {"ja": label.ja, "en": label.en}


def _at(origin: tree.Origin | None) -> str | None:
    return None if origin is None else f"{origin.file}:{origin.line}"


def _field(policy: tree.Policy, f: tree.Field, path: str) -> dict:
    out = {"name": f.name, "kind": "input", "path": path, "label": _label(f.label), "type": f.kind,
           "unit": getattr(f, "unit", None) or _UNIT.get(f.kind), "optional": f.optional, "source": None, "at": None}
    if f.kind == "enum" and f.type_name in policy.enums:
        out["members"] = [{"name": m, "label": _label(lbl)} for m, lbl in policy.enums[f.type_name].members]
    if f.kind == "list":
        out["items"] = f.type_name
    return out


def _inputs(policy: tree.Policy):
    for group in policy.groups:
        for f in group.fields:
            path = f"{group.name}.{f.name}" if group.name else f.name
            yield _field(policy, f, path)
            record = policy.records.get(f.type_name) if f.kind == "list" and f.element == "record" else None
            for rf in record.fields if record else ():
                yield _field(policy, rf, f"{path}[].{rf.name}")


def _definition(d: tree.Definition, detail: bool) -> dict:
    out = {"name": d.name, "kind": d.kind, "label": _label(d.label), "type": getattr(d.body, "kind", None),
           "unit": getattr(d.body, "unit", None) or _UNIT.get(getattr(d.body, "kind", None)), "source": cite(d.cite), "at": _at(d.origin)}
    if d.help is not None:
        out["help"] = _label(d.help)
    if detail:
        out["text"] = d.origin.text
    return out


def _table(t: tree.Table, detail: bool) -> dict:
    out = {"name": t.name, "kind": "table", "label": _label(t.label), "type": None, "unit": None, "source": cite(t.cite), "at": _at(t.origin),
           "key": t.key_enum, "columns": [{"name": c, "type": k, "unit": u or _UNIT.get(k)} for c, k, u in zip(t.columns, t.kinds, t.units)]}
    if detail:
        out["rows"] = {member: [value(v) for v in row] for member, row in t.rows.items()}
    return out


def _frame(f: tree.Frame) -> dict:
    out = {"name": f.name, "kind": "frame", "label": _label(f.label), "type": None, "unit": "円", "source": cite(f.cite), "at": _at(f.origin),
           "requires": list(f.requires), "exclusions": list(f.exclusions), "steps": list(f.steps)}
    if f.help is not None:
        out["help"] = _label(f.help)
    return out


def catalogue(policy: tree.Policy, detail: bool = False) -> list[dict]:
    """Every input, definition, table and frame of the policy, in that order."""
    return [*_inputs(policy), *(_definition(d, detail) for d in policy.definitions.values()),
            *(_table(t, detail) for t in policy.tables.values()), *(_frame(f) for f in policy.frames)]


def _year(request: Request):
    snap = request.app.state.settings.registry.snapshot
    wanted = request.query_params.get("year")
    year = snap.by_year(wanted) if wanted else snap.latest_in_force()
    if year is None:
        raise Problem("unknown_year", [{"field": "?year", "got": wanted, "expected": snap.available(), "message": said(
            "year.unknown", year=wanted, available=snap.available())}], status=422,
            extra={"years_available": [y.policy.year for y in snap.years]})
    return year


def _check_query(request: Request) -> None:
    unknown = [k for k in request.query_params.keys() if k not in ("year", "lang")]
    if unknown:
        raise Problem("bad_query", [{"field": f"?{unknown[0]}", "expected": "year, lang", "message": said(
            "query.unknown", hint="", names="year, lang")}])


@route("/v1/rules")
async def rules_route(request: Request) -> Response:
    _check_query(request)
    year = _year(request)
    return json_response({"engine_version": __version__, "policy": policy_ref(year), "definitions": catalogue(year.policy)}, year=year)


@route("/v1/rules/{name}")
async def rule_route(request: Request) -> Response:
    _check_query(request)
    year = _year(request)
    name = request.path_params["name"]
    found = [d for d in catalogue(year.policy, detail=True) if d["name"] == name or d.get("path") == name]
    if not found:
        raise Problem("unknown_definition", [{"field": "name", "got": name, "message": said(
            "rules.unknown", year=year.policy.year, name=name)}], year)
    return json_response({"engine_version": __version__, "policy": policy_ref(year), "definitions": found}, year=year)


ROUTES = [
    Route("/v1/rules", rules_route, methods=["GET"]),
    Route("/v1/rules/{name}", rule_route, methods=["GET"]),
]
