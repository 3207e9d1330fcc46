"""Decision -> JSON-ready dict (the documented, stable format that snapshots capture).

Values: yen and counts are JSON integers, rates and other fractions are strings ("4/5"),
dates are "YYYY-MM-DD", a missing optional value is null."""

from __future__ import annotations

import datetime
from fractions import Fraction

from engine import __version__
from engine.evaluate.decision import AmountResult, Decision, FrameDecision, Reason, Trace
from engine.explain import sentences
from engine.explain.unmet import unmet_conditions

FORMAT = "subsidy-decision/1"


_AS_IS = frozenset((int, str, bool, type(None)))


def value(v):
    kind = type(v)  # exact types first: isinstance against Fraction (an ABC) walks its registry
    if kind in _AS_IS:
        return v
    if kind is tuple:
        return [value(x) for x in v]
    if kind is Fraction:
        return int(v) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: value(x) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [value(x) for x in v]
    raise TypeError(f"no JSON form for {type(v).__name__}")  # pragma: no cover


def label(lbl, lang: str):
    if lbl is None:
        return None
    return (lbl.en or lbl.ja) if lang == "en" else lbl.ja


def cite(c):
    if c is None:
        return None
    return {"key": c.key, "title": c.title, "detail": c.detail}


def trace(t: Trace, lang: str, shared: dict | None = None) -> dict:
    """A trace as JSON data. `shared` (one per decision and language) maps each trace already made to
    its data, so a rule named by several frames or rules is made once and its data shared: treat
    the result as read-only."""
    if shared is not None:
        known = shared.get(id(t))
        if known is not None:
            return known[1]
    result = t.result  # most results and facts are a bool, int, str or None, written as they are: no call
    out = {"kind": t.kind, "result": result if type(result) in _AS_IS else value(result)}
    if t.name is not None:
        out["name"] = t.name
    if t.label is not None:
        out["label"] = label(t.label, lang)
    if t.cite is not None:
        out["source"] = cite(t.cite)
    if t.op is not None:
        out["op"] = t.op
    origin = t.origin
    if origin is not None:
        out["at"] = f"{origin.file}:{origin.line}"
        out["text"] = origin.text
    for key, fact in t.facts:
        if fact is not None:
            # the value's kind (money, count, bool …) is its `type`: "kind" stays the step's kind
            out["type" if key == "kind" else key] = fact if type(fact) in _AS_IS else value(fact)
    if t.children:
        out["children"] = [trace(c, lang, shared) for c in t.children]
    if shared is not None:
        shared[id(t)] = (t, out)  # the trace is kept with its data, so its id is not reused by another
    return out


def amount(a: AmountResult, lang: str, traces: bool = True, shared: dict | None = None) -> dict:
    out = {"name": a.name, "label": label(a.label, lang), "result": a.result, "at": f"{a.origin.file}:{a.origin.line}"}
    if a.cite is not None:
        out["source"] = cite(a.cite)
    if a.item_index is not None:
        out["item"] = a.item_index
    if a.like is not None and a.item_index is None:
        out["like"] = {"frame": a.like.frame, "amount": a.like.amount, "changed": list(a.like.changed), "sentence": sentences.like(a.like, lang)}
    if a.base is not None:
        out["cost"] = value(a.base)
        out["bands"] = [_band(b, lang, traces, shared) for b in a.bands]
        out["unrounded"] = value(a.unrounded)
        out["rounding"] = "down" if a.rounded_down else None
        if a.round_cite is not None:
            out["rounding_source"] = cite(a.round_cite)
    if a.parts:
        out["parts"] = [amount(p, lang, traces, shared) for p in a.parts]
    if a.items or (a.base is None and not a.parts):
        out["items"] = [amount(i, lang, traces, shared) for i in a.items]
    out["before_caps"] = a.before_caps
    if a.caps:
        out["caps"] = [
            {"limit": c.limit, "active": c.active, "binding": c.binding,
             "condition": _cap_condition(c), "sentence": sentences.cap(c, lang),
             "source": cite(c.cite), "at": f"{c.origin.file}:{c.origin.line}"}
            for c in a.caps
        ]
    if a.floors:
        out["floors"] = [{"limit": f.limit, "met": f.met, "at": f"{f.origin.file}:{f.origin.line}"} for f in a.floors]
    return out


def _band(b, lang: str, traces: bool, shared: dict | None = None) -> dict:
    out = {"rate": value(b.rate), "measure": b.measure, "limit": value(b.limit), "cost": value(b.cost), "subsidy": value(b.subsidy)}
    if b.rate_trace.kind != "const":  # a rate that depends on a rule: show why this rate
        if traces:
            out["rate_from"] = trace(b.rate_trace, lang, shared)
        elif b.rate_trace.kind == "if":
            condition = b.rate_trace.children[0]
            out["rate_from"] = {"name": condition.name or condition.origin.text, "result": value(condition.result)}
    return out


