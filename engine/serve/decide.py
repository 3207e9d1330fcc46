"""One request's decision, independent of HTTP: the body's bytes in, the year picked, the case read
with the CLI's messages, the decision rendered by engine/render_json (or the fast form's summary).
Every failure is a `Problem` carrying its HTTP status and the field path of each message."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import time

import attrs

from engine import __version__
from engine.explain import render_json
from engine.population.batch import _problems
from engine.evaluate.case import parse_json, read_case, shape_error
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import CaseError
from engine.evaluate.evaluator import evaluate
from engine.serve.messages import Joined, hint, said
from engine.serve.problems import Problem
from engine.serve.registry import Snapshot, UnknownYear, Year

SUMMARY_FORMAT = "subsidy-decision-summary/2"  # /2: reasons and pending steps in the full form's shapes


@attrs.frozen
class Options:
    lang: str = "ja"
    trace: bool = False
    what_if: bool = True
    form: str = "full"  # full | summary
    year: str | None = None
    frames: tuple[str, ...] = ()


@attrs.frozen
class Outcome:
    year: Year
    body: dict  # the response, decision_id included
    log: dict  # the decision log's record (the case masked)
    decision: object = None  # the explained Decision (full form), for the HTML renderers
    encoded: bytes | None = None  # the body as JSON, where it is encoded already (a traced answer, measured against --max-trace)


def policy_ref(year: Year) -> dict:
    return {"year": year.policy.year, "folder": year.name, "programme": year.policy.programme, "content_hash": year.content_hash}


def decision_id() -> str:
    """Time-ordered and unique across workers: milliseconds since the epoch, then 80 random bits."""
    return f"{time.time_ns() // 1_000_000:012x}-{os.urandom(10).hex()}"


def parse_body(body: bytes):
    """The JSON case from the request body, with the case reader's messages."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = f"0x{body[exc.start]:02x}"
        raise Problem("not_utf8", [{"field": None, "message": said("body.not_utf8", byte=at, offset=exc.start)}]) from None
    try:
        return parse_json(text)
    except CaseError as exc:
        raise Problem("malformed_json", _problems(exc)) from None


def pick_year(snapshot: Snapshot, raw, pinned, lang: str = "en") -> Year:
    try:
        return snapshot.select(raw, pinned, lang)
    except UnknownYear as exc:
        kind = "unknown_year" if exc.asked is not None else "no_year_in_force"
        message = exc.said if exc.said is not None else str(exc)
        raise Problem(kind, [{"field": "?year" if exc.asked is not None else None, "got": exc.asked,
                              "expected": exc.available if exc.asked is not None else None, "message": message}], status=422,
                      extra={"years_available": [y.policy.year for y in snapshot.years]}) from None
    except CaseError as exc:
        raise Problem("invalid_case", case_errors(exc)) from None


def frames_for(year: Year, raw, asked: tuple[str, ...]) -> tuple[str, ...] | None:
    """The frames to evaluate: `?frame=`, else the case's "frame" key, by name or label (as `policy eval`)."""
    policy = year.policy
    frames = asked
    if not frames and isinstance(raw, dict) and raw.get("frame"):
        frames = (raw["frame"],) if isinstance(raw["frame"], str) else tuple(raw["frame"])
    if not frames:
        return None
    known = [f.name for f in policy.frames]
    by_label = {f.label.ja: f.name for f in policy.frames} | {f.label.en: f.name for f in policy.frames if f.label.en}
    frames = tuple(by_label.get(f, f) for f in frames)
    unknown = [f for f in frames if f not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.4)
        field = "?frame" if asked else "frame"  # the query's, or the case's own "frame"
        message = said("frame.unknown", frames=Joined(tuple(unknown)), hint=hint(close), known=Joined(tuple(known)))
        raise Problem("unknown_frame", [{"field": field, "got": ", ".join(unknown), "expected": ", ".join(known), "message": message}], year)
    return frames


def case_errors(exc: CaseError) -> list[dict]:
    """The case reader's problems, each whole when the reader made it ({field, label, code, got,
    expected, accepts, message}), else as the message says it ({field, message})."""
    if exc.errors is not None:
        return [e.as_dict() for e in exc.errors]
    return _problems(exc)


def unwrap(raw, declared: frozenset = frozenset()):
    """The case of OPA's envelope {"input": case}: an object whose only key is "input", unless some
    year declares an input of that name (then it is that input)."""
    if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("input"), dict) and "input" not in declared:
        return raw["input"]
    return raw


