"""What a what-if search reads from a policy alone, worked out once per policy: its fields and where
they sit, its frames and their leaf amounts, and the totals of expenses each leaf counts (a larger
cost means a larger one of those)."""

from __future__ import annotations

import functools

import attrs

from engine.tree import nodes as tree


class Plan:
    """What a what-if search reads from the policy alone, made once per policy (a policy's tree is
    never changed): its fields, frames, leaf amounts and the totals each leaf counts."""

    def __init__(self, policy: tree.Policy):
        self.policy = policy
        self.fields = {f.name: f for g in policy.groups for f in g.fields}
        self.item_fields = {f.name: f for r in policy.records.values() for f in r.fields}
        self.frames = {f.name: f for f in policy.frames}
        self.leaves = {f.name: tuple(leaves(f.amount)) for f in policy.frames}
        self.item_labels: dict = {}
        for r in policy.records.values():
            for f in r.fields:
                self.item_labels.setdefault(f.name, f.label)
        self._totals: dict[int, tuple] = {}
        self._fast = None
        self._field_paths: dict[str, tuple] = {}
        self._reads: dict[str, frozenset | None] = {}
        self._standing: dict[frozenset, tuple] = {}

    def standing(self, changed) -> tuple[str, ...]:
        """The rules that read none of the `changed` places (paths in the case JSON), so keep their
        values. A rule reads whole inputs (no list index), so a place is cut at its first index."""
        places = frozenset(next((path[:i] for i, key in enumerate(path) if isinstance(key, int)), path) for path in changed)
        known = self._standing.get(places)
        if known is None:
            known = self._standing[places] = tuple(
                name for name in self.policy.definitions if (reads := self.reads(name)) is not None
                and not any(r[:len(c)] == c or c[:len(r)] == r for r in reads for c in places))
        return known

    def reads(self, name: str) -> frozenset | None:
        """The places in the case (input paths) rule `name` and the rules it names read; None when it
        holds a node not known here, which may read anything. A rule that reads none of the places a
        what-if changes keeps its value."""
        if name not in self._reads:
            self._reads[name] = None  # while it is worked out: a rule naming itself would read "anything"
            found: set = set()
            for n in nodes(self.policy.definitions[name].body):
                if isinstance(n, tree.Input):
                    found.add(n.path)
                elif isinstance(n, tree.RoundOf):  # reads the application date
                    found.add(self.policy.applied_on.path)
                elif isinstance(n, tree.DefRef):
                    inner = self.reads(n.name) if n.name in self.policy.definitions else None
                    if inner is None:
                        found = None
                        break
                    found |= inner
                elif not isinstance(n, _PLAIN):
                    found = None
                    break
            self._reads[name] = None if found is None else frozenset(found)
        return self._reads[name]

    def field_path(self, f) -> tuple:
        """Where a group's field sits in the case JSON."""
        known = self._field_paths.get(f.name)
        if known is None:
            group = next(g for g in self.policy.groups if f in g.fields)
            known = self._field_paths[f.name] = (group.name, f.name) if group.name else (f.name,)
        return known

    def totals(self, leaf: tree.Amount) -> tuple:
        """(total, the yen field of its items a larger cost means) of a leaf, in the order they are added."""
        known = self._totals.get(id(leaf))
        if known is None or known[0] is not leaf:
            known = self._totals[id(leaf)] = (leaf, tuple(totals(self.policy, leaf.base, set())))
        return known[1]

    def fast(self):
        if self._fast is None:  # compiled on first need: a decision with nothing to verify never needs it
            from engine.evaluate.fast import fast_for

            self._fast = fast_for(self.policy)
        return self._fast


# nodes whose value comes only from their children, constants, the list item in scope (read through
# its list's Input) or an Input node's own path
_PLAIN = (tree.Origin, tree.Label, tree.Cite, tree.Const, tree.Item, tree.TableCell, tree.Compare, tree.Member,
          tree.Contains, tree.Given, tree.Not, tree.All, tree.Any, tree.IfElse, tree.Branch, tree.Cases, tree.Arith,
          tree.RoundDown, tree.Smaller, tree.Larger, tree.Fallback, tree.Total, tree.TotalOf, tree.Count,
          tree.CountAmong, tree.Quantified)


@functools.lru_cache(maxsize=16)
def plan_for(policy: tree.Policy) -> Plan:
    return Plan(policy)  # a Policy hashes by identity, as fast_for's cache relies on


def totals(policy: tree.Policy, node, seen: set):
    """(total, the yen field of its items a larger cost means), in the order they are added."""
    if isinstance(node, tree.Total):
        yield node, node.field
    elif isinstance(node, tree.TotalOf):
        field = next((n.name for n in nodes(node.value) if isinstance(n, tree.Item) and n.kind == "yen"), None)
        if field is not None:
            yield node, field
    elif isinstance(node, tree.Arith) and node.op in ("+", "×", "÷"):
        yield from totals(policy, node.left, seen)
        if node.op == "+":
            yield from totals(policy, node.right, seen)
    elif isinstance(node, (tree.Smaller, tree.Larger, tree.RoundDown)):
        yield from totals(policy, getattr(node, "left", None) or node.operand, seen)
    elif isinstance(node, tree.Fallback):
        yield from totals(policy, node.value, seen)
    elif isinstance(node, tree.DefRef) and node.name not in seen and node.name in policy.definitions:
        seen.add(node.name)
        yield from totals(policy, policy.definitions[node.name].body, seen)


def leaves(a: tree.Amount):
    if a.parts:
        for p in a.parts:
            yield from leaves(p)
    elif a.base is not None and a.for_each is None:
        yield a


def nodes(node):
    """Every tree node under `node` (attrs nodes and tuples of them)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (tuple, list)):
            stack.extend(reversed(n))
        elif attrs.has(type(n)):
            yield n
            stack.extend(reversed([getattr(n, f.name) for f in attrs.fields(type(n))]))
