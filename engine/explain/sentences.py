"""The sentence writer: any clause of a decision's trace, a value, a cap or a what-if as a sentence a
person reads, in Japanese or English, with no DSL syntax, keyword or internal name in it.

Amounts are written as the 公募要領 writes them where that reads better (350万円, 3億円), exact
yen otherwise, and never with a fraction of a yen (a fractional amount is shown rounded down and
said so); dates as 2024年7月1日; ratios as percentages; counts with their unit. Every word comes
from the catalogue (engine/explain/messages.py, domain "explain"). Read-only over traces."""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from fractions import Fraction

from engine.evaluate.decision import Trace
from engine.explain.messages import message

_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_OP_KEYS = {"<": "op.lt", "<=": "op.le", ">": "op.gt", ">=": "op.ge", "=": "op.eq", "!=": "op.ne"}
_CONDITIONS = ("compare", "member", "contains", "given", "not", "all", "any", "any_item", "all_item")


# ---------------------------------------------------------------- values
def yen(v) -> str:
    """Exact yen with thousands separators; a fraction of a yen is rounded down (the rule every
    amount follows) and never shown."""
    if isinstance(v, Fraction) and v.denominator != 1:
        return f"{math.floor(v):,}円"
    return f"{int(v):,}円"


def part(v, lang: str) -> str:
    """A band's share of a cost or of a subsidy, which may fall between two yen: 666,666円余 (just over
    666,666 yen) rather than a fraction; the amount it adds up to is rounded down once, after the sum."""
    if isinstance(v, Fraction) and v.denominator != 1:
        if 0 < v < 1:  # 1円 × 2/3: not 「0円余」
            return message(lang, "yen.under_one")
        return message(lang, "yen.over", amount=f"{math.floor(v):,}")
    return yen(v)


