"""Reading a decision for explanations: which leaf conditions made a rule fail. Read-only over
`Trace`s; shared by the renderers so JSON and text name the same conditions."""

from __future__ import annotations

from engine.evaluate.decision import Trace

_LEAVES = {"compare", "member", "contains", "given", "any_item", "all_item", "input", "item", "const", "table"}


def unmet_conditions(trace: Trace, want: bool = True) -> list[Trace]:
    """The conditions under `trace` that kept it from being `want` (True: why it failed;
    False: why it held, for an exclusion that applied). Every one, not just the first."""
    if trace.result == want:
        return []
    kind = trace.kind
    if kind in ("rule", "exclusion", "step"):
        return unmet_conditions(trace.children[0], want)
    if kind == "not":
        return unmet_conditions(trace.children[0], not want)
    if kind in ("all", "any"):
        # failing `all` (or holding `any` when we explain why it held): the children that decided it
        conjunctive = (kind == "all") == want
        deciding = [c for c in trace.children if c.result != want] if conjunctive else list(trace.children)
        found = []
        for child in deciding:
            found.extend(unmet_conditions(child, want))
        return found
    if kind == "cases":
        return unmet_conditions(trace.children[-1], want)
    if kind == "if":
        return unmet_conditions(trace.children[1], want)
    return [trace]
