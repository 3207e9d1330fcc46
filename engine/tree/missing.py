"""Which expressions may be missing (None) when a case is decided: an optional input left out, a
value computed from one, a table's cell without its key. The checker lets such a value into
arithmetic only where a condition around it has tested it with `is given` (`X is given and Y ≥
X + 50円`), but every evaluator still reaches it on the cases where that test fails: there the
arithmetic is missing too (as is a comparison with it: false), never an error. The evaluators ask
this to keep the None checks off the expressions that can never be missing."""

from __future__ import annotations

from engine.tree import nodes as tree


def may_be_missing(node, policy: tree.Policy, seen: dict | None = None) -> bool:
    seen = {} if seen is None else seen
    if isinstance(node, tree.Input):
        return node.optional
    if isinstance(node, tree.RoundOf):  # an application in no round has none
        return True
    if isinstance(node, tree.Item):  # a record field: optional in any record of that name
        return any(f.optional and f.default is None for r in policy.records.values() for f in r.fields if f.name == node.name)
    if isinstance(node, tree.TableCell):
        return may_be_missing(node.key, policy, seen)
    if isinstance(node, tree.DefRef):
        if node.name not in seen:
            seen[node.name] = False  # the checker refuses cycles; this only ends the walk
            seen[node.name] = may_be_missing(policy.definitions[node.name].body, policy, seen)
        return seen[node.name]
    if isinstance(node, (tree.Arith, tree.Smaller, tree.Larger)):
        return may_be_missing(node.left, policy, seen) or may_be_missing(node.right, policy, seen)
    if isinstance(node, tree.RoundDown):
        return may_be_missing(node.operand, policy, seen)
    if isinstance(node, tree.IfElse):
        return may_be_missing(node.then, policy, seen) or may_be_missing(node.otherwise, policy, seen)
    if isinstance(node, tree.Cases):
        return any(may_be_missing(b.body, policy, seen) for b in node.branches) or may_be_missing(node.otherwise, policy, seen)
    return False  # constants, totals and counts (a missing list counts 0), conditions (never missing)
