"""Which parts of a policy a corpus of cases reached: rules with both outcomes, table rows, tier
bands, caps that bound, floors on both sides and `X or 0円` with X given and not — per file and
line, with a percentage."""

from __future__ import annotations

from collections import defaultdict

import attrs

from engine.tree import nodes as tree
from engine.evaluate.decision import AmountResult, Decision, Trace
from engine.evaluate.evaluator import definition_results


@attrs.frozen
class Item:
    file: str
    line: int
    what: str  # rule 中小企業 / row 製造業 of 中小企業の範囲 / band 2 of ソフトウェア等 / cap 3,500,000円 of …
    needs: str  # what a case must do to reach it ("true and false", "looked up", "cost in the band", "binding", "met and unmet",
    #             "given and not given")


@attrs.define
class Coverage:
    items: list
    reached: set = attrs.field(factory=set)
    seen: dict = attrs.field(factory=lambda: defaultdict(set))

    def missing(self) -> list[Item]:
        return [i for i in self.items if i not in self.reached]

    def by_file(self) -> dict[str, tuple[int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for i in self.items:
            totals[i.file][1] += 1
            totals[i.file][0] += i in self.reached
        return {f: (r, t) for f, (r, t) in sorted(totals.items())}


def _leaf_amounts(a: tree.Amount, frame: str, path=()):
    path = path + (a.name,)
    if a.parts:
        for p in a.parts:
            yield from _leaf_amounts(p, frame, path)
    yield frame, path, a


def items_of(policy: tree.Policy) -> dict:
    """Every coverable item, keyed by what identifies it in a decision."""
    items = {}
    for name, d in policy.definitions.items():
        if d.kind != "value":
            items[("def", name)] = Item(d.origin.file, d.origin.line, f"{d.kind} {name}", "true and false")
    for name, t in policy.tables.items():
        for member, line in t.row_lines.items():
            items[("row", name, member)] = Item(t.origin.file, line, f"row {member} of {name}", "looked up")
    for f in policy.frames:
        for frame, path, a in _leaf_amounts(f.amount, f.name):
            label = " / ".join(path)
            for i, band in enumerate(a.bands):
                if len(a.bands) > 1:
                    items[("band", frame, path, i)] = Item(band.origin.file, band.origin.line, f"band {i + 1} of {label}", "cost in the band")
            for cap in a.caps:
                items[("cap", frame, path, cap.origin.line)] = Item(cap.origin.file, cap.origin.line, f"cap of {label}", "binding")
            for floor in a.floors:
                items[("floor", frame, path, floor.origin.line)] = Item(floor.origin.file, floor.origin.line, f"floor of {label}", "met and unmet")
    for node in _nodes((tuple(policy.definitions.values()), policy.frames)):
        if isinstance(node, tree.Fallback):
            o = node.origin
            items[("fallback", o.file, o.line, o.text)] = Item(o.file, o.line, f"`{o.text}`", "given and not given")
    return items


def _nodes(root):
    """Every tree node under `root` (attrs nodes, and tuples of them), without recursion."""
    stack = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, (tuple, list)):
            stack.extend(n)
        elif attrs.has(type(n)):
            yield n
            stack.extend(getattr(n, f.name) for f in attrs.fields(type(n)))


def _fallbacks(t: Trace, found: set) -> set:
    """(origin, whether the stated value stood in) of every `X or 0円` a trace went through."""
    stack = [t]
    while stack:
        t = stack.pop()
        if t.kind == "fallback":
            found.add((t.origin.file, t.origin.line, t.origin.text, bool(t.fact("used"))))
        stack.extend(t.children)
    return found


def _tables(t: Trace, found: set) -> set:
    if t.kind == "table" and t.fact("key") is not None:
        found.add((t.name, t.fact("key")))
    for c in t.children:
        _tables(c, found)
    return found


def _amounts(a: AmountResult, frame: str, path=()):
    path = path + (a.name,)
    yield frame, path, a
    for child in a.parts:
        yield from _amounts(child, frame, path)
    for item in a.items:  # `for each`: every member's result under the same path
        yield frame, path, item
        for child in item.parts:
            yield from _amounts(child, frame, path)


def record(cov: Coverage, keys: dict, policy: tree.Policy, case: dict, decision: Decision) -> None:
    """Add what one case reached."""
    for name, result in definition_results(policy, case).items():
        cov.seen[("def", name)].add(bool(result))
    traces = [t for f in decision.frames for t in f.requirements + f.exclusions + f.steps]
    for f in decision.frames:
        for _, _, a in _amounts(f.amount, f.name):
            traces += [b.rate_trace for b in a.bands] + [c.condition for c in a.caps if c.condition is not None]
    rows, fallbacks = set(), set()
    for t in traces:
        _tables(t, rows)
    for f in decision.frames:  # a fallback may also be in what an amount is computed from
        for _, _, a in _amounts(f.amount, f.name):
            traces += [a.base_trace] if a.base_trace is not None else []
            traces += [c.limit_trace for c in a.caps if c.limit_trace is not None]
    for t in traces:
        _fallbacks(t, fallbacks)
    for file, line, text, used in fallbacks:
        cov.seen[("fallback", file, line, text)].add(used)
    for table, member in rows:
        cov.seen[("row", table, member)].add(True)
    for f in decision.frames:
        for frame, path, a in _amounts(f.amount, f.name):
            for i, band in enumerate(a.bands):
                if band.cost > 0:
                    cov.seen[("band", frame, path, i)].add(True)
            for cap in a.caps:
                cov.seen[("cap", frame, path, cap.origin.line)].add(cap.binding)
            for floor in a.floors:
                cov.seen[("floor", frame, path, floor.origin.line)].add(floor.met)
    done = {"def": {True, False}, "row": {True}, "band": {True}, "cap": {True}, "floor": {True, False}, "fallback": {True, False}}
    for key, item in keys.items():
        if done[key[0]] <= cov.seen.get(key, set()):
            cov.reached.add(item)


def start(policy: tree.Policy) -> tuple[Coverage, dict]:
    keys = items_of(policy)
    return Coverage(items=sorted(keys.values(), key=lambda i: (i.file, i.line, i.what))), keys
