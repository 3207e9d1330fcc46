"""Which questions the self-check page asks, in which order — derived from the evaluation tree,
never written per programme. Each input field is placed by what reads it:

* gate   — read by an exclusion, or by requirements of most frames (who may apply);
* cost   — a list of records some amount is computed from (the expenses, a group's members);
* frame  — read by the requirements of some frames only (asked once the frame is known);
* step   — read only by steps (it changes "eligible" to "eligible once the steps are done");
* unused — read by nothing: never asked, since no answer can change the result.

A field also carries the frames that read it (the page's fallback when the server cannot say which
questions are still relevant: it then hides, once a frame is named, the questions only other frames
read). Which questions are asked, given the answers so far, is engine/explain/relevance.py's."""

from __future__ import annotations

import attrs

from engine.tree import nodes as tree

STAGES = ("gate", "frame", "cost", "step")


@attrs.frozen
class Question:
    path: str  # 申請者.業種, 経費, 申請日
    group: tree.Group
    field: tree.Field
    stage: str
    frames: frozenset[str]  # the frames whose decision reads it


def _inputs(node, policy: tree.Policy, memo: dict, seen: set) -> set[str]:
    """Every input path (dotted) a node reads, following named definitions."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tree.Input):
            out.add(".".join(n.path))
        elif isinstance(n, tree.DefRef):
            if n.name not in memo and n.name not in seen:
                seen.add(n.name)
                memo[n.name] = _inputs(policy.definitions[n.name].body, policy, memo, seen)
            out |= memo.get(n.name, set())
            continue
        if isinstance(n, (tuple, list)):
            stack.extend(n)
        elif attrs.has(type(n)):
            stack.extend(getattr(n, a.name) for a in attrs.fields(type(n)) if a.name not in ("origin", "label", "cite", "help"))
    return out


def _reads(policy: tree.Policy, names, memo) -> set[str]:
    out = set()
    for name in names:
        out |= _inputs(tree.DefRef(name=name, kind="bool", origin=None), policy, memo, set())
    return out


def questions(policy: tree.Policy) -> list[Question]:
    memo: dict = {}
    gate_votes: dict[str, int] = {}
    readers: dict[str, dict[str, set]] = {}  # path -> role -> frames
    for frame in policy.frames:
        roles = {"exclusion": _reads(policy, frame.exclusions, memo), "requirement": _reads(policy, frame.requires, memo),
                 "step": _reads(policy, frame.steps, memo),
                 "cost": _inputs(frame.amount, policy, memo, set()) | (_inputs(frame.covers, policy, memo, set()) if frame.covers else set())}
        for role, paths in roles.items():
            for p in paths:
                readers.setdefault(p, {}).setdefault(role, set()).add(frame.name)
    for p, roles in readers.items():
        gate_votes[p] = len(roles.get("requirement", set()))
    majority = len(policy.frames) / 2
    applied_on = ".".join(policy.applied_on.path) if policy.applied_on else None
    out = []
    for g in policy.groups:
        for f in g.fields:
            path = f"{g.name}.{f.name}" if g.name else f.name
            roles = readers.get(path, {})
            frames = frozenset().union(*roles.values()) if roles else frozenset()
            if path == applied_on:
                stage, frames = "gate", frozenset(fr.name for fr in policy.frames)  # it picks the year and the round
            elif f.kind == "list" and f.element == "record" and "cost" in roles:
                stage = "cost"
            elif "exclusion" in roles or gate_votes.get(path, 0) > majority:
                stage = "gate"
            elif "requirement" in roles:
                stage = "frame"
            elif "step" in roles:
                stage = "step"
            elif "cost" in roles:
                stage = "cost"
            else:
                continue  # read by nothing: no answer can change the result
            out.append(Question(path=path, group=g, field=f, stage=stage, frames=frames))
    order = {s: i for i, s in enumerate(STAGES)}
    # stable: the policy's own order within a stage; the application date first (it picks the year)
    return sorted(out, key=lambda q: (order[q.stage], q.path != applied_on))
