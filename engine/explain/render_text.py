"""Decision -> text a person reads: verdict and amount first, then reasons, the arithmetic of
every band, and the rules with the values they saw and their citations. Japanese by default;
every phrase comes from `engine.explain.messages`."""

from __future__ import annotations

import datetime
from fractions import Fraction

from engine.evaluate.decision import AmountResult, Decision, FrameDecision, Reason, Trace
from engine.explain.unmet import unmet_conditions
from engine.explain.messages import message

_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_UNITS = {"yen": "円", "count": "人"}


def yen(v) -> str:
    if isinstance(v, Fraction) and v.denominator != 1:
        whole, rest = divmod(v, 1)
        return f"{int(whole):,} {rest.numerator}/{rest.denominator}円"
    return f"{int(v):,}円"


def fmt(v, kind: str | None, lang: str, unit: str | None = None) -> str:
    if v is None:
        return message(lang, "missing")
    if isinstance(v, bool):
        return message(lang, "yes" if v else "no")
    if kind == "yen" or (kind is None and isinstance(v, int)):
        return yen(v)
    if kind in ("count", "number"):
        return f"{int(v):,}{unit or ''}" if isinstance(v, int) else f"{v}{unit or ''}"
    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}" if v.denominator != 1 else str(v.numerator)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (tuple, list)):
        return "{" + ", ".join(str(x) for x in v) + "}"
    return str(v)


def lbl(label, lang: str) -> str:
    if label is None:
        return ""
    return (label.en or label.ja) if lang == "en" else label.ja


def cite(c, lang: str) -> str:
    if c is None:
        return ""
    title = message(lang, "inferred") if c.key == "inferred" else c.key
    return f"[{title}{' ' + c.detail if c.detail else ''}]"


def mark(result) -> str:
    return "✓" if result else "✗"


def operand(t: Trace, lang: str) -> str:
    kind = t.fact("kind")
    shown = fmt(t.result, kind, lang, t.fact("unit"))
    if t.kind in ("input", "item"):
        return f"{lbl(t.label, lang)} {shown}"
    if t.kind == "table":
        return f"{shown} ({lbl(t.label, lang)}.{t.fact('column')}, {t.fact('key')})"
    if t.kind in ("rule", "value"):
        return f"{lbl(t.label, lang)} {shown}"
    if t.kind == "total":
        return f"{message(lang, 'total_of', list=lbl(t.label, lang), field=t.fact('field'))} {yen(t.result) if kind == 'yen' else shown}"
    if t.kind == "count":
        return f"{message(lang, 'count', list=lbl(t.label, lang))} {t.result}"
    if t.kind == "among":
        members = "・".join(t.fact("members"))
        return f"{message(lang, 'among', list=lbl(t.label, lang), members=members)} {t.result} ({'・'.join(t.fact('present')) or '-'})"
    if t.kind == "const":
        return shown
    return f"{t.origin.text} = {shown}" if t.origin else shown


def condition(t: Trace, lang: str) -> str:
    """One leaf condition, with the values it saw."""
    if t.kind == "compare":
        left, right = t.children
        # a failed comparison shows the relation the case actually has: 従業員数 301人 > 300人
        known = left.result is not None and right.result is not None
        op = _NEGATED[t.op] if t.result is False and known else t.op
        return f"{operand(left, lang)} {_OPS[op]} {operand(right, lang)}"
    if t.kind == "member":
        # as a comparison does: a failed test shows the relation the case has (会社 ∉ {商工会等})
        inside = not t.fact("negated") if t.result is not False else bool(t.fact("negated"))
        sign = "∈" if inside else "∉"
        return f"{operand(t.children[0], lang)} {sign} {{{', '.join(t.fact('members'))}}}"
    if t.kind == "contains":
        return f"{lbl(t.children[0].label, lang)} ∋ {t.fact('member')}"
    if t.kind == "given":
        return f"{lbl(t.children[0].label, lang)}: {fmt(t.children[0].result, t.children[0].fact('kind'), lang)}"
    if t.kind in ("rule", "exclusion", "step", "value", "input", "item"):
        return f"{lbl(t.label, lang) or t.name}: {fmt(t.result, t.fact('kind'), lang)}"
    if t.kind in ("any_item", "all_item"):
        key = "quantified.any" if t.kind == "any_item" else "quantified.all"
        return message(lang, key, list=lbl(t.label, lang), where=t.fact("where"), matched=len(t.fact("items")), of=t.fact("of"))
    return t.origin.text if t.origin else t.kind