def _cap_condition(c) -> dict | None:
    if c.condition is None:
        return None
    return {"unless" if c.negated else "when": c.condition.name or c.condition.origin.text, "holds": value(c.condition.result)}


def reason(r: Reason, lang: str, shared: dict | None = None) -> dict:
    out = {"kind": r.kind}
    if r.name is not None:
        out["name"] = r.name
    if r.label is not None:
        out["label"] = label(r.label, lang)
    if r.cite is not None:
        out["source"] = cite(r.cite)
    for key, fact in r.facts:
        out[key] = value(fact)
    if r.trace is not None:
        want = r.kind != "exclusion"
        known = shared.get(("unmet", id(r.trace), want)) if shared is not None else None
        if known is None:  # a rule that fails in several frames: its conditions and sentences made once
            unmet = unmet_conditions(r.trace, want=want)
            known = (r.trace, [trace(c, lang, shared) for c in unmet],
                     [sentences.state(c, lang) for c in unmet])  # each condition as a person reads it
            if shared is not None:
                shared[("unmet", id(r.trace), want)] = known
        out["conditions"], out["sentences"] = known[1], known[2]
    return out


def path_text(path) -> str:
    """("経費", 0, "金額") -> "経費[0].金額"."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def what_if(w, lang: str) -> dict:
    out = {"kind": w.kind,
           "changes": [{"field": path_text(c.path), "label": label(c.label, lang), "from": value(c.old), "to": value(c.new)}
                       for c in w.changes],
           "status": w.status, "subsidy": w.subsidy, "addresses": list(w.addresses), "sentence": sentences.what_if(w, lang)}
    for key, fact in w.facts:
        out[key] = value(fact)
    return out


def step(t: Trace, lang: str) -> dict:
    return {"name": t.name, "label": label(t.label, lang), "source": cite(t.cite)}


def outcome(t: Trace, lang: str) -> dict:
    """A rule's name and result without its trace (the summary form)."""
    return {"name": t.name, "result": value(t.result)}


def frame(f: FrameDecision, lang: str, traces: bool = True, shared: dict | None = None) -> dict:
    deadline = None
    if f.deadline is not None:
        d = f.deadline
        deadline = {"applied_on": value(d.applied_on), "round": d.round, "deadline": value(d.deadline), "last_deadline": value(d.last_deadline),
                    "closes_at": d.time.strftime("%H:%M") if d.time else None, "opens": value(d.opens),
                    "round_unknown": d.unknown, "next_opens": value(d.next_opens), "next_round": d.next_round,
                    "source": cite(d.cite) if d.cite else None}
    return {
        "frame": f.name,
        "label": label(f.label, lang),
        "status": f.status,
        "eligible": f.status != "not_eligible",
        "subsidy": f.subsidy,
        "source": cite(f.cite),
        "reasons": [reason(r, lang, shared) for r in f.reasons],
        "pending_steps": [step(t, lang) for t in f.pending_steps],
        "step_dues": [{"name": s.name, "label": label(s.label, lang), "done": s.done, "due": value(s.due), "passed": s.passed,
                       "sentence": sentences.step_due(s, lang), **({"source": cite(s.cite)} if s.cite else {})} for s in f.step_dues],
        "what_if": [what_if(w, lang) for w in f.what_if],
        "uncovered_expenses": [{"index": u.index, **{k: value(v) for k, v in u.values}} for u in f.uncovered],
        "deadline": deadline,
        "amount": amount(f.amount, lang, traces, shared),
        "requirements": [trace(t, lang, shared) if traces else outcome(t, lang) for t in f.requirements],
        "exclusions": [trace(t, lang, shared) if traces else outcome(t, lang) for t in f.exclusions],
        "steps": [trace(t, lang, shared) if traces else outcome(t, lang) for t in f.steps],
    }


def decision(d: Decision, lang: str = "ja", traces: bool = True, share: bool = True) -> dict:
    """The JSON decision; `traces=False` gives each requirement, exclusion and step as its name and
    result only (reasons keep the conditions that failed). Each trace is made into data once and
    shared wherever the decision names it (`share=False` makes it afresh at each place, the same
    JSON: tests hold the two equal); treat the result as read-only."""
    shared = {} if share else None
    return {
        "format": FORMAT,
        "engine_version": __version__,
        "programme": d.programme,
        "title": d.title,
        "year": d.year,
        "best_frame": d.best_frame,
        # why: every frame the case may apply to, highest subsidy first
        "ranking": [{"frame": f.name, "status": f.status, "subsidy": f.subsidy}
                    for f in sorted((f for f in d.frames if f.status != "not_eligible"), key=lambda f: -f.subsidy)],
        "frames": [frame(f, lang, traces, shared) for f in d.frames],
        "exclusions_applied": [t.name for t in d.exclusions if t.result],
    }
