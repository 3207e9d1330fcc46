"""A way forward for a "no" on the self-check page, in one sentence: 「資本金を3億円以下にする、または
従業員数を300人以下にすると対象になります」. Built from the verified what-ifs (engine/explain/
counterfactual.py) whose changes touch only questions the applicant answered — also when the
subsidy itself still depends on questions not asked (the cost questions after a "too large"), where
the full what-if line, which names a subsidy, cannot be shown."""

from __future__ import annotations

import datetime
from fractions import Fraction

from engine.explain import sentences
from engine.tree import nodes as tree
from engine.serve.page_text import text


def _w(lang: str, key: str, /, **values) -> str:
    """A phrase of the result panel (catalogue domain "page", keys result.*)."""
    return text(lang, "result." + key, **values)


def _lbl(label, lang: str) -> str:
    if label is None:
        return ""
    return (label.en or label.ja) if lang == "en" else label.ja


def amount_words(v: int, lang: str) -> str:
    """Yen in the 公募要領's style where it is exact: 3億円, 350万円, 1億2,000万円; else 1,499,999円."""
    return sentences.money(v, lang)


def _member(policy: tree.Policy, name: str, lang: str) -> str:
    for enum in policy.enums.values():
        for member, label in enum.members:
            if member == name:
                return _lbl(label, lang)
    return name


def _value(policy: tree.Policy, c, lang: str) -> str:
    v = c.new
    if c.kind == "yen" and isinstance(v, int):
        return amount_words(v, lang)
    if c.kind == "count" and isinstance(v, int):
        return f"{v:,}{c.unit or ''}"
    if isinstance(v, Fraction):  # a share of capital, of officers: 50%, 33 1/3%
        return sentences.percent(v)
    if isinstance(v, datetime.date):
        return sentences.date(v, lang)
    if isinstance(v, str):
        return _member(policy, v, lang)
    return str(v)


def change_phrase(policy: tree.Policy, c, lang: str) -> str | None:
    """「資本金を3億円以下にする」, or None for a change this sentence cannot say (a list's items)."""
    label = _lbl(c.label, lang)
    if isinstance(c.new, bool):
        return _w(lang, "change.true" if c.new else "change.false", label=label)
    if isinstance(c.new, (int, Fraction)) and isinstance(c.old, (int, Fraction)) and not isinstance(c.old, bool):
        key = "change.at_most" if c.new < c.old else "change.at_least"
        return _w(lang, key, label=label, value=_value(policy, c, lang))
    if isinstance(c.new, (str, datetime.date)):
        return _w(lang, "change.to", label=label, value=_value(policy, c, lang))
    return None


def sentence(policy: tree.Policy, what_ifs, lang: str) -> str | None:
    """One sentence of the what-ifs that make the frame eligible, or None when there is none to say."""
    options = []
    for w in what_ifs:
        if w.kind not in ("eligible", "meet_floor"):
            continue
        phrases = [change_phrase(policy, c, lang) for c in w.changes]
        if not phrases or None in phrases:
            continue
        option = _w(lang, "change.and").join(phrases)
        if option not in options:
            options.append(option)
    if not options:
        return None
    return _w(lang, "way_forward", changes=_w(lang, "change.or").join(options))


# ---------------------------------------------------------------- from an unmet requirement
_OPS = {"≤": "change.at_most", "<=": "change.at_most", "<": "change.under", "≥": "change.at_least", ">=": "change.at_least",
        ">": "change.over", "=": "change.to", "==": "change.to"}


def _operand_value(t, like, lang: str) -> str | None:
    """The value t (a limit) as the answer `like` is written: its kind and unit."""
    v, kind, unit = t.result, like.fact("kind"), like.fact("unit")
    if isinstance(v, bool) or v is None:
        return None
    if kind == "yen" and isinstance(v, int):
        return amount_words(v, lang)
    if isinstance(v, Fraction) and v.denominator == 1:
        v = int(v)
    if isinstance(v, int):
        return f"{v:,}{unit or ''}" if kind != "yen" else amount_words(v, lang)
    return None


def _fix(policy: tree.Policy, t, lang: str) -> str | None:
    """What would make a failed condition hold, said as a change of an answer; None when it cannot be said."""
    kind = t.kind
    if kind in ("rule", "exclusion", "step") and t.children:
        return _fix(policy, t.children[0], lang)
    if kind == "if" and len(t.children) == 2:
        return _fix(policy, t.children[1], lang)
    if kind == "cases" and t.children:
        return _fix(policy, t.children[-1], lang)
    if kind == "any":
        options = [o for o in (_fix(policy, c, lang) for c in t.children if not c.result) if o]
        return _w(lang, "change.or").join(dict.fromkeys(options)) if options else None
    if kind == "all":
        needs = [_fix(policy, c, lang) for c in t.children if not c.result]
        return _w(lang, "change.and").join(dict.fromkeys(needs)) if needs and None not in needs else None
    if kind == "compare" and len(t.children) == 2 and t.op in _OPS:
        left, right = t.children
        if left.kind != "input" or left.result is None:
            return None
        value = _operand_value(right, left, lang)
        return _w(lang, _OPS[t.op], label=_lbl(left.label, lang), value=value) if value else None
    if kind == "input" and t.fact("kind") == "bool":
        return _w(lang, "change.true", label=_lbl(t.label, lang))
    if kind == "member" and t.children and t.children[0].kind == "input" and not t.fact("negated"):
        members = [_member(policy, m, lang) for m in t.fact("members")]
        return _w(lang, "change.among", label=_lbl(t.children[0].label, lang), values="・".join(members))
    return None


def requirement_sentence(policy: tree.Policy, reason, lang: str) -> str | None:
    """「資本金を3億円以下にする、または従業員数を300人以下にすると、「中小企業・小規模事業者等に該当する」を満たします。」
    for a failed requirement, read from its trace: setting an answer to the limit it was compared with
    makes that comparison hold, and one alternative of an `any of` is enough."""
    if reason.kind != "requirement" or reason.trace is None:
        return None
    changes = _fix(policy, reason.trace, lang)
    if not changes:
        return None
    label = _lbl(reason.label, lang)
    for open_ in ("（", " ("):
        label = label.split(open_, 1)[0]
    return _w(lang, "way_forward.requirement", changes=changes, requirement=label.strip())