def money(v, lang: str) -> str:
    """A limit or threshold as the 公募要領 writes it in Japanese (350万円, 3億円, 1億5,000万円) when it
    is a whole number of 万円; exact yen otherwise and in English."""
    if isinstance(v, Fraction) and v.denominator != 1:
        return yen(v)
    v = int(v)
    if lang != "ja" or v < 10_000 or v % 10_000:
        return yen(v)
    oku, man = divmod(v // 10_000, 10_000)
    if not oku:
        return message(lang, "money.man", man=f"{man:,}")
    if not man:
        return message(lang, "money.oku", oku=f"{oku:,}")
    return message(lang, "money.oku_man", oku=f"{oku:,}", man=f"{man:,}")


def date(d: datetime.date, lang: str) -> str:
    return message(lang, "date", year=d.year, month=d.month, day=d.day, iso=d.isoformat())


def percent(r: Fraction | int) -> str:
    """A ratio as a percentage: exact when it has a finite decimal (6%, 12.5%), as a fraction of a
    hundred otherwise (1/3 is 33 1/3%)."""
    r = Fraction(r) * 100
    for places in range(0, 5):
        scaled = r * 10 ** places
        if scaled.denominator == 1:
            text = f"{scaled.numerator / 10 ** places:.{places}f}" if places else f"{scaled.numerator}"
            return f"{text}%"
    whole, rest = divmod(r, 1)
    return f"{int(whole)} {rest.numerator}/{rest.denominator}%" if whole else f"{rest.numerator}/{rest.denominator}%"


def rate(r) -> str:
    """A subsidy rate as the 公募要領 writes it: 1/2, 2/3, 4/5 (a whole rate as 100%)."""
    r = Fraction(r)
    return f"{r.numerator}/{r.denominator}" if r.denominator != 1 else percent(r)


def value(v, kind: str | None, lang: str, unit: str | None = None) -> str:
    """A value a rule saw, as a person reads it."""
    if v is None:
        return message(lang, "missing")
    if isinstance(v, bool):
        return message(lang, "yes" if v else "no")
    if kind == "yen" or (kind is None and isinstance(v, int)):
        return money(v, lang)
    if kind in ("count", "number", "duration"):  # a duration with its unit: 3年, 6か月, 30日
        shown = f"{int(v):,}" if isinstance(v, int) or (isinstance(v, Fraction) and v.denominator == 1) else str(v)
        return f"{shown}{unit or ''}"
    if isinstance(v, Fraction) or kind == "ratio":
        return percent(v)
    if isinstance(v, datetime.date):
        return date(v, lang)
    if isinstance(v, (tuple, list)):
        return message(lang, "none") if not v else message(lang, "list.separator").join(str(x) for x in v)
    return str(v)


def label(lbl, lang: str) -> str:
    if lbl is None:
        return ""
    return (lbl.en or lbl.ja) if lang == "en" else lbl.ja


# ---------------------------------------------------------------- what a rule looked at
def subject(t: Trace, lang: str) -> str:
    """What an operand is, in words (no value): 資本金, 経費の数, 中小企業者の範囲（製造業）の資本金上限."""
    if t.kind == "fallback":  # `X or 0円` is X, whose value may be the fallback (see shown)
        return subject(t.children[0], lang)
    if t.kind == "arith" and _fallback_used(t):  # say which value stood in: 出資者数（未入力のため1人） + 従業員数（30人）
        return derivation(t, lang)
    if t.kind in ("input", "item", "rule", "value"):
        return label(t.label, lang) or message(lang, "this_value")
    if t.kind == "table":
        key = value(t.fact("key"), None, lang)
        if t.fact("row_source"):  # a row that cites its own source says so, beside the row
            key += f" [{t.cite.key}{' ' + t.cite.detail if t.cite.detail else ''}]"
        return message(lang, "table_cell", table=label(t.label, lang), key=key, column=t.fact("column"))
    if t.kind == "total":
        field = t.fact("field")
        if field and field.replace("_", "").isalnum():
            return message(lang, "total_of", list=label(t.label, lang), field=field)
        return message(lang, "total_of_list", list=label(t.label, lang))
    if t.kind == "count":
        return message(lang, "count", list=label(t.label, lang))
    if t.kind == "among":
        return message(lang, "among", list=label(t.label, lang), members="・".join(t.fact("members")))
    if t.kind == "round_of":  # 申請する回, 申請する回の締切
        return message(lang, f"round_of.{t.fact('part', 'deadline')}")
    if t.kind == "arith" and t.fact("kind") == "date" and len(t.children) == 2 and t.children[1].kind == "const":
        moved, by = t.children  # 申請する回の締切の3年前, 前回の交付決定日の6か月後
        amount = by.result if t.op == "+" else -by.result
        return message(lang, "date_shift.after" if amount >= 0 else "date_shift.before", date=subject(moved, lang),
                       duration=f"{abs(amount):,}{by.fact('unit') or ''}")
    return message(lang, "this_value")


def _no_round(t: Trace) -> bool:
    """Whether `t` is missing because it reads the round of a date that is in none (設立日 ≥ 締切 - 3年)."""
    return t.result is None and (t.kind == "round_of" or (t.kind == "arith" and any(_no_round(c) for c in t.children)))


def _given_key(operand: Trace, given: bool) -> str:
    """`X is given` as it was: given or not; a round's date or name there is, or the date is in no round."""
    if operand.kind == "round_of":
        return "state.round_found" if given else "state.round_not_found"
    return "state.given" if given else "state.not_given"


def _unknown(operand: Trace, need: str, lang: str, other: Trace | None = None, unknown: str = "state.unknown") -> str:
    """A condition on a value that is missing: not given (`unknown`, the key the condition's kind
    says it with), or (a round's name or date, on either side) no round."""
    key = "state.no_round" if _no_round(operand) or (other is not None and _no_round(other)) else unknown
    return message(lang, key, left=subject(operand, lang), need=need)


def _fallback_used(t: Trace) -> bool:
    return (t.kind == "fallback" and bool(t.fact("used"))) or (t.kind == "arith" and any(_fallback_used(c) for c in t.children))


def shown(t: Trace, lang: str, unit: str | None = None) -> str:
    """An operand's value as it was seen; `unit`, a count's unit its comparison gives (10者)."""
    if t.kind in ("count", "among"):
        return value(t.result, "count", lang, unit) if unit else message(lang, "items", n=t.result)
    if t.kind == "fallback":  # the stated value where the case left it out, and said so: 未入力のため0円
        if t.fact("used"):
            return message(lang, "fallback", value=shown(t.children[1], lang))
        return shown(t.children[0], lang, unit)
    return value(t.result, t.fact("kind"), lang, t.fact("unit") or unit)


def _counted(t: Trace) -> bool:
    """A number of items (of a list, of members among some) — or a bare const a count is compared with."""
    return t.kind in ("count", "among") or (t.fact("kind") == "count" and not t.fact("unit"))


def _units(left: Trace, right: Trace) -> tuple[str | None, str | None]:
    """The unit each side of a comparison of counts is said with, so that both carry the same one:
    構成員の数が9者です（10者以上…）, not 9件 against 10者; インボイス機能の数が2件で、1件以上です, not 1."""
    if not (_counted(left) and right.kind == "const" and right.fact("kind") in ("count", "number", None) and not isinstance(right.result, bool)):
        return None, None
    unit = right.fact("unit")
    if unit:
        return unit, None
    if left.kind in ("count", "among"):
        return None, "items"
    return None, None


def _need(op: str, right: Trace, lang: str, unit: str | None = None) -> str:
    """What a comparison asks for: 300人以下; against another rule's value, that value named. `unit`
    "items": a bare number of items, said with the catalogue's counter (1件)."""
    target = message(lang, "items", n=right.result) if unit == "items" and isinstance(right.result, int) else shown(right, lang)
    if right.kind != "const":
        target = message(lang, "named_value", name=subject(right, lang), value=target)
    return message(lang, _OP_KEYS[op], value=target)


def _sides(t: Trace) -> tuple[Trace, str, Trace]:
    left, right = t.children
    if left.kind == "const" and right.kind != "const":  # 300人 >= 従業員数 reads as 従業員数 <= 300人
        return right, _MIRRORED[t.op], left
    return left, t.op, right


def _members(t: Trace, lang: str) -> str:
    return message(lang, "list.separator").join(t.fact("members"))


def _member_need(t: Trace, negated: bool, lang: str) -> str:
    """One of several members (A、Bのいずれか), or the one member itself (A / A以外)."""
    members = t.fact("members")
    if len(members) == 1:
        return message(lang, "op.ne" if negated else "op.eq", value=members[0])
    return message(lang, "need.not_one_of" if negated else "need.one_of", members=_members(t, lang))


# ---------------------------------------------------------------- a condition as it was met or not
def state(t: Trace, lang: str, needed: bool = True) -> str:
    """A condition with the values it saw, as a sentence: met (資本金が1,000万円で、3億円以下です), unmet
    (what it is and what is needed) or unknown (a value not given). `needed` False: the condition is
    not one the applicant must meet (an exclusion's, or one under a `not`), so an unmet or unknown one
    says what it is, not 「…である必要があります」."""
    unmet, unknown = ("state.unmet", "state.unknown") if needed else ("state.unmet.plain", "state.unknown.plain")
    if t.kind == "compare":
        left, op, right = _sides(t)
        left_unit, right_unit = _units(left, right)
        need = _need(op, right, lang, right_unit)
        if left.result is None or right.result is None:
            if _no_round(right) and right.kind != "const":  # no value to show beside it: what it is, alone
                need = message(lang, _OP_KEYS[op], value=subject(right, lang))
            return _unknown(left, need, lang, right, unknown)
        key = "state.met" if t.result else unmet
        return message(lang, key, left=subject(left, lang), actual=shown(left, lang, left_unit), need=need)
    if t.kind == "member":
        operand = t.children[0]
        need = _member_need(t, bool(t.fact("negated")), lang)
        if operand.result is None:
            return _unknown(operand, need, lang, unknown=unknown)
        if t.result and len(t.fact("members")) == 1 and not t.fact("negated"):  # 組織形態が会社です, not …会社で、会社です
            return message(lang, "state.is", left=subject(operand, lang), actual=shown(operand, lang))
        return message(lang, "state.met" if t.result else unmet, left=subject(operand, lang), actual=shown(operand, lang), need=need)
    if t.kind == "contains":
        key = "state.contains" if t.result else "state.lacks"
        return message(lang, key, list=subject(t.children[0], lang), member=t.fact("member"))
    if t.kind == "given":
        operand = t.children[0]
        return message(lang, _given_key(operand, bool(t.result)), left=subject(operand, lang))
    if t.kind == "not" and t.children[0].kind == "given":
        operand = t.children[0].children[0]
        return message(lang, _given_key(operand, not t.result), left=subject(operand, lang))
    if t.kind in ("any_item", "all_item"):
        key = "quantified.any" if t.kind == "any_item" else "quantified.all"
        where = requirement(t.children[0], lang) if t.children else message(lang, "the_condition")
        return message(lang, key, list=label(t.label, lang), where=where, matched=len(t.fact("items")), of=t.fact("of"))
    if t.kind in ("rule", "exclusion", "step", "value", "input", "item"):
        return message(lang, "state.answer", left=label(t.label, lang) or message(lang, "this_value"),
                       answer=value(t.result, t.fact("kind"), lang, t.fact("unit")))
    if t.kind in ("any", "all", "not"):
        return requirement(t, lang)
    return message(lang, "state.answer", left=message(lang, "this_value"), answer=value(t.result, t.fact("kind"), lang))


# ---------------------------------------------------------------- a condition as a requirement
def requirement(t: Trace, lang: str, negate: bool = False) -> str:
    """What a condition asks, without the values a case gave it: 資本金が3億円以下、または従業員数が300人以下.
    `negate`: what its opposite asks."""
    if t.kind == "compare":
        left, op, right = _sides(t)
        need = _need(_NEGATED[op] if negate else op, right, lang, _units(left, right)[1])
        return message(lang, "requires", left=subject(left, lang), need=need)
    if t.kind == "member":
        need = _member_need(t, bool(t.fact("negated")) != negate, lang)
        return message(lang, "requires", left=subject(t.children[0], lang), need=need)
    if t.kind == "contains":
        return message(lang, "requires.lacks" if negate else "requires.contains", list=subject(t.children[0], lang), member=t.fact("member"))
    if t.kind == "given":
        if t.children[0].kind == "round_of":
            return message(lang, "requires.round_not_found" if negate else "requires.round_found", left=subject(t.children[0], lang))
        return message(lang, "requires.not_given" if negate else "requires.given", left=subject(t.children[0], lang))
    if t.kind == "not":
        return requirement(t.children[0], lang, not negate)
    if t.kind in ("any", "all"):
        # De Morgan: not (A or B) is (not A) and (not B)
        joined = "any" if (t.kind == "any") != negate else "all"
        parts = [requirement(c, lang, negate) for c in t.children]
        return message(lang, f"join.{joined}").join(parts)
    if t.kind in ("rule", "exclusion", "step", "input", "item", "value"):
        key = "requires.not_rule" if negate else "requires.rule"
        if t.fact("kind") not in (None, "bool"):
            return message(lang, "requires", left=label(t.label, lang), need=value(t.result, t.fact("kind"), lang, t.fact("unit")))
        return message(lang, key, rule=label(t.label, lang) or message(lang, "this_value"))
    if t.kind in ("any_item", "all_item"):
        where = requirement(t.children[0], lang) if t.children else message(lang, "the_condition")
        key = ("requires.none" if negate else "requires.some") if t.kind == "any_item" else ("requires.not_every" if negate else "requires.every")
        return message(lang, key, list=label(t.label, lang), where=where)
    return message(lang, "the_condition")


# ---------------------------------------------------------------- caps and what-ifs
def cap(c, lang: str) -> str:
    """A cap as a sentence: why it applies or not (上限は50万円です / 「…」に当たるため、上限50万円はかかりません)."""
    derived = c.limit is not None and (c.limit_trace.kind in ("arith", "round") or _fallback_used(c.limit_trace))
    why_label = label(c.condition.label, lang) if c.condition is not None else None
    if not derived and (c.condition is None or why_label):  # the usual cap: said from a few plain values, made once
        return _plain_cap(lang, c.limit, c.condition is not None, bool(c.condition is not None and c.condition.result), why_label,
                          c.active, c.binding)
    if c.limit is None:  # read only `when X is given`, and X is missing: the cap is off
        limit = message(lang, "missing")
    else:
        limit = money(c.limit, lang)
    if derived:  # a limit the case's own values set: say how
        key = "cap.derived.rounded" if c.limit_trace.result != c.limit else "cap.derived"
        limit = message(lang, key, limit=limit, derivation=derivation(c.limit_trace, lang))
    if c.condition is None:
        return message(lang, "cap.binding" if c.binding else "cap", limit=limit)
    # the condition the cap depends on, as the case met it or not: `unless X` applies when X does not hold
    holds = bool(c.condition.result)
    if why_label:
        why = message(lang, "because.rule" if holds else "because.not_rule", rule=why_label)
    else:
        said = requirement(c.condition, lang, negate=not holds)
        why = message(lang, "because.predicate" if _ends_in_a_verb(said) else "because", condition=said)
    if not c.active:
        return message(lang, "cap.inactive", why=why, limit=limit)
    return message(lang, "cap.binding.why" if c.binding else "cap.why", why=why, limit=limit)


@functools.lru_cache(maxsize=4096)
def _plain_cap(lang: str, limit, conditional: bool, holds: bool, why_label: str | None, active: bool, binding: bool) -> str:
    """cap() for a limit the case does not set and a condition, if any, with a label: the sentence
    depends on these values alone, so it is made once per policy's cap situation, not once per
    cap of every decision (a traced 2024 decision has about 25 caps, a fifth of its JSON's time)."""
    limit_text = message(lang, "missing") if limit is None else money(limit, lang)
    if not conditional:
        return message(lang, "cap.binding" if binding else "cap", limit=limit_text)
    why = message(lang, "because.rule" if holds else "because.not_rule", rule=why_label)
    if not active:
        return message(lang, "cap.inactive", why=why, limit=limit_text)
    return message(lang, "cap.binding.why" if binding else "cap.why", why=why, limit=limit_text)


_ARITH = {"+": "+", "-": "−", "×": "×", "*": "×", "/": "÷", "÷": "÷"}


def like(d, lang: str) -> str:
    """What an amount stated `like` another is: 通常枠のソフトウェアと同じ、ただし補助率が異なる. `d` is an
    AmountLike (of the tree, or of the language for `policy doc`: both have these fields)."""
    names = dict(amount=label(d.amount_label, lang) or d.amount, frame=label(d.frame_label, lang) or d.frame)
    if not d.changed:
        return message(lang, "like", **names)
    changed = message(lang, "list.separator").join(message(lang, f"like.{kind}") for kind in d.changed)
    return message(lang, "like.except", changed=changed, **names)


def derivation(t: Trace, lang: str) -> str:
    """How a computed limit came about, as arithmetic over named values: 連携経費の総額（7,791,666円）× 1/10 × 2/3."""
    if t.kind == "arith":
        left, right = t.children
        return f"{derivation(left, lang)} {_ARITH.get(t.op, t.op)} {derivation(right, lang)}"
    if t.kind == "round":
        return derivation(t.children[0], lang)
    if t.kind == "if" and len(t.children) == 2:  # (1 if … else 0): the branch taken
        return derivation(t.children[1], lang)
    if t.kind == "fallback" and not t.fact("used"):
        return derivation(t.children[0], lang)
    if t.kind == "const":
        return rate(t.result) if t.fact("kind") == "ratio" else shown(t, lang)
    return message(lang, "named_value", name=subject(t, lang), value=shown(t, lang))


def _answer(v, kind: str | None, lang: str, unit: str | None) -> str:
    """A value an applicant chose rather than typed (はい, a member, nothing yet) quoted as the page shows
    it: 「いいえ」から「はい」に; an amount, a count or a date as it is: 30人から5人に."""
    said = value(v, kind, lang, unit)
    if v is None or isinstance(v, (bool, str, tuple, list)):
        return message(lang, "quoted", value=said)
    return said


def change(c, lang: str) -> str:
    """One change of a what-if: 資本金を3億円に."""
    return message(lang, "change", field=label(c.label, lang), old=_answer(c.old, c.kind, lang, c.unit), new=_answer(c.new, c.kind, lang, c.unit))


def changes(w, lang: str) -> str:
    return message(lang, "join.and_then").join(change(c, lang) for c in w.changes)


def step_due(s, lang: str) -> str:
    """When a step is due (期限 2024年9月23日（締切の7日前）), and, for a step still to take, that the
    day had passed on the application date."""
    if s.due is None:
        return message(lang, "step_due.no_round")
    day = date(s.due, lang)
    if s.before_deadline is None:
        text = message(lang, "step_due.on", date=day)
    elif not s.before_deadline[0]:
        text = message(lang, "step_due.at_deadline", date=day)
    else:
        amount, unit = s.before_deadline
        key = "step_due.before" if amount < 0 else "step_due.after"
        text = message(lang, key, date=day, duration=f"{abs(amount):,}{unit}")
    if s.passed and not s.done:
        text = message(lang, "step_due.passed", due=text, applied=date(s.applied_on, lang))
    return text


def what_if(w, lang: str) -> str:
    """A verified what-if as a sentence."""
    facts = dict(w.facts)
    return message(lang, f"what_if.{w.kind}", changes=changes(w, lang), subsidy=yen(w.subsidy),
                   cap=money(facts.get("cap", 0), lang), floor=money(facts.get("floor", 0), lang), amount=yen(facts.get("amount", 0)))


def negated(name: str, lang: str) -> str | None:
    """A label that ends in the language's verb said as its negative (小規模事業者に該当する →
    小規模事業者に該当しない), or None where that cannot be done by its ending (then it is quoted:
    「…」に当たらない). The endings are the catalogue's."""
    for ending in ("verb", "copula"):  # …に該当する → …に該当しない; 小規模事業者である → 小規模事業者でない
        affirmative, negative = message(lang, f"{ending}.affirmative"), message(lang, f"{ending}.negative")
        if affirmative.strip() and name.endswith(affirmative):
            return name[: -len(affirmative)] + negative
    return None


def _ends_in_a_verb(said: str) -> bool:
    """Japanese that ends in kana (…されている, …含まれる, …がない) is a predicate: it takes ため where a
    noun or a limit (小規模事業者, 3億円以下, 未入力, 「…」) takes のため."""
    return unicodedata.name(said[-1:] or " ", "").startswith("HIRAGANA")


def rate_reason(b, lang: str) -> str:
    """Why a band has the rate it has, when a rule chose it: （小規模事業者のため）. Empty for a fixed rate."""
    t = b.rate_trace
    if t.kind == "if":
        condition = t.children[0]
        name = _BRACKETED.sub("", label(condition.label, lang))  # the rule's own note on how it is judged is left to its page
        if name and condition.result:
            # a label that ends in a verb (…に該当する) takes ため, a noun (小規模事業者) のため: the
            # catalogue has both forms
            predicate = unicodedata.name(name[-1], "").startswith("HIRAGANA")
            return message(lang, "rate.because" if predicate else "rate.because.noun", rule=name)
        if name:
            negative = negated(name, lang)
            if not condition.result and negative:
                return message(lang, "rate.because", rule=negative)
            return message(lang, "rate.because" if condition.result else "rate.because_not", rule=name)
        said = requirement(condition, lang, negate=not condition.result)
        return message(lang, "rate.because_condition.predicate" if _ends_in_a_verb(said) else "rate.because_condition", condition=said)
    return ""


# ---------------------------------------------------------------- citations
# A policy's source titles and citation details carry notes for its authors (where a passage was
# found: a seed file, a section of the rule catalogue, a source key); a reader gets the document
# and the passage.
_AUTHOR_NOTE = re.compile(r"rules-\d{4}\.md|\.txt\b|\bseed-\d+|shared/|\[[A-Z]\]|\[C-\d+|\bR-[A-Z]+-\d+|§\d|_|\b[a-z]{3,}")
_URL = re.compile(r"(?:https?://)?[\w.-]+\.(?:jp|com|net|org)(?:/[\w?=&./-]*)?")
_BRACKETED = re.compile(r"\s*[（(][^（）()]*[）)]")
_SEGMENT = re.compile(r"\s*[;；]\s*")


def public_text(text: str) -> str:
    """`text` less its authors' notes: a bracketed note or a `;`-separated segment that names a
    seed file, the rule catalogue or a source key is left out."""
    previous = None
    while previous != text:  # innermost brackets first: notes nest
        previous = text
        text = _BRACKETED.sub(lambda m: "" if _is_note(m.group(0)) else m.group(0).replace("(", "\0").replace(")", "\1")
                              .replace("（", "\2").replace("）", "\3"), text)
    text = text.replace("\0", "(").replace("\1", ")").replace("\2", "（").replace("\3", "）")
    kept = [segment for segment in _SEGMENT.split(text) if segment and not _is_note(segment)]
    return "; ".join(kept).strip()


def _is_note(text: str) -> bool:
    """An authors' note: a seed file, the rule catalogue, a source key, or words in lower-case Latin
    letters (a public address such as it-hojo.jp/overview is not one)."""
    return bool(_AUTHOR_NOTE.search(_URL.sub("", text)))