def trace_lines(t: Trace, lang: str, depth: int) -> list[str]:
    pad = "  " * depth
    if t.kind in ("rule", "exclusion", "step", "value"):
        head = f"{pad}{mark(t.result) if t.kind != 'value' else '='} {t.name}: {lbl(t.label, lang)} {cite(t.cite, lang)}".rstrip()
        return [head] + trace_lines(t.children[0], lang, depth + 1)
    if t.kind in ("all", "any"):
        lines = [f"{pad}{mark(t.result)} {message(lang, 'block.' + t.kind)}:"]
        for child in t.children:
            lines += trace_lines(child, lang, depth + 1)
        return lines
    if t.kind == "not":
        return [f"{pad}{mark(t.result)} {message(lang, 'block.not')}:"] + trace_lines(t.children[0], lang, depth + 1)
    if t.kind == "cases":
        *conditions, body = t.children
        lines = []
        for c in conditions:
            lines.append(f"{pad}{'→' if c.result else '·'} {condition(c, lang)}")
        if t.fact("branch") == "otherwise":
            lines.append(f"{pad}→ {message(lang, 'branch.otherwise')}")
        return lines + trace_lines(body, lang, depth + 1)
    if t.result is True or t.result is False:
        lines = [f"{pad}{mark(t.result)} {condition(t, lang)}"]
        for child in t.children:
            if child.kind in ("rule", "exclusion", "step"):
                lines += trace_lines(child, lang, depth + 1)
        return lines
    return [f"{pad}= {operand(t, lang)}"]


def band_line(b, lang: str, only: bool) -> str:
    if only:
        return f"{yen(b.cost)} × {fmt(b.rate, 'ratio', lang)} = {yen(b.subsidy)}"
    if b.limit is None:
        note = message(lang, "band.rest")
    else:
        note = message(lang, "band.subsidy" if b.measure == "subsidy" else "band.cost", limit=yen(b.limit))
    if b.cost == 0:
        note = f"{note}; {message(lang, 'band.unused')}"
    return f"{yen(b.cost)} × {fmt(b.rate, 'ratio', lang)} = {yen(b.subsidy)}   ({note})"


def amount_lines(a: AmountResult, lang: str, depth: int) -> list[str]:
    pad = "  " * depth
    title = lbl(a.label, lang)
    if a.item_index is not None:
        title = f"{title} ({message(lang, 'item', n=a.item_index + 1)})"
    lines = []
    if a.base is not None and a.base == 0:
        return [f"{pad}{title} — {message(lang, 'cost')} 0円 → 0円"]
    if a.base is not None:
        lines.append(f"{pad}{title} — {message(lang, 'cost')} {yen(a.base)} {cite(a.cite, lang)}".rstrip())
        for b in a.bands:
            lines.append(f"{pad}  {band_line(b, lang, len(a.bands) == 1)}")
        if a.unrounded != a.before_caps:
            lines.append(f"{pad}  {yen(a.unrounded)} → {yen(a.before_caps)} ({message(lang, 'rounded')})")
        else:
            lines.append(f"{pad}  = {yen(a.before_caps)}" + (f" ({message(lang, 'rounded')})" if a.rounded_down else ""))
    else:
        lines.append(f"{pad}{title} {cite(a.cite, lang)}".rstrip())
        for child in a.parts + a.items:
            lines += amount_lines(child, lang, depth + 1)
        lines.append(f"{pad}  {message(lang, 'total')} {yen(a.before_caps)}")
    for c in a.caps:
        limit = yen(c.limit)
        condition_note = ""
        if c.condition is not None:
            key = "cap.condition.unless" if c.negated else "cap.condition.when"
            condition_note = f" — {message(lang, key, label=lbl(c.condition.label, lang) or c.condition.origin.text)}"
        if not c.active:
            text = message(lang, "cap.inactive", limit=limit)
        elif c.binding:
            text = f"✂ {message(lang, 'cap.binding', limit=limit)}"
        else:
            text = f"≤ {message(lang, 'cap', limit=limit)}"
        lines.append(f"{pad}  {text}{condition_note} {cite(c.cite, lang)}".rstrip())
    for f in a.floors:
        lines.append(f"{pad}  {mark(f.met)} {message(lang, 'floor.met' if f.met else 'floor.unmet', limit=yen(f.limit))}")
    if a.caps:
        lines.append(f"{pad}  → {yen(a.result)}")
    return lines


def change_text(c, lang: str) -> str:
    return f"{lbl(c.label, lang)} {fmt(c.old, c.kind, lang, c.unit)} → {fmt(c.new, c.kind, lang, c.unit)}"


def what_if_lines(f: FrameDecision, lang: str) -> list[str]:
    lines = []
    for i, w in enumerate(f.what_if):
        facts = dict(w.facts)
        changes = "、".join(change_text(c, lang) for c in w.changes) if lang == "ja" else "; ".join(change_text(c, lang) for c in w.changes)
        key = f"what_if.{w.kind}"
        lead = message(lang, "what_if.or") if i and w.kind == f.what_if[i - 1].kind and w.kind != "cap_reached" else ""
        lines.append("  " + lead + message(lang, key, changes=changes, subsidy=yen(w.subsidy), cap=yen(facts.get("cap", 0)),
                                           floor=yen(facts.get("floor", 0)), amount=yen(facts.get("amount", 0))))
    return lines


