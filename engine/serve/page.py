"""The self-check page, generated from a policy year's input declarations and labels: one
question per input field the decision reads (engine/serve/questions.py decides which and in which
order), with the policy's labels, its enum members as choices and 必須/任意 from `optional` and
`default`. No form is written per programme: next year's policy brings next year's form. The page
loads its script and style from this server only.

A question whose answer cannot change the result is not shown (engine/explain/relevance.py decides, from the
answers to the questions before it): the page is rendered with the questions the defaults already
make moot hidden, and its script asks `/page/relevant` again on every change."""

from __future__ import annotations

import functools
import json
from html import escape

from engine.explain import relevance_plan
from engine.tree import nodes as tree
from engine.serve import call_period, result
from engine.serve.page_text import TEXT, text
from engine.serve.questions import STAGES, Question, questions
from engine.serve.registry import Snapshot, Year


def _lbl(label: tree.Label | None, lang: str) -> str:
    if label is None:
        return ""
    return (label.en or label.ja) if lang == "en" else label.ja


def _mark(f: tree.Field, lang: str) -> str:
    required = not f.optional and f.default is None
    cls = "req" if required else "opt"
    return f'<span class="mark {cls}">{escape(text(lang, "required" if required else "optional"))}</span>'


def _hint(kind: str, lang: str, hid: str) -> str:
    key = {"yen": "hint.yen", "count": "hint.count", "ratio": "hint.ratio"}.get(kind)
    return f'<span class="hint" id="{hid}">{escape(text(lang, key))}</span>' if key else ""


def _control(policy: tree.Policy, f: tree.Field, path: str, lang: str, field_attr: str = "") -> str:
    """One question: its label, its 必須/任意 mark, the control, its help and hint, and a place for its error."""
    qid = f"q-{path}"
    required = not f.optional and f.default is None
    label = escape(_lbl(f.label, lang))
    err = f'<span class="err" id="e-{escape(qid)}"></span>'  # role="alert" only while it holds a message (page.js)
    if f.help is not None:  # the policy's `help` on the input: what the question means
        err = f'<span class="help" id="help-{escape(qid)}">{escape(_lbl(f.help, lang))}</span>' + err
    described = f"help-{escape(qid)} " if f.help is not None else ""
    data = f'data-path="{escape(path)}" {field_attr}'
    if f.kind == "enum":
        members = policy.enums[f.type_name].members
        opts = [f'<option value="">{escape(text(lang, "choose"))}</option>'] if f.default is None else []
        opts += [f'<option value="{escape(m)}"{" selected" if m == f.default else ""}>{escape(_lbl(ml, lang))}</option>' for m, ml in members]
        return (f'<label for="{escape(qid)}">{label} {_mark(f, lang)}</label>'
                f'<select id="{escape(qid)}" {data} data-kind="enum"{" required" if required else ""} aria-describedby="{described}e-{escape(qid)}">'
                f'{"".join(opts)}</select>{err}')
    if f.kind == "list" and f.element == "enum":
        members = policy.enums[f.type_name].members
        boxes = "".join(f'<label class="check"><input type="checkbox" value="{escape(m)}" name="{escape(qid)}"> {escape(_lbl(ml, lang))}</label>'
                        for m, ml in members)
        return (f'<fieldset id="{escape(qid)}" {data} data-kind="enumlist" aria-describedby="{described}e-{escape(qid)}"><legend>{label} {_mark(f, lang)}</legend>'
                f'{boxes}{err}</fieldset>')
    if f.kind == "bool":
        default = f.default
        radios = "".join(
            f'<label class="check"><input type="radio" name="{escape(qid)}" value="{v}"{" checked" if default is not None and default == b else ""}'
            f'{" required" if required else ""}> {escape(text(lang, "yes" if b else "no"))}</label>'
            for v, b in (("true", True), ("false", False)))
        return (f'<fieldset id="{escape(qid)}" {data} data-kind="bool" class="bool" aria-describedby="{described}e-{escape(qid)}">'
                f'<legend>{label} {_mark(f, lang)}</legend>{radios}{err}</fieldset>')
    kind = f.kind
    hid = f"h-{qid}"
    typ = "date" if kind == "date" else "text"
    mode = ' inputmode="numeric"' if kind in ("yen", "count") else ""
    value = "" if f.default is None else escape(str(f.default))
    return (f'<label for="{escape(qid)}">{label} {_mark(f, lang)}</label>'
            f'<input type="{typ}" id="{escape(qid)}" {data} data-kind="{kind}"{mode} value="{value}" autocomplete="off"'
            f'{" required" if required else ""} aria-describedby="{described}{escape(hid)} e-{escape(qid)}">{_hint(kind, lang, escape(hid))}{err}')


