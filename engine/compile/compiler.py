"""Checked AST -> evaluation tree. Names are already resolved by the checker (`Checked`);
this module only rebuilds each construct as a `tree` node, with its kind and origin."""

from __future__ import annotations

import attrs

from engine.language import ast, literals
from engine.tree import nodes as tree
from engine.language.types import BUILTIN_TYPES


def _unit(f: ast.Field) -> str | None:
    """The unit a count field was declared in (人, 者, か月…), kept for display."""
    name = f.type.name
    return name if BUILTIN_TYPES.get(name) is not None and BUILTIN_TYPES[name].kind == "count" and name != "count" else None
from engine.language.symbols import INFERRED, Checked


class _Compiler:
    def __init__(self, checked: Checked, modules: list[ast.Module], sources: dict[str, str], inside: dict[str, str]):
        self.checked = checked
        self.modules = modules
        self.inside = inside
        self.s = checked.symbols
        self.sources = sources
        self._lines: dict[str, list[str]] = {}
        prog = self.s.programme
        self.source_titles = {src.key: src.title for src in prog.sources} if prog else {}

    # ------------------------------------------------------------ helpers
    def origin(self, span) -> tree.Origin:
        lines = self._lines.get(span.file)
        if lines is None:  # each file split once: compiling stays linear in the policy's size
            lines = self._lines[span.file] = self.sources.get(span.file, "").splitlines()
        text = ""
        if 1 <= span.line <= len(lines):
            line = lines[span.line - 1]
            if span.end_line == span.line:
                text = line[span.column - 1 : span.end_column - 1]
            else:
                text = line[span.column - 1 :]
        return tree.Origin(file=self.inside.get(span.file, span.file), line=span.line, text=text.strip())

    @staticmethod
    def label(label: ast.Label | None, fallback: str) -> tree.Label:
        return tree.Label(ja=label.ja, en=label.en) if label else tree.Label(ja=fallback)

    def cite(self, citation: ast.Citation | None) -> tree.Cite | None:
        if citation is None:
            return None
        title = "inferred" if citation.key == INFERRED else self.source_titles.get(citation.key, citation.key)
        return tree.Cite(key=citation.key, title=title, detail=citation.detail)

    def kind(self, node) -> str:
        return self.checked.types[node].kind

    def input(self, name: str, span) -> tree.Input:
        group, f = self.s.inputs[name]
        t = self.s.input_types[name]
        path = (group, name) if group else (name,)
        return tree.Input(name=name, path=path, label=self.label(f.label, name), kind=t.kind, optional=t.optional,
                          origin=self.origin(span), unit=_unit(f))

    # ------------------------------------------------------------ expressions
    def expr(self, node):
        return getattr(self, "c_" + type(node).__name__)(node)

    _LITERAL_KINDS = {"money": "yen", "count": "count", "ratio": "ratio", "integer": "number", "date": "date", "bool": "bool",
                      "duration": "duration"}

    def c_Literal(self, node):
        unit = (literals.count_unit(node.text) if node.kind == "count" else
                literals.duration_unit(node.text) if node.kind == "duration" else None)
        return tree.Const(value=node.value, kind=self._LITERAL_KINDS[node.kind], origin=self.origin(node.span), unit=unit)

    def c_NameRef(self, node):
        r = self.checked.resolutions[node]
        origin = self.origin(node.span)
        if r.kind == "input":
            return self.input(r.name, node.span)
        if r.kind == "def":
            return tree.DefRef(name=r.name, kind=self.checked.def_types[r.name].kind, origin=origin)
        if r.kind == "table":
            table = self.s.tables[r.name]
            return tree.TableCell(table=r.name, column=r.column, key=self.input(table.key_input.text, node.span),
                                  kind=self.kind(node), origin=origin)
        # a field of the list item in scope
        record_fields = {f.name: f for rec in self.s.records.values() for f in rec.fields}
        f = record_fields[r.name]
        return tree.Item(name=r.name, label=self.label(f.label, r.name), kind=self.kind(node), origin=origin, unit=_unit(f))

    def c_Compare(self, node):
        return tree.Compare(op=node.op, left=self.expr(node.left), right=self.expr(node.right), kind="bool", origin=self.origin(node.span))

    def c_InSet(self, node):
        return tree.Member(operand=self.expr(node.operand), members=tuple(m.text for m in node.members), negated=node.negated,
                           kind="bool", origin=self.origin(node.span))

    def c_Contains(self, node):
        return tree.Contains(operand=self.expr(node.operand), member=node.member.text, kind="bool", origin=self.origin(node.span))

    def c_IsGiven(self, node):
        return tree.Given(operand=self.expr(node.operand), kind="bool", origin=self.origin(node.span))

    def c_Not(self, node):
        return tree.Not(operand=self.expr(node.operand), kind="bool", origin=self.origin(node.span))

    def c_And(self, node):
        return tree.All(items=tuple(self.expr(i) for i in node.items), kind="bool", origin=self.origin(node.span))

    def c_Or(self, node):
        return tree.Any(items=tuple(self.expr(i) for i in node.items), kind="bool", origin=self.origin(node.span))

    def c_IfElse(self, node):
        return tree.IfElse(condition=self.expr(node.condition), then=self.expr(node.then), otherwise=self.expr(node.otherwise),
                           kind=self.kind(node), origin=self.origin(node.span))

    def c_Cases(self, node):
        branches = tuple(tree.Branch(condition=self.expr(c), body=self.expr(b)) for c, b in node.branches)
        return tree.Cases(branches=branches, otherwise=self.expr(node.otherwise), kind=self.kind(node), origin=self.origin(node.span))

    def c_Arith(self, node):
        right = self.expr(node.right)
        if self.kind(node) == "date":  # date ± a duration literal; 6か月 is written as a count
            right = attrs.evolve(right, kind="duration")
        return tree.Arith(op=node.op, left=self.expr(node.left), right=right, kind=self.kind(node),
                          origin=self.origin(node.span))

    def c_RoundOf(self, node):
        return tree.RoundOf(frame=node.frame.text, part=node.part, kind="date", origin=self.origin(node.span))

    def c_RoundIs(self, node):  # the round's name as a member test: every evaluator reads it as it reads an enum's
        origin = self.origin(node.span)
        return tree.Member(operand=tree.RoundOf(frame=node.frame.text, part="name", kind="round", origin=origin),
                           members=tuple(n.text for n in node.names), negated=node.negated, kind="bool", origin=origin)

    def c_RoundDown(self, node):
        return tree.RoundDown(operand=self.expr(node.operand), kind=self.kind(node), origin=self.origin(node.span))

    def c_Smaller(self, node):
        return tree.Smaller(left=self.expr(node.left), right=self.expr(node.right), kind=self.kind(node), origin=self.origin(node.span))

    def c_Larger(self, node):
        return tree.Larger(left=self.expr(node.left), right=self.expr(node.right), kind=self.kind(node), origin=self.origin(node.span))

    def c_Fallback(self, node):
        fallback = attrs.evolve(self.expr(node.fallback), kind=self.kind(node))  # `資本金 or 0`: the 0 is yen
        return tree.Fallback(value=self.expr(node.value), fallback=fallback, kind=self.kind(node), origin=self.origin(node.span))

    def c_Total(self, node):
        where = self.expr(node.where) if node.where is not None else None
        return tree.Total(list=self.input(node.list_name.text, node.list_name.span), field=node.field.text, where=where,
                          kind=self.kind(node), origin=self.origin(node.span))

    def c_TotalOf(self, node):
        where = self.expr(node.where) if node.where is not None else None
        return tree.TotalOf(list=self.input(node.list_name.text, node.list_name.span), value=self.expr(node.value), where=where,
                            kind=self.kind(node), origin=self.origin(node.span))

    def c_Number(self, node):
        where = self.expr(node.where) if node.where is not None else None
        return tree.Count(list=self.input(node.list_name.text, node.list_name.span), where=where, kind="count",
                          origin=self.origin(node.span))

    def c_NumberAmong(self, node):
        return tree.CountAmong(list=self.input(node.list_name.text, node.list_name.span), members=tuple(m.text for m in node.members),
                               kind="count", origin=self.origin(node.span))

    def c_Quantified(self, node):
        return tree.Quantified(quantifier=node.quantifier, list=self.input(node.list_name.text, node.list_name.span),
                               where=self.expr(node.where), kind="bool", origin=self.origin(node.span))

    # ------------------------------------------------------------ amounts and frames
    def cap(self, cap: ast.Cap) -> tree.Cap:
        condition = self.expr(cap.condition) if cap.condition is not None else None
        return tree.Cap(limit=self.expr(cap.limit), condition=condition, negated=cap.negated, cite=self.cite(cap.source),
                        origin=self.origin(cap.span))

    def amount(self, a: ast.AmountDef) -> tree.Amount:
        for_each = None
        if a.for_each is not None:
            variable, list_name = a.for_each
            for_each = tree.ForEach(variable=variable.text, list=self.input(list_name.text, list_name.span))
        bands = tuple(
            tree.Band(rate=self.expr(b.rate), measure=b.measure, limit=self.expr(b.limit) if b.limit is not None else None,
                      origin=self.origin(b.span))
            for b in a.bands
        )
        return tree.Amount(
            name=a.name, label=self.label(a.label, a.name), cite=self.cite(a.source), for_each=for_each,
            base=self.expr(a.base) if a.base is not None else None, bands=bands, round_down=a.round_down,
            caps=tuple(self.cap(c) for c in a.caps), floors=tuple(tree.Floor(limit=self.expr(f.limit), origin=self.origin(f.span)) for f in a.floors),
            parts=tuple(self.amount(p) for p in a.parts), origin=self.origin(a.span), like=self.like(a.derived),
            round_cite=self.cite(a.round_source),
        )

    def like(self, d: ast.AmountLike | None) -> tree.AmountLike | None:
        if d is None:
            return None
        return tree.AmountLike(frame=d.frame, amount=d.amount, frame_label=self.label(d.frame_label, d.frame),
                               amount_label=self.label(d.amount_label, d.amount), changed=d.changed)

    def due(self, due: ast.StepDue | None) -> tree.StepDue | None:
        if due is None:
            return None
        return tree.StepDue(date=due.date, amount=due.amount, unit=due.unit, cite=self.cite(due.source), origin=self.origin(due.span))

    def frame(self, f: ast.FrameDef) -> tree.Frame:
        all_exclusions = [n for n, d in self.s.defs.items() if d.kind == "exclusion"]
        if f.exclusions is None:
            exclusions = ()
        else:
            excepted = {n.text for n in f.exclusions}
            exclusions = tuple(n for n in all_exclusions if n not in excepted)
        covers = None
        if f.covers is not None:
            list_name, condition = f.covers
            covers = tree.Covers(list=self.input(list_name.text, list_name.span), where=self.expr(condition))
        whole = tree.Amount(
            name=f.name, label=self.label(f.label, f.name), cite=self.cite(f.source), for_each=None, base=None, bands=(),
            round_down=False, caps=tuple(self.cap(c) for c in f.caps),
            floors=tuple(tree.Floor(limit=self.expr(x.limit), origin=self.origin(x.span)) for x in f.floors),
            parts=tuple(self.amount(a) for a in f.amounts), origin=self.origin(f.span),
        )
        return tree.Frame(
            name=f.name, label=self.label(f.label, f.name), cite=self.cite(f.source), help=f.help and tree.Label(ja=f.help.ja, en=f.help.en),
            requires=tuple(n.text for n in f.requires), exclusions=exclusions, steps=tuple(n.text for n in f.steps),
            covers=covers, amount=whole, origin=self.origin(f.span), earlier_unknown=f.earlier_unknown,
            deadlines=tuple(tree.Deadline(name=d.name, date=d.date, time=d.time, opens=d.opens, opens_time=d.opens_time,
                                          cite=self.cite(d.source)) for d in f.deadlines),
        )

    # ------------------------------------------------------------ declarations
    def field(self, f: ast.Field, t) -> tree.Field:
        element = t.element.kind if t.kind == "list" else None
        type_name = t.element.name if t.kind == "list" else t.name
        default = f.default.text if isinstance(f.default, ast.Name) else f.default.value if f.default is not None else None
        return tree.Field(name=f.name, label=self.label(f.label, f.name), kind=t.kind, type_name=type_name, element=element,
                          optional=f.optional, fixed=f.fixed, default=default, signed=f.signed,
                          maximum=f.maximum.value if f.maximum is not None else None,
                          help=self.label(f.help, f.name) if f.help is not None else None)

    def policy(self) -> tree.Policy:
        s = self.s
        prog = s.programme
        groups = []
        for module in self.modules:
            for item in module.items:
                if isinstance(item, ast.InputDef):
                    fields = tuple(self.field(f, s.input_types[f.name]) for f in item.fields)
                    groups.append(tree.Group(name=item.group, label=item.label and tree.Label(ja=item.label.ja, en=item.label.en), fields=fields))
        enums = {
            name: tree.Enum(name=name, label=self.label(e.label, name),
                            members=tuple((m.name, self.label(m.label, m.name)) for m in e.members))
            for name, e in s.enums.items()
        }
        records = {
            name: tree.Record(name=name, label=self.label(r.label, name),
                              fields=tuple(self.field(f, s.record_types[(name, f.name)]) for f in r.fields))
            for name, r in s.records.items()
        }
        tables = {}
        for name, t in s.tables.items():
            key_type = s.input_types[t.key_input.text]
            kinds = tuple(s.column_types[(name, c.text)].kind for c in t.columns)
            tables[name] = tree.Table(
                name=name, label=self.label(t.label, name), key_enum=key_type.name if key_type.kind == "enum" else None,
                columns=tuple(c.text for c in t.columns), bands=tuple(s.table_bands[name]) if name in s.table_bands else None,
                rows={row.key.text: tuple(cell.value for cell in row.cells) for row in t.rows}, kinds=kinds,
                units=tuple(literals.count_unit(c.text) if c.kind == "count" else None for c in t.rows[0].cells),
                row_lines={row.key.text: row.span.line for row in t.rows},
                cite=self.cite(t.source), origin=self.origin(t.span),
                row_cites={row.key.text: self.cite(row.source) for row in t.rows if row.source is not None} or None,
            )
        definitions = {
            name: tree.Definition(kind=d.kind, name=name, label=self.label(d.label, name), cite=self.cite(d.source),
                                  help=d.help and tree.Label(ja=d.help.ja, en=d.help.en), body=self.expr(d.body), origin=self.origin(d.span),
                                  due=self.due(d.due))
            for name, d in s.defs.items()
        }
        applied_on = self.input(prog.applied_on.text, prog.applied_on.span) if prog.applied_on else None
        return tree.Policy(
            programme=prog.name, title=prog.title, year=prog.year, in_force=prog.in_force, applied_on=applied_on,
            sources=tuple((src.key, src.title) for src in prog.sources), enums=enums, records=records, groups=tuple(groups),
            tables=tables, definitions=definitions, frames=tuple(self.frame(f) for f in s.frames),
        )


def compile_policy(checked: Checked, modules: list[ast.Module], sources: dict[str, str], inside: dict[str, str]) -> tree.Policy:
    return _Compiler(checked, modules, sources, inside).policy()
