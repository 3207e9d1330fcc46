"""The self-check page's plan over a partial case (engine/explain/relevance.py decides what can still
matter): which questions to ask, in the page's order, and the placeholders a required question not
asked gets before the case is read."""

from __future__ import annotations

import attrs

from engine.tree import nodes as tree
from engine.explain.relevance import FrameOutcome, Knowledge, frames_asked, needed, outcomes


def question_paths(policy: tree.Policy) -> list[tuple[tree.Group, tree.Field, str]]:
    return [(g, f, f"{g.name}.{f.name}" if g.name else f.name) for g in policy.groups for f in g.fields]


def read_partial(policy: tree.Policy, raw: dict) -> Knowledge:
    """The answers a partial case gives: each field present and readable is known (an unreadable
    one stays open); fields absent are open. Nothing is filled in."""
    from engine.evaluate.case import _Reader

    values: dict = {}
    known: set[str] = set()
    raw = raw if isinstance(raw, dict) else {}
    for g, f, path in question_paths(policy):
        holder = raw.get(g.name) if g.name else raw
        if not isinstance(holder, dict) or f.name not in holder or holder[f.name] is None:
            continue
        reader = _Reader(policy)
        value = reader.value((g.name, f.name) if g.name else (f.name,), holder[f.name], f)
        if reader.problems:
            continue
        (values.setdefault(g.name, {}) if g.name else values)[f.name] = value
        known.add(path)
    return Knowledge(values=values, known=frozenset(known))


def submitted(policy: tree.Policy, raw: dict, not_asked) -> Knowledge:
    """What a submitted case fixes: every field, as the case reader reads it (an absent optional
    field is None, an absent field with a default its default), except the questions not asked."""
    k = read_partial(policy, raw)
    values = {g: dict(v) if isinstance(v, dict) else v for g, v in k.values.items()}
    known = set(k.known)
    for g, f, path in question_paths(policy):
        if path in known or path in not_asked:
            continue
        if f.optional or f.default is not None:
            (values.setdefault(g.name, {}) if g.name else values)[f.name] = None if f.optional else f.default
            known.add(path)
    return Knowledge(values=values, known=frozenset(known))


@attrs.frozen
class Plan:
    asked: tuple[str, ...]  # in the order given
    not_asked: tuple[str, ...]
    frames: tuple[str, ...]  # the frames the case asks for
    decided: tuple[FrameOutcome, ...]  # every asked frame, given the answers to the questions asked


def plan(policy: tree.Policy, raw: dict, order: list[str], check_dates: bool = True) -> Plan:
    """Which of `order`'s questions to ask: each one is asked when, given the answers to the
    questions asked before it, some frame's outcome may still depend on it."""
    raw = raw if isinstance(raw, dict) else {}
    frames = frames_asked(policy, raw.get("frame"))
    answers = read_partial(policy, raw)
    fields = {path: (g, f) for g, f, path in question_paths(policy)}
    values: dict = {}
    known: set[str] = set()
    asked, not_asked = [], []
    still = needed(policy, Knowledge(values={}, known=frozenset()), frames, check_dates)
    for path in order:
        if path in still:
            asked.append(path)
            if path in answers.known:
                g, f = fields[path]
                src = answers.values.get(g.name) if g.name else answers.values
                (values.setdefault(g.name, {}) if g.name else values)[f.name] = src[f.name]
                known.add(path)
                still = needed(policy, Knowledge(values=values, known=frozenset(known)), frames, check_dates)
        else:
            not_asked.append(path)
    final = Knowledge(values=values, known=frozenset(known))
    return Plan(asked=tuple(asked), not_asked=tuple(not_asked), frames=tuple(f.name for f in frames),
                decided=tuple(outcomes(policy, final, frames, check_dates)))


_FILL = {"yen": 0, "count": 0, "ratio": "0", "bool": False, "date": "2000-01-01"}


def filler(policy: tree.Policy, f: tree.Field):
    """A valid JSON value for a required question that was not asked (any value gives the same outcome)."""
    if f.kind == "list":
        return []
    if f.kind == "enum":
        return policy.enums[f.type_name].members[0][0]
    return _FILL[f.kind]


def placeholders(policy: tree.Policy, raw: dict, not_asked) -> dict[str, object]:
    """A valid value for each required question not asked and absent from `raw`, by path (the case
    reader needs them; `plan` has shown that no value of theirs can change a frame's status or subsidy)."""
    out = {}
    for g, f, path in question_paths(policy):
        if path not in not_asked or f.optional or f.default is not None:
            continue
        holder = raw.get(g.name) if g.name else raw
        if not isinstance(holder, dict) or holder.get(f.name) is None:
            out[path] = filler(policy, f)
    return out


def complete(policy: tree.Policy, raw: dict, not_asked) -> dict:
    """`raw` with the placeholders of `placeholders` put in (a copy)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    fields = {path: (g, f) for g, f, path in question_paths(policy)}
    for path, value in placeholders(policy, raw, not_asked).items():
        g, f = fields[path]
        holder = out.setdefault(g.name, {}) if g.name else out
        if isinstance(holder, dict):
            holder[f.name] = value
    return out