def _question(policy: tree.Policy, q: Question, lang: str, asked: frozenset[str]) -> str:
    f = q.field
    frames = "|".join(sorted(q.frames))
    hidden = "" if q.path in asked else " hidden"
    if f.kind == "list" and f.element == "record":
        record = policy.records[f.type_name]
        rlabel = _lbl(record.label, lang)
        template = "".join('<div class="q">' + _control(policy, rf, f"{q.path}[#].{rf.name}", lang, f'data-field="{escape(rf.name)}"') + "</div>"
                           for rf in record.fields)
        return (f'<div class="q list" data-q="{escape(q.path)}" data-stage="{q.stage}" data-frames="{escape(frames)}" data-list="{escape(q.path)}"{hidden} '
                f'data-required="{str(not f.optional).lower()}" data-item-label="{escape(rlabel)}" '
                f'data-remove-label="{escape(text(lang, "remove", label=rlabel))}">'
                f'<h3>{escape(_lbl(f.label, lang))} {_mark(f, lang)}</h3><div class="items"></div>'
                f'<template>{template}</template>'
                f'<button type="button" class="add">{escape(text(lang, "add", label=rlabel))}</button>'
                f'<span class="err" id="e-q-{escape(q.path)}"></span></div>')
    return (f'<div class="q" data-q="{escape(q.path)}" data-stage="{q.stage}" data-frames="{escape(frames)}"{hidden}>'
            f'{_control(policy, f, q.path, lang)}</div>')


def _frame_choice(policy: tree.Policy, lang: str) -> str:
    opts = [f'<option value="">{escape(text(lang, "frame.all"))}</option>']
    opts += [f'<option value="{escape(fr.name)}">{escape(_lbl(fr.label, lang))}</option>' for fr in policy.frames]
    helps = "".join(f'<p class="help" data-help-frame="{escape(fr.name)}" hidden>{escape(_lbl(fr.help, lang))}</p>'
                    for fr in policy.frames if fr.help)
    return (f'<div class="q"><label for="q-frame">{escape(text(lang, "frame.choice"))} '
            f'<span class="mark opt">{escape(text(lang, "optional"))}</span></label>'
            f'<select id="q-frame" data-frame-choice>{"".join(opts)}</select>{helps}'
            f'<p class="note">{escape(text(lang, "hidden.note"))}</p></div>')


def _stage(policy: tree.Policy, stage: str, qs: list[Question], lang: str, asked: frozenset[str]) -> str:
    """A stage's questions, grouped under their input group's label (fieldsets)."""
    parts, open_group = [], None
    for q in qs:
        is_list = q.field.kind == "list" and q.field.element == "record"
        group = q.group if (q.group.name and not is_list) else None
        if group is not open_group:
            if open_group is not None:
                parts.append("</fieldset>")
            if group is not None:
                shown = any(o.path in asked for o in qs if o.group is group)
                parts.append(f'<fieldset class="group"{"" if shown else " hidden"}><legend>{escape(_lbl(group.label, lang))}</legend>')
            open_group = group
        parts.append(_question(policy, q, lang, asked))
    if open_group is not None:
        parts.append("</fieldset>")
    head = _frame_choice(policy, lang) if stage == "frame" else ""
    hidden = "" if head or any(q.path in asked for q in qs) else " hidden"
    return (f'<section class="stage" data-stage="{stage}" aria-labelledby="s-{stage}"{hidden}><h2 id="s-{stage}">{escape(text(lang, "stage." + stage))}</h2>'
            f"{head}{''.join(parts)}</section>")


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


