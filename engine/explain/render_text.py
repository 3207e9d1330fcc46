"""Decision -> text a person reads: verdict and amount first, then reasons, the arithmetic of
every band, and the rules with the values they saw and their citations. Japanese by default;
every phrase comes from `engine.explain.messages`."""

from __future__ import annotations

from engine.evaluate.decision import AmountResult, Decision, FrameDecision, Reason, Trace
from engine.explain import sentences
from engine.explain.unmet import unmet_conditions
from engine.explain.messages import message
from engine.explain.sentences import money, public_text, yen

__all__ = ["yen", "money"]  # yen is the population report's too

def fmt(v, kind: str | None, lang: str, unit: str | None = None) -> str:
    return sentences.value(v, kind, lang, unit)


def lbl(label, lang: str) -> str:
    return sentences.label(label, lang)


def cite(c, lang: str) -> str:
    """A citation as a reader can look it up: the document's title and the passage, without the
    policy's internal source keys and notes on where the passage was found."""
    if c is None:
        return ""
    title = message(lang, "inferred") if c.key == "inferred" else public_text(c.title or "")
    shown = " ".join(part for part in (title, public_text(c.detail or "")) if part)
    return f"[{shown}]" if shown else ""


def mark(result) -> str:
    return "✓" if result else "✗"


def operand(t: Trace, lang: str) -> str:
    """A value a rule computed or read, named: 資本金: 1,000万円."""
    if t.kind == "const":
        return sentences.shown(t, lang)
    if t.kind in ("arith", "round"):  # a sum with no name of its own: how it was added up, not 「この値」
        return message(lang, "derived", derivation=sentences.derivation(t, lang), value=sentences.shown(t, lang))
    return message(lang, "state.answer", left=sentences.subject(t, lang), answer=sentences.shown(t, lang))


def condition(t: Trace, lang: str, needed: bool = True) -> str:
    """One leaf condition, with the values it saw, as a sentence (`needed`: sentences.state)."""
    return sentences.state(t, lang, needed)


def trace_lines(t: Trace, lang: str, depth: int, needed: bool = True) -> list[str]:
    """`needed`: whether a condition here is one the applicant must meet — not under an exclusion, and
    flipped by each `not` (sentences.state words an unmet one accordingly)."""
    pad = "  " * depth
    if t.kind in ("rule", "exclusion", "step", "value"):
        head = f"{pad}{mark(t.result) if t.kind != 'value' else '='} {t.name}: {lbl(t.label, lang)} {cite(t.cite, lang)}".rstrip()
        return [head] + trace_lines(t.children[0], lang, depth + 1, needed and t.kind != "exclusion")
    if t.kind in ("all", "any"):
        lines = [f"{pad}{mark(t.result)} {message(lang, 'block.' + t.kind)}:"]
        for child in t.children:
            lines += trace_lines(child, lang, depth + 1, needed)
        return lines
    if t.kind == "not":
        return [f"{pad}{mark(t.result)} {sentences.requirement(t, lang)}"] + trace_lines(t.children[0], lang, depth + 1, not needed)
    if t.kind == "cases":
        *conditions, body = t.children
        lines = []
        for c in conditions:  # which case of the rule applies: each tried as a question, not a requirement
            answer = message(lang, "branch.yes" if c.result else "branch.no", condition=sentences.requirement(c, lang))
            lines.append(f"{pad}{'→' if c.result else '·'} {answer}")
        if t.fact("branch") == "otherwise":
            lines.append(f"{pad}→ {message(lang, 'branch.otherwise')}")
        return lines + trace_lines(body, lang, depth + 1, needed)
    if t.result is True or t.result is False:
        lines = [f"{pad}{mark(t.result)} {condition(t, lang, needed)}"]
        for child in t.children:
            if child.kind in ("rule", "exclusion", "step"):
                lines += trace_lines(child, lang, depth + 1, needed)
        return lines
    return [f"{pad}= {operand(t, lang)}"]


def band_line(b, lang: str, only: bool) -> str:
    rate = sentences.rate(b.rate) + sentences.rate_reason(b, lang)
    cost, subsidy = sentences.part(b.cost, lang), sentences.part(b.subsidy, lang)
    if only:
        return f"{cost} × {rate} = {subsidy}"
    if b.limit is None:
        note = message(lang, "band.rest")
    else:
        note = message(lang, "band.subsidy" if b.measure == "subsidy" else "band.cost", limit=money(b.limit, lang))
    if b.cost == 0:
        note = f"{note}; {message(lang, 'band.unused')}"
    return f"{cost} × {rate} = {subsidy}   ({note})"