def reason_lines(r: Reason, lang: str) -> list[str]:
    facts = {k: (yen(v) if isinstance(v, int) and not isinstance(v, bool) else fmt(v, None, lang)) for k, v in r.facts}
    text = message(lang, f"reason.{r.kind}", label=lbl(r.label, lang), **facts)
    lines = [f"  ✗ {text} {cite(r.cite, lang)}".rstrip()]
    if r.trace is not None:
        for c in unmet_conditions(r.trace, want=r.kind != "exclusion"):
            lines.append(f"      {condition(c, lang)}")
    return lines


def deadline_lines(f: FrameDecision, lang: str) -> list[str]:
    d = f.deadline
    if d is None:
        return []
    if d.applied_on is None:
        return [f"{message(lang, 'deadline')}: {message(lang, 'deadline.unchecked')}"]
    if d.round is not None:
        closes = f"{d.deadline} {d.time:%H:%M}" if d.time else str(d.deadline)
        return [f"{message(lang, 'deadline')}: " + message(lang, "deadline.round", applied_on=d.applied_on, round=d.round, deadline=closes)]
    if d.unknown:
        return [f"{message(lang, 'deadline')}: " + message(lang, "deadline.unknown_round", applied_on=d.applied_on)]
    return []


def frame_lines(f: FrameDecision, lang: str, full: bool) -> list[str]:
    status = message(lang, f"status.{f.status}")
    head = f"{lbl(f.label, lang)}: {status}"
    if f.status != "not_eligible":
        head += f" — {message(lang, 'subsidy')} {yen(f.subsidy)}"
    lines = [head]
    if f.reasons:
        lines.append(f" {message(lang, 'reasons')}:")
        for r in f.reasons:
            lines += reason_lines(r, lang)
    if f.what_if:
        lines.append(f" {message(lang, 'what_if')}:")
        lines += what_if_lines(f, lang)
    if f.pending_steps:
        lines.append(f" {message(lang, 'pending_steps')}:")
        lines += [f"  □ {lbl(t.label, lang)} {cite(t.cite, lang)}".rstrip() for t in f.pending_steps]
    if f.uncovered:
        lines.append(f" {message(lang, 'uncovered')}:")
        for u in f.uncovered:
            lines.append("  - " + ", ".join(f"{k} {yen(v) if isinstance(v, int) and not isinstance(v, bool) else v}" for k, v in u.values if v is not None))
    lines += [f" {line}" for line in deadline_lines(f, lang)]
    lines.append(f" {message(lang, 'amount')}:")
    lines += amount_lines(f.amount, lang, 1)
    lines.append(f" {message(lang, 'requirements')}:")
    for t in f.requirements:
        if full:
            lines += trace_lines(t, lang, 1)
        else:
            lines.append(f"  {mark(t.result)} {lbl(t.label, lang)} {cite(t.cite, lang)}".rstrip())
    if f.exclusions:
        applied = [t for t in f.exclusions if t.result]
        lines.append(f" {message(lang, 'exclusions')}: {message(lang, 'exclusions.none') if not applied else ''}".rstrip())
        for t in applied:
            lines += trace_lines(t, lang, 1) if full else [f"  ✗ {lbl(t.label, lang)} {cite(t.cite, lang)}".rstrip()]
    if f.steps:
        lines.append(f" {message(lang, 'steps')}:")
        lines += [f"  {mark(t.result)} {lbl(t.label, lang)}" for t in f.steps]
    return lines


def selection(chosen: dict, lang: str) -> str:
    """Which policy year effective dating picked, and why."""
    key = "selected.default" if chosen["chosen_by"].get("default") else "selected"
    return message(lang, key, folder=chosen["folder"], programme=chosen["programme"], start=chosen["in_force"][0],
                   end=chosen["in_force"][1], field=chosen["chosen_by"]["field"], date=chosen["chosen_by"]["date"])


def decision(d: Decision, lang: str = "ja", full: bool = False) -> str:
    """The explanation; `full` adds every rule's trace with the values each condition saw."""
    lines = [f"{d.programme}" + (f" — {d.title}" if d.title else "")]
    if d.best_frame:
        ranked = sorted((f for f in d.frames if f.status != "not_eligible"), key=lambda f: -f.subsidy)
        best, others = ranked[0], ranked[1:]
        why = ""
        if others:
            why = " " + message(lang, "best_frame.why", others="、".join(f"{lbl(f.label, lang)} {yen(f.subsidy)}" for f in others))
        lines.append(f"{message(lang, 'best_frame')}: {lbl(best.label, lang)} {yen(best.subsidy)}{why}")
    else:
        lines.append(message(lang, "no_frame"))
    for f in d.frames:
        lines.append("")
        lines += frame_lines(f, lang, full)
    return "\n".join(lines) + "\n"
