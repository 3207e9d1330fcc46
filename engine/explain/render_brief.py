"""Decision -> the brief text an author reviews after a change (`policy eval --format brief`, and
the snapshot of every example under tests/snapshots/).

Only what decides: per frame the status and subsidy, each unmet condition by its rule's name with
the values seen, the what-ifs, the steps still to take, the round, and — for a frame that pays —
the arithmetic of every band and cap. No citation, no source position, nothing that a comment, a
blank line or a reordering of definitions could change; a rule is named by its name."""

from __future__ import annotations

from engine.evaluate.decision import AmountResult, Decision, FrameDecision, Reason, NOT_ELIGIBLE
from engine.explain.messages import message
from engine.explain import sentences
from engine.explain.render_text import band_line, condition, deadline_lines, fact_text, lbl, uncovered_text, what_if_lines, yen
from engine.explain.unmet import unmet_conditions


def _reason(r: Reason, lang: str) -> tuple[str, list[str]]:
    """`✗ 要件 <rule name>: <the condition that failed, with its values>`; more than one condition on
    lines of their own. A reason with no rule behind it (floor, deadline) is its message."""
    if r.trace is None or r.kind not in ("requirement", "exclusion"):
        facts = {k: fact_text(v, lang) for k, v in r.facts}
        line = f" ✗ {message(lang, f'reason.{r.kind}', label=lbl(r.label, lang), **facts)}"
        return line, [line]
    head = f" ✗ {message(lang, f'brief.{r.kind}')} {r.name or lbl(r.label, lang)}"
    conditions = [_condition(c, lang) for c in unmet_conditions(r.trace, want=r.kind != "exclusion")]
    if len(conditions) == 1:
        return head, [f"{head}: {conditions[0]}"]
    return head, [head] + [f"     {c}" for c in conditions]


def _condition(c, lang: str) -> str:
    """As the explanation words it, but a condition over a list's items by its count alone: the rule's
    name already says which items (`✗ 要件 ソフトウェアを含む: 1件中0件`)."""
    if c.kind in ("any_item", "all_item"):
        return message(lang, "brief.items", matched=len(c.fact("items")), of=c.fact("of"))
    return condition(c, lang)


def _amount(a: AmountResult, lang: str, depth: int) -> list[str]:
    """The arithmetic, as render_text gives it, less citations and parts that cost nothing."""
    pad = "  " * depth
    title = lbl(a.label, lang)
    if a.item_index is not None:
        title = f"{title} ({message(lang, 'item', n=a.item_index + 1)})"
    if a.base is not None and a.base == 0:
        return []
    lines = []
    if a.base is not None:
        lines.append(f"{pad}{title}: {message(lang, 'cost')} {yen(a.base)}")
        lines += [f"{pad}  {band_line(b, lang, len(a.bands) == 1)}" for b in a.bands if len(a.bands) == 1 or b.cost]
        if a.unrounded != a.before_caps:
            lines.append(f"{pad}  = {yen(a.before_caps)} ({message(lang, 'rounded')})")
    else:
        if len(a.parts) + len(a.items) > 1 or a.caps:
            lines.append(f"{pad}{title}: {message(lang, 'total')} {yen(a.before_caps)}")
        for child in a.parts:
            lines += _amount(child, lang, depth + 1)
        lines += _items(a.items, lang, depth + 1)
    for c in a.caps:
        if not c.binding:
            continue  # a cap that did not lower the amount decides nothing (a change to it moves no decision)
        lines.append(f"{pad}  ✂ {sentences.cap(c, lang)}")
    lines += [f"{pad}  ✗ {message(lang, 'floor.unmet', limit=sentences.money(f.limit, lang))}" for f in a.floors if not f.met]
    return lines


def _items(items: tuple[AmountResult, ...], lang: str, depth: int) -> list[str]:
    """List items computed alike are shown once: ten identical members are one block, not ten."""
    lines: list[str] = []
    previous, run = None, []
    for item in items + (None,):
        body = _amount(item, lang, depth)[1:] if item is not None else None
        if body is not None and body == previous:
            run.append(item)
            continue
        if len(run) > 1:
            first, last = run[1].item_index + 1, run[-1].item_index + 1
            span = str(first) if first == last else f"{first}〜{last}"
            lines.append(f"{'  ' * depth}({message(lang, 'same_as_above', items=span)})")
        if item is not None:
            lines += _amount(item, lang, depth)
        previous, run = body, [item]
    return lines


def frame_lines(f: FrameDecision, lang: str, seen: set | None = None) -> list[str]:
    """`seen` holds the reasons already shown in full for an earlier frame: they get their head line only."""
    seen = set() if seen is None else seen
    head = f"{lbl(f.label, lang)}: {message(lang, f'status.{f.status}')}"
    if f.status != NOT_ELIGIBLE:
        head += f" — {message(lang, 'subsidy')} {yen(f.subsidy)}"
    lines = [head]
    # `exclusions all` lists the exclusions in the order they are defined: sorted by name here, so
    # moving a definition within its file changes nothing an author reviews
    reasons = [r for r in f.reasons if r.kind != "exclusion"] + sorted((r for r in f.reasons if r.kind == "exclusion"),
                                                                       key=lambda r: r.name or "")
    for r in reasons:
        head, block = _reason(r, lang)
        lines += [f"{head} {message(lang, 'brief.as_above')}"] if tuple(block) in seen and block != [head] else block
        seen.add(tuple(block))
    dues = {s.name: s for s in f.step_dues}
    lines += [f" □ {lbl(t.label, lang)}" + (f" — {sentences.step_due(dues[t.name], lang)}" if t.name in dues else "")
              for t in f.pending_steps]
    if f.what_if:
        lines.append(f" {message(lang, 'brief.what_if')}:")
        lines += [" " + line for line in what_if_lines(f, lang)]
    if f.status == NOT_ELIGIBLE:
        return lines  # what it would have paid, and when, decides nothing
    if f.uncovered:
        lines.append(f" {message(lang, 'uncovered')}: " + "; ".join(uncovered_text(u, lang) for u in f.uncovered))
    lines += [f" {line}" for line in deadline_lines(f, lang)]
    return lines + _amount(f.amount, lang, 1)


def decision(d: Decision, lang: str = "ja") -> str:
    lines = [f"{d.programme}"]
    if d.best_frame:
        best = next(f for f in d.frames if f.name == d.best_frame)
        lines.append(f"{message(lang, 'best_frame')}: {lbl(best.label, lang)} {yen(best.subsidy)}")
    else:
        lines.append(message(lang, "no_frame"))
    seen: set = set()
    for f in d.frames:
        lines += frame_lines(f, lang, seen)
    return "\n".join(lines) + "\n"
