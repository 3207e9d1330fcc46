"""The compiled evaluation tree as a picture source (Mermaid or Graphviz dot): frames, their
amounts, caps and floors, the rules they require and what each rule reads."""

from __future__ import annotations

from engine.tree import nodes as tree

_EXPRESSION_CHILDREN = ("left", "right", "operand", "condition", "then", "otherwise", "where", "key", "list", "body")


def _refs(node, found: list) -> list:
    """Definitions, inputs and tables an expression reads (in first-seen order)."""
    if isinstance(node, tree.DefRef):
        found.append(("def", node.name))
    elif isinstance(node, tree.Input):
        found.append(("input", node.name))
    elif isinstance(node, tree.TableCell):
        found.append(("table", node.table))
        _refs(node.key, found)
    elif isinstance(node, tree.Item):
        found.append(("item", node.name))
    for name in _EXPRESSION_CHILDREN:
        child = getattr(node, name, None)
        if child is not None and not isinstance(child, (str, bool, int)):
            _refs(child, found)
    for item in getattr(node, "items", ()) or ():
        _refs(item, found)
    for branch in getattr(node, "branches", ()) or ():
        _refs(branch.condition, found)
        _refs(branch.body, found)
    return found


class _Graph:
    def __init__(self, policy: tree.Policy):
        self.policy = policy
        self.nodes: dict[str, tuple[str, str]] = {}  # id -> (label, shape)
        self.edges: list[tuple[str, str, str]] = []

    def node(self, key: str, label: str, shape: str) -> str:
        ident = f"n{len(self.nodes)}" if key not in self.nodes else key
        if key not in self.nodes:
            self.nodes[key] = (ident, label, shape)
        return self.nodes[key][0]

    def edge(self, a: str, b: str, label: str = "") -> None:
        if (a, b, label) not in self.edges:
            self.edges.append((a, b, label))

    def ref(self, kind: str, name: str) -> str:
        if kind == "def":
            return self.definition(name)
        shape = {"input": "input", "table": "table", "item": "input"}[kind]
        return self.node(f"{kind}:{name}", name, shape)

    def definition(self, name: str) -> str:
        d = self.policy.definitions[name]
        key = f"def:{name}"
        known = key in self.nodes
        ident = self.node(key, f"{d.kind} {name}", d.kind)
        if not known:
            for kind, ref in _refs(d.body, []):
                self.edge(ident, self.ref(kind, ref))
        return ident

    def amount(self, a: tree.Amount, parent: str) -> None:
        ident = self.node(f"amount:{parent}:{a.name}", f"amount {a.name}" + (" (each)" if a.for_each else ""), "amount")
        self.edge(parent, ident)
        for band in a.bands:
            for kind, ref in _refs(band.rate, []):
                self.edge(ident, self.ref(kind, ref), "rate")
        for cap in a.caps:
            limit = cap.limit.value if isinstance(cap.limit, tree.Const) else "…"
            c = self.node(f"cap:{ident}:{len(self.edges)}", f"cap {limit:,}円" if isinstance(limit, int) else "cap", "cap")
            self.edge(ident, c)
            if cap.condition is not None:
                for kind, ref in _refs(cap.condition, []):
                    self.edge(c, self.ref(kind, ref), "unless" if cap.negated else "when")
        for floor in a.floors:
            limit = floor.limit.value if isinstance(floor.limit, tree.Const) else "…"
            self.edge(ident, self.node(f"floor:{ident}", f"floor {limit:,}円" if isinstance(limit, int) else "floor", "cap"))
        for part in a.parts:
            self.amount(part, ident)

    def frame(self, f: tree.Frame) -> None:
        ident = self.node(f"frame:{f.name}", f"frame {f.name}", "frame")
        for name in f.requires:
            self.edge(ident, self.definition(name), "requires")
        for name in f.steps:
            self.edge(ident, self.definition(name), "step")
        self.amount(f.amount, ident)


def build(policy: tree.Policy, frame: str | None = None) -> _Graph:
    g = _Graph(policy)
    for f in policy.frames:
        if frame is None or f.name == frame:
            g.frame(f)
    return g


_MERMAID_SHAPES = {"frame": '{{"%s"}}', "amount": '["%s"]', "cap": '(["%s"])', "input": '[/"%s"/]', "table": '[("%s")]'}
_DOT_SHAPES = {"frame": "hexagon", "amount": "box", "cap": "ellipse", "input": "parallelogram", "table": "cylinder"}


def mermaid(g: _Graph) -> str:
    lines = ["flowchart LR"]
    for ident, label, shape in g.nodes.values():
        lines.append(f"  {ident}" + _MERMAID_SHAPES.get(shape, '("%s")') % label.replace('"', "'"))
    for a, b, label in g.edges:
        lines.append(f"  {a} -->|{label}| {b}" if label else f"  {a} --> {b}")
    return "\n".join(lines) + "\n"


def dot(g: _Graph) -> str:
    lines = ["digraph policy {", '  rankdir=LR; node [fontname="Noto Sans CJK JP", fontsize=10]; edge [fontsize=9];']
    for ident, label, shape in g.nodes.values():
        lines.append(f'  {ident} [label="{label}", shape={_DOT_SHAPES.get(shape, "box")}, style=rounded];')
    for a, b, label in g.edges:
        lines.append(f'  {a} -> {b}' + (f' [label="{label}"]' if label else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"