def decide(snapshot: Snapshot, raw, options: Options, masker) -> Outcome:
    """The decision for one parsed case (raises Problem)."""
    raw = unwrap(raw, snapshot.also_known)
    wrong = shape_error(raw, options.lang)  # the case reader's words, before any year is picked
    if wrong is not None:
        raise Problem("invalid_case", case_errors(wrong))
    year = pick_year(snapshot, raw, options.year, options.lang)
    try:
        values = read_case(year.policy, raw, also_known=snapshot.also_known, lang=options.lang)  # as eval, explain and batch read it
    except CaseError as exc:
        raise Problem("invalid_case", case_errors(exc), year) from None
    frames = frames_for(year, raw, options.frames)
    did = decision_id()
    head = {"decision_id": did, "policy": policy_ref(year)}
    selected = _selected(year, raw, options.year)
    decision = None
    if options.form == "summary":
        summary = year.fast.decide(values, frames)
        body = {**head, "format": SUMMARY_FORMAT, "engine_version": __version__, "programme": year.policy.programme,
                "year": year.policy.year, "selected_policy": selected, **summary,
                "frames": [_summary_frame(year, f, options.lang) for f in summary["frames"]]}
        frames_out = summary["frames"]
    else:
        # without traces the answer reads each rule's value and only the failed ones' steps: the
        # fast form (built at load) gives the values and the steps are made when read
        decision = evaluate(year.policy, values, frames, fast=None if options.trace else year.fast)
        if options.what_if:
            decision = what_if(year.policy, values, decision)
        rendered = render_json.decision(decision, options.lang, traces=options.trace)
        body = {**head, "selected_policy": selected, **rendered}
        frames_out = [{"frame": f["frame"], "status": f["status"], "subsidy": f["subsidy"],
                       "reasons": [[r["kind"], r.get("name")] for r in f["reasons"]]} for f in rendered["frames"]]
    log = {"decision_id": did, "at": _utc_now(), "year": year.policy.year, "content_hash": year.content_hash,
           "engine_version": __version__, "case_sha256": case_fingerprint(raw), "case": masker(year.policy, raw),
           "best_frame": body["best_frame"],
           "frames": [{"frame": f["frame"], "status": f["status"], "subsidy": f["subsidy"],
                       "reasons": [list(r) for r in f["reasons"]]} for f in frames_out]}
    return Outcome(year=year, body=body, log=log, decision=decision)


def _summary_frame(year: Year, frame: dict, lang: str) -> dict:
    """A frame of the fast form with its reasons and pending steps as objects of the full form's
    shape ({kind, name, label, source}; {name, label, source}), labels in the request's language.
    Each object is made once per year, language and name and shared by every answer: read-only."""
    made = year.summary_parts
    reasons = []
    for kind, name in frame["reasons"]:
        out = made.get((lang, kind, name))
        if out is None:
            out = made[(lang, kind, name)] = _summary_reason(year.policy, kind, name, lang)
        reasons.append(out)
    steps = []
    for name in frame["pending_steps"]:
        out = made.get((lang, "step", name))
        if out is None:
            d = year.policy.definitions[name]
            out = made[(lang, "step", name)] = {"name": name, "label": render_json.label(d.label, lang), "source": render_json.cite(d.cite)}
        steps.append(out)
    return {**frame, "reasons": reasons, "pending_steps": steps}


def _summary_reason(policy, kind: str, name: str | None, lang: str) -> dict:
    out = {"kind": kind}
    if name is not None:
        out["name"] = name
    d = policy.definitions.get(name) if kind in ("requirement", "exclusion") else None
    if d is not None:
        out["label"] = render_json.label(d.label, lang)
        out["source"] = render_json.cite(d.cite)
    return out


def _selected(year: Year, raw, pinned) -> dict:
    p = year.policy
    out = {"folder": year.name, "programme": p.programme, "in_force": [str(d) for d in p.in_force] if p.in_force else None}
    if pinned is not None:
        out["chosen_by"] = {"pinned": str(pinned)}
    elif p.applied_on is not None:
        date = raw
        for key in p.applied_on.path:
            date = date.get(key) if isinstance(date, dict) else None
        out["chosen_by"] = {"field": ".".join(p.applied_on.path), "date": date}
    return out


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode  # json.dumps's own, made once


def case_fingerprint(raw) -> str:
    """SHA-256 of the case in canonical JSON (sorted keys): whoever holds the case can show which it was."""
    text = _CANONICAL(raw)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()  # a lone surrogate is hashed, not refused


def _utc_now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"