def amount_lines(a: AmountResult, lang: str, depth: int, said_like: bool = False) -> list[str]:
    """`said_like`: the amounts are a list item's after the first, whose own lines said what each is like."""
    pad = "  " * depth
    title = lbl(a.label, lang)
    if a.item_index is not None:
        title = f"{title} ({message(lang, 'item', n=a.item_index + 1)})"
    lines = []
    if a.base is not None and a.base == 0:
        return [f"{pad}{title} — {message(lang, 'cost')} 0円 → 0円"]
    if a.like is not None and a.item_index is None and not said_like:  # stated as another amount: say which, and what differs
        title = message(lang, "named_value", name=title, value=sentences.like(a.like, lang))
    if a.base is not None:
        lines.append(f"{pad}{title} — {message(lang, 'cost')} {yen(a.base)} {cite(a.cite, lang)}".rstrip())
        for b in a.bands:
            lines.append(f"{pad}  {band_line(b, lang, len(a.bands) == 1)}")
        rounded = a.unrounded is not None and a.unrounded != a.before_caps  # said only where a fraction of a yen was cut
        lines.append((f"{pad}  = {yen(a.before_caps)}" + (f" ({message(lang, 'rounded')})" if rounded else "")
                      + f" {cite(a.round_cite, lang)}").rstrip())
    else:
        lines.append(f"{pad}{title} {cite(a.cite, lang)}".rstrip())
        for child in a.parts + a.items:
            lines += amount_lines(child, lang, depth + 1, said_like or bool(a.item_index))
        lines.append(f"{pad}  {message(lang, 'total')} {yen(a.before_caps)}")
    for c in a.caps:
        text = sentences.cap(c, lang)
        lines.append(f"{pad}  {'✂ ' if c.binding else ''}{text} {cite(c.cite, lang)}".rstrip())
    for f in a.floors:
        lines.append(f"{pad}  {mark(f.met)} {message(lang, 'floor.met' if f.met else 'floor.unmet', limit=money(f.limit, lang))}")
    if a.caps:
        lines.append(f"{pad}  → {yen(a.result)}")
    return lines


def what_if_lines(f: FrameDecision, lang: str) -> list[str]:
    lines = []
    for i, w in enumerate(f.what_if):
        lead = message(lang, "what_if.or") if i and w.kind == f.what_if[i - 1].kind and w.kind != "cap_reached" else ""
        lines.append("  " + lead + sentences.what_if(w, lang))
    return lines


def fact_text(v, lang: str) -> str:
    """A reason's fact: an amount in yen, a date as a date."""
    return yen(v) if isinstance(v, int) and not isinstance(v, bool) else fmt(v, None, lang)


def reason_lines(r: Reason, lang: str) -> list[str]:
    facts = {k: fact_text(v, lang) for k, v in r.facts}
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
    applied = sentences.date(d.applied_on, lang)
    if d.round is not None:
        closes = sentences.date(d.deadline, lang) + (f" {d.time:%H:%M}" if d.time else "")
        return [f"{message(lang, 'deadline')}: " + message(lang, "deadline.round", applied_on=applied, round=d.round, deadline=closes)]
    if d.unknown:
        return [f"{message(lang, 'deadline')}: " + message(lang, "deadline.unknown_round", applied_on=applied)]
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
    if f.step_dues:
        lines.append(f" {message(lang, 'step_dues')}:")
        lines += [f"  {'⚠' if s.passed and not s.done else mark(True) if s.done else '□'} {lbl(s.label, lang)}: {sentences.step_due(s, lang)} "
                  f"{cite(s.cite, lang)}".rstrip() for s in f.step_dues]
    if f.uncovered:
        lines.append(f" {message(lang, 'uncovered')}:")
        for u in f.uncovered:
            lines.append("  - " + uncovered_text(u, lang))
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


def uncovered_text(u, lang: str) -> str:
    """An expense a frame does not cover: its values, in yen where they are yen."""
    return message(lang, "list.separator").join(f"{k} {fact_text(v, lang)}" for k, v in u.values if v is not None)


def selection(chosen: dict, lang: str) -> str:
    """Which policy year effective dating picked, and why."""
    import datetime

    def day(text):
        return sentences.date(datetime.date.fromisoformat(str(text)), lang)

    key = "selected.default" if chosen["chosen_by"].get("default") else "selected"
    date = chosen["chosen_by"]["date"]
    return message(lang, key, folder=chosen["folder"], programme=chosen["programme"], start=day(chosen["in_force"][0]),
                   end=day(chosen["in_force"][1]), field=chosen["chosen_by"]["field"], date=day(date) if date else date)


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
