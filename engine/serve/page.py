"""The self-check page, generated from a policy year's input declarations and labels: one
question per input field the decision reads (engine/serve/questions.py decides which and in which
order), with the policy's labels, its enum members as choices and 必須/任意 from `optional` and
`default`. No form is written per programme: next year's policy brings next year's form. The page
loads its script and style from this server only. Its HTML comes from the autoescaped Jinja2
templates in templates/ (an office's own header, footer and disclaimer from POLICY_PAGE_TEMPLATES).

A question whose answer cannot change the result is not shown (engine/explain/relevance.py decides, from the
answers to the questions before it): the page is rendered with the questions the defaults already
make moot hidden, and its script asks `/page/relevant` again on every change."""

from __future__ import annotations

import functools
import json

import markupsafe

from engine.explain import relevance_plan
from engine.tree import nodes as tree
from engine.serve import call_period, templating
from engine.serve.page_text import SCRIPT_KEYS, text
from engine.serve.questions import STAGES, Question, questions
from engine.serve.registry import Snapshot, Year


def _lbl(label: tree.Label | None, lang: str) -> str:
    if label is None:
        return ""
    return (label.en or label.ja) if lang == "en" else label.ja


def _control(policy: tree.Policy, f: tree.Field, path: str, lang: str, field: str | None = None) -> dict:
    """One question as the template reads it: its label, 必須/任意, the control's kind and choices, help and hint."""
    kind = f.kind
    options = []
    if f.kind in ("enum", "list") and f.type_name in policy.enums:
        options = [{"value": m, "label": _lbl(ml, lang)} for m, ml in policy.enums[f.type_name].members]
        kind = "enum" if f.kind == "enum" else "enumlist"
    # a `signed` amount (a loss) may start with a minus sign: its own hint, and no numeric pad (it has no minus)
    hint = "hint.yen.signed" if f.signed else {"yen": "hint.yen", "count": "hint.count", "ratio": "hint.ratio"}.get(kind)
    return {"qid": f"q-{path}", "path": path, "field": field, "kind": kind, "label": _lbl(f.label, lang),
            "required": not f.optional and f.default is None, "default": f.default, "options": options,
            "value": "" if f.default is None or isinstance(f.default, bool) else str(f.default),
            "hint": text(lang, hint) if hint else None, "help": _lbl(f.help, lang) if f.help is not None else None, "mark": None,
            "signed": f.signed}


def _question(policy: tree.Policy, q: Question, lang: str, asked: frozenset[str]) -> dict:
    f = q.field
    view = {"path": q.path, "stage": q.stage, "frames": "|".join(sorted(q.frames)), "hidden": q.path not in asked,
            "control": _control(policy, f, q.path, lang), "record": None}
    if q.stage == "step":  # a step's answer may be left as it is, but the step itself is needed: not "任意"
        view["control"]["mark"] = text(lang, "step.mark")
    if f.kind == "list" and f.element == "record":
        record = policy.records[f.type_name]
        view.update(record=[_control(policy, rf, f"{q.path}[#].{rf.name}", lang, field=rf.name) for rf in record.fields],
                    item_label=_lbl(record.label, lang), list_required=not f.optional)
    return view


def _stage(policy: tree.Policy, stage: str, qs: list[Question], lang: str, asked: frozenset[str]) -> dict:
    """A stage's questions, grouped under their input group's label (fieldsets)."""
    parts: list[dict] = []
    open_group = object()
    for q in qs:
        is_list = q.field.kind == "list" and q.field.element == "record"
        group = q.group if (q.group.name and not is_list) else None
        if not parts or group is not open_group:
            parts.append({"group": _lbl(group.label, lang) if group is not None else None,
                          "hidden": group is not None and not any(o.path in asked for o in qs if o.group is group), "questions": []})
            open_group = group
        parts[-1]["questions"].append(_question(policy, q, lang, asked))
    frames = ([{"name": fr.name, "label": _lbl(fr.label, lang), "help": _lbl(fr.help, lang) if fr.help else None} for fr in policy.frames]
              if stage == "frame" else None)
    return {"name": stage, "frames": frames, "parts": parts, "hidden": not frames and not any(q.path in asked for q in qs)}


def defaults_case(policy: tree.Policy, qs: list[Question]) -> dict:
    """The answers the page starts with: each question's default (preselected on the form)."""
    raw: dict = {}
    for q in qs:
        d = q.field.default
        if d is None or q.field.kind == "list":
            continue
        value = d if isinstance(d, (bool, int, str)) else str(d)  # a ratio's Fraction, a date
        (raw.setdefault(q.group.name, {}) if q.group.name else raw)[q.field.name] = value
    return raw


@functools.lru_cache(maxsize=16)
def _asked_at_first(policy: tree.Policy) -> frozenset[str]:
    """The questions asked before any answer but the defaults (a policy is hashed by identity)."""
    qs = questions(policy)
    return frozenset(relevance_plan.plan(policy, defaults_case(policy, qs), [q.path for q in qs]).asked)


def render(year: Year, snapshot: Snapshot, lang: str) -> str:
    policy = year.policy
    qs = questions(policy)
    asked = _asked_at_first(policy)
    hidden = sum(q.path not in asked for q in qs)
    config = {"lang": lang, "year": str(policy.year), "hash": year.content_hash,
              "text": {k: text(lang, k) for k in SCRIPT_KEYS}}  # unfilled: page.js fills {label}, {n}
    lead, rows = call_period.notice(policy, None, lang)  # today in Japan: a call that has ended says so first
    page = templating.environment().get_template("page.html")
    return page.render(
        lang=lang, other="en" if lang == "ja" else "ja", year=policy.year, t=functools.partial(text, lang),
        title=text(lang, "title", programme=policy.programme),
        years=[{"value": y.policy.year, "label": y.policy.programme, "selected": y is year} for y in snapshot.years],
        call={"lead": lead, "rows": rows}, pruned=text(lang, "pruned", n=hidden) if hidden else "",
        stages=[_stage(policy, s, [q for q in qs if q.stage == s], lang, asked) for s in STAGES if any(q.stage == s for q in qs) or s == "frame"],
        # JSON inside <script>: no "</script>" can close it early; the template must not escape it again
        config_json=markupsafe.Markup(json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"))) + "\n"