def _call_notice(policy: tree.Policy, lang: str) -> str:
    """The call's period today (Japan), before any answer: a call that has ended says so first."""
    lead, rows = call_period.notice(policy, None, lang)
    items = "".join(f"<li>{escape(r)}</li>" for r in rows)
    return (f'<section class="call" id="call" aria-labelledby="call-h"><h2 id="call-h">{escape(text(lang, "call.title"))}</h2>'
            f'<p id="call-lead">{escape(lead)}</p><details><summary>{escape(text(lang, "call.rounds"))}</summary><ul>{items}</ul></details></section>')


def render(year: Year, snapshot: Snapshot, lang: str) -> str:
    policy = year.policy
    qs = questions(policy)
    asked = _asked_at_first(policy)
    hidden = sum(q.path not in asked for q in qs)
    pruned = text(lang, "pruned", n=hidden) if hidden else ""
    stages = "".join(_stage(policy, s, [q for q in qs if q.stage == s], lang, asked) for s in STAGES if any(q.stage == s for q in qs) or s == "frame")
    other = "en" if lang == "ja" else "ja"
    years = "".join(f'<option value="{y.policy.year}"{" selected" if y is year else ""}>{escape(y.policy.programme)}</option>'
                    for y in snapshot.years)
    config = {"lang": lang, "year": str(policy.year), "hash": year.content_hash,
              "text": {k: TEXT[lang][k] for k in ("bad.amount", "bad.fraction", "bad.number", "working", "failed", "errors", "item", "pruned",
                                                  "reset.confirm", "load.bad", "load.done", "yes", "no", "answers")}}
    config_json = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")  # no "</script>" inside
    title = text(lang, "title", programme=policy.programme)
    # The year switch is a form with its own button: choosing a year does not leave the page (WCAG 3.2.2);
    # the answers stay in the tab's sessionStorage (page.js), so switching keeps them.
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/page.css"></head><body>'
            f'<header><div class="bar"><h1>{escape(title)}</h1>'
            f'<form method="get" action="/" class="year"><label for="year">{escape(text(lang, "year"))}</label> '
            f'<select id="year" name="year">{years}</select> <button type="submit" id="year-switch">{escape(text(lang, "year.switch"))}</button>'
            f'<input type="hidden" name="lang" value="{lang}"></form>'
            f'<a class="lang" id="lang-switch" href="/?lang={other}&amp;year={policy.year}" hreflang="{other}">{escape(text(lang, "lang.switch"))}</a></div>'
            f'<p class="intro">{escape(text(lang, "intro"))}</p></header>'
            f'<main>{_call_notice(policy, lang)}{result.disclaimer(lang, "disclaimer", landmark=True)}'
            f'<div class="load"><label for="load-case">{escape(text(lang, "load"))}</label> '
            f'<input type="file" id="load-case" accept=".json,application/json"><span id="load-status" class="note"></span></div>'
            f'<form id="check" novalidate>{stages}<p id="pruned" class="note" role="status" aria-live="polite">{escape(pruned)}</p>'
            f'<div class="actions"><button type="submit" id="submit">{escape(text(lang, "submit"))}</button> '
            f'<button type="reset" id="reset">{escape(text(lang, "reset"))}</button></div>'
            f'<div id="form-errors" class="form-errors" role="alert" hidden><h2>{escape(text(lang, "errors"))}</h2><ul></ul></div></form>'
            f'<section id="result" aria-live="polite" tabindex="-1"></section>'
            f'<div id="downloads" hidden><button type="button" id="download-case">{escape(text(lang, "download.case"))}</button> '
            f'<button type="button" id="download-json">{escape(text(lang, "download.json"))}</button> '
            f'<button type="button" id="download-html">{escape(text(lang, "download.html"))}</button></div></main>'
            f'<script id="config" type="application/json">{config_json}</script>'
            f'<script src="/static/page.js"></script></body></html>\n')
