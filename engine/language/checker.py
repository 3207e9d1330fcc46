"""Checks a parsed policy before anything is compiled: every name resolves, every expression
has a type that fits where it is used, tables cover their enum, bands ascend, every definition
cites a source. All problems are collected, not just the first (sqlglot's collect-all mode).

The result, `Checked`, hands the compiler the symbol tables, each expression's type and what
each name refers to; the compiler never resolves a name itself."""

from __future__ import annotations

import datetime
import difflib

import attrs

from engine.language import ast, literals, ranges
from engine.i18n import N_
from engine.language.diagnostics import Diagnostic, Phrase, PolicyError, Span, phrase
from engine.language.types import (ARITHMETIC, BOOL, BUILTIN_TYPES, COUNT, DATE, LITERAL_TYPES, NUMBER, ORDERED_KINDS, RATIO, YEN,
                    Type, same, unify)

ERROR = Type("error")  # the type of something already reported; silences follow-on messages
DATE_KIND, DURATION_KIND = "date", "duration"
INFERRED = "inferred"  # the citation key for a rule no document states (rules-2024.md's [I])


@attrs.frozen
class Resolution:
    kind: str  # input | def | table | item
    name: str  # input field, definition, table or record field name
    column: str | None = None  # for tables


@attrs.frozen
class Scope:
    """Inside `where …` over a list of records, or an amount `for each X in list`."""

    record: str
    variable: str | None


@attrs.define
class Symbols:
    programme: ast.Programme | None = None
    enums: dict = attrs.field(factory=dict)
    records: dict = attrs.field(factory=dict)
    groups: dict = attrs.field(factory=dict)  # group name -> InputDef
    inputs: dict = attrs.field(factory=dict)  # field name -> (group or None, Field)
    input_types: dict = attrs.field(factory=dict)  # field name -> Type
    record_types: dict = attrs.field(factory=dict)  # (record, field) -> Type
    tables: dict = attrs.field(factory=dict)
    column_types: dict = attrs.field(factory=dict)  # (table, column) -> Type
    table_bands: dict = attrs.field(factory=dict)  # table keyed by a number -> [(low, high), …] per row, ends included
    defs: dict = attrs.field(factory=dict)  # rule / value / exclusion / step
    frames: list = attrs.field(factory=list)


@attrs.define
class Checked:
    symbols: Symbols
    types: dict  # expression node -> Type
    resolutions: dict  # NameRef -> Resolution
    def_types: dict  # definition name -> Type
    warnings: list
    errors: list


def _optional_help(side, t: Type) -> Phrase:
    """How to use an optional value in arithmetic: a default, or a test for it around the arithmetic."""
    if isinstance(side, ast.RoundOf):  # no input to give a default: the date is in no round of the frame
        what = f"{side.part} of {side.frame.text}"
        return (f"{what} is missing when the application date is in no round of {side.frame.text}: test it first, "
                f"in the same condition: `{what} is given and …` (or `when {what} is given:` in `cases:`)")
    name = ".".join(side.parts) if isinstance(side, ast.NameRef) else None
    unit = {"yen": "円", "count": "人"}.get(t.kind, "")
    default = phrase(N_("hint.default", "give the input the value a missing answer stands for, e.g. `{name}: {type}, default 0{unit}`"),
                     name=name or "控除", type=unit or "円", unit=unit)
    if name is None:
        return default
    guard = phrase(N_("hint.test_given", "test it first, in the same condition: `{name} is given and …` (also `not {name} is given or …`, "
                                         "`when {name} is given:` in `cases:`, `… if {name} is given else …`, or a cap's `when {name} is given`)"),
                   name=name)
    if not unit:
        return guard  # a date has no value that stands for a missing one
    fallback = phrase(N_("hint.fallback", "say what stands for it when it is not given: `({name} or 0{unit})`"), name=name, unit=unit)
    return phrase(N_("hint.fallback_default_or_test", "{fallback}; or {default}; or {test}"), fallback=fallback, default=default, test=guard)


def _suggest(name: str, candidates) -> Phrase | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None


def _phrased(message, values: dict):
    """A checker's message: a mark N_(key, msgid) with its values becomes a Phrase; a Phrase is one."""
    return phrase(message, **values) if isinstance(message, tuple) else message


class _Checker:
    def __init__(self, modules: list[ast.Module]):
        self.modules = modules
        self.diagnostics: list[Diagnostic] = []
        self.symbols = Symbols()
        self.types: dict = {}
        self.resolutions: dict = {}
        self.def_types: dict = {}
        # optional names a condition around the expression being checked has tested with `is given`
        # (`X is given and …`, `when X is given:`, `A if X is given else B`, a cap's `when X is given`)
        self.narrowed: frozenset = frozenset()
        self.visiting: list[str] = []
        self.used: set[str] = set()
        self.declared_at: dict[str, Span] = {}

    # ------------------------------------------------------------ reporting
    # a message is a mark N_(key, English msgid) filled with **values, or a Phrase already made
    def error(self, message, span: Span | None, help=None, **values) -> None:
        self.diagnostics.append(Diagnostic("error", _phrased(message, values), span, help))

    def warning(self, message, span: Span | None, help=None, **values) -> None:
        self.diagnostics.append(Diagnostic("warning", _phrased(message, values), span, help))

    # ------------------------------------------------------------ pass 1: declarations
    def declare(self, name: str, span: Span, what: Phrase, namespace: str = "value") -> bool:
        """Types (enums, records) and values (inputs, tables, rules, frames) are separate
        namespaces, so an input may share its enum's name (`業種: 業種`)."""
        key = (namespace, name)
        if key in self.declared_at:
            first_what, first = self.declared_at[key]
            self.error(N_("check.defined_twice", "{name} is defined twice (first as {what} at {first})"), span,
                       name=name, what=first_what, first=first)
            return False
        self.declared_at[key] = (what, span)
        return True

    def collect(self) -> None:
        s = self.symbols
        for module in self.modules:
            for item in module.items:
                if isinstance(item, ast.Programme):
                    if s.programme is not None:
                        self.error(N_("check.programme_twice", "a policy has one programme header; another is at {at}"), item.span,
                                   at=s.programme.span)
                    else:
                        s.programme = item
                elif isinstance(item, ast.EnumDef):
                    if self.declare(item.name, item.span, phrase(N_("what.enum", "an enum")), "type"):
                        s.enums[item.name] = item
                    seen = {}
                    for m in item.members:
                        if m.name in seen:
                            self.error(N_("check.member_twice", "{member} is listed twice in enum {enum}"), m.span,
                                       member=m.name, enum=item.name)
                        seen[m.name] = m
                elif isinstance(item, ast.RecordDef):
                    if self.declare(item.name, item.span, phrase(N_("what.record", "a record")), "type"):
                        s.records[item.name] = item
                elif isinstance(item, ast.InputDef):
                    if item.group is not None and self.declare(item.group, item.span, phrase(N_("what.group", "an input group"))):
                        s.groups[item.group] = item
                    for f in item.fields:
                        if self.declare(f.name, f.span, phrase(N_("what.input", "an input"))):
                            s.inputs[f.name] = (item.group, f)
                elif isinstance(item, ast.TableDef):
                    if self.declare(item.name, item.span, phrase(N_("what.table", "a table"))):
                        s.tables[item.name] = item
                elif isinstance(item, ast.RuleDef):
                    if self.declare(item.name, item.span, phrase(N_("what.kind", "a {kind}"), kind=item.kind)):
                        s.defs[item.name] = item
                elif isinstance(item, ast.FrameDef):
                    if self.declare(item.name, item.span, phrase(N_("what.frame", "a frame"))):
                        s.frames.append(item)
                elif isinstance(item, (ast.Override, ast.Amend, ast.Remove)):
                    verb = type(item).__name__.lower()
                    self.error(N_("check.change_without_base", "`{verb}` changes a base policy, but this policy does not `extends` one"),
                               item.span, phrase(N_("hint.add_extends", 'add `extends "../2024"` (the base policy folder) to policy.rules')),
                               verb=verb)
        if s.programme is None:
            self.error(N_("check.no_programme", "the policy has no programme header (programme \"…\" with its year and sources)"), None)

    # ------------------------------------------------------------ pass 2: types of declarations
    def resolve_type(self, ref: ast.TypeRef) -> Type:
        if ref.name in BUILTIN_TYPES:
            element = BUILTIN_TYPES[ref.name]
        elif ref.name in self.symbols.enums:
            element = Type("enum", ref.name)
        elif ref.name in self.symbols.records:
            element = Type("record", ref.name)
        else:
            known = list(BUILTIN_TYPES) + list(self.symbols.enums) + list(self.symbols.records)
            self.error(N_("check.unknown_type", "unknown type {name}"), ref.span, _suggest(ref.name, known), name=ref.name)
            return ERROR
        if element.kind == "record" and not ref.is_list:
            self.error(N_("check.record_not_list", "a record ({name}) can only be used as `list of {name}`"), ref.span, name=ref.name)
        return Type("list", element=element) if ref.is_list else element

    def field_type(self, f: ast.Field) -> Type:
        t = self.resolve_type(f.type)
        if isinstance(f.default, ast.Name) and t is not ERROR:
            if t.kind != "enum":
                self.error(N_("check.member_default", "default {default} of {field}: only an enum field takes a member as its default"),
                           f.default.span, default=f.default.text, field=f.name)
            else:
                self._members(t, (f.default,), f.default.span)
        elif f.default is not None and t is not ERROR:
            dt = LITERAL_TYPES[f.default.kind]
            if not same(dt, t):
                self.error(N_("check.default_type", "default {default} of {field} is {type}, but {field} is {field_type}"), f.default.span,
                           default=f.default.text, field=f.name, type=dt, field_type=t)
        if f.optional and f.default is not None:
            self.error(N_("check.optional_default", "{field} is optional and has a default; choose one"), f.span, field=f.name)
        if f.maximum is not None and t is not ERROR:
            self.field_maximum(f, t)
        if f.signed and t is not ERROR and t.kind != "yen":
            self.error(N_("check.signed", "{field} is {type}: only an amount in 円 can be `signed` (a loss, a negative income)"), f.span,
                       field=f.name, type=t)
        return attrs.evolve(t, optional=f.optional) if t is not ERROR else t

    def field_maximum(self, f: ast.Field, t: Type) -> None:
        """`, at most 120か月` bounds an amount or a count: a larger answer is refused as a typo."""
        mt = LITERAL_TYPES[f.maximum.kind]
        if t.kind not in ("yen", "count"):
            self.error(N_("check.maximum_kind", "at most {maximum} on {field}: only an amount (円) or a count takes an upper bound, "
                                                "but {field} is {type}"), f.maximum.span, maximum=f.maximum.text, field=f.name, type=t)
        elif not same(mt, t):
            self.error(N_("check.maximum_type", "at most {maximum} of {field} is {type}, but {field} is {field_type}"), f.maximum.span,
                       maximum=f.maximum.text, field=f.name, type=mt, field_type=t)
        elif isinstance(f.default, ast.Literal) and f.default.value > f.maximum.value:
            self.error(N_("check.default_above_maximum", "default {default} of {field} is above its bound, at most {maximum}"),
                       f.default.span, default=f.default.text, field=f.name, maximum=f.maximum.text)

    def type_declarations(self) -> None:
        s = self.symbols
        for name, (group, f) in s.inputs.items():
            s.input_types[name] = self.field_type(f)
        for record in s.records.values():
            names = set()
            for f in record.fields:
                if f.name in names:
                    self.error(N_("check.field_twice", "{field} is declared twice in record {record}"), f.span, field=f.name, record=record.name)
                names.add(f.name)
                s.record_types[(record.name, f.name)] = self.field_type(f)
        prog = s.programme
        if prog is not None:
            keys = [src.key for src in prog.sources]
            for i, src in enumerate(prog.sources):
                if src.key in keys[:i]:
                    self.error(N_("check.source_twice", "source {key} is declared twice"), src.span, key=src.key)
            if prog.applied_on is not None:
                t = s.input_types.get(prog.applied_on.text)
                if t is None:
                    self.error(N_("check.applied_on_unknown", "applied on {name}: no such input"), prog.applied_on.span,
                               _suggest(prog.applied_on.text, s.inputs), name=prog.applied_on.text)
                elif t.required() != DATE:
                    self.error(N_("check.applied_on_type", "applied on {name}: it must be a date input, not {type}"), prog.applied_on.span,
                               name=prog.applied_on.text, type=t)
                self.used.add(prog.applied_on.text)

    # ------------------------------------------------------------ citations
    def check_source(self, citation: ast.Citation | None, what: Phrase, span: Span) -> None:
        if citation is None:
            self.error(N_("check.no_source", "{what} has no source; add a line `source KEY \"where it says so\"`"), span,
                       phrase(N_("hint.inferred", "use `source {key} \"why\"` for a rule no document states"), key=INFERRED), what=what)
            return
        prog = self.symbols.programme
        keys = [src.key for src in prog.sources] if prog else []
        if citation.key != INFERRED and citation.key not in keys:
            self.error(N_("check.unknown_source", "unknown source {key}"), citation.span,
                       _suggest(citation.key, keys + [INFERRED])
                       or phrase(N_("hint.declare_source", "declare it in the programme header: source {key} \"title\""), key=citation.key),
                       key=citation.key)

    # ------------------------------------------------------------ tables
    def check_table(self, table: ast.TableDef) -> None:
        self.check_source(table.source, phrase(N_("what.table_named", "table {name}"), name=table.name), table.span)
        if table.key_input is None:
            self.error(N_("check.table_no_key", "table {table} needs `by <enum input>` to say which input picks its row"), table.span,
                       table=table.name)
            return
        key_type = self.symbols.input_types.get(table.key_input.text)
        self.used.add(table.key_input.text)
        if key_type is None:
            self.error(N_("check.table_key_unknown", "table {table} is keyed by {key}, which is not an input"), table.key_input.span,
                       _suggest(table.key_input.text, self.symbols.inputs), table=table.name, key=table.key_input.text)
            return
        if key_type.kind in ("yen", "count"):  # rows by bands of the number: contiguous, covering every value
            key_field = self.symbols.inputs[table.key_input.text][1]
            unit = "円" if key_type.kind == "yen" else key_field.type.name if key_field.type.name != "count" else ""
            bounds, problems = ranges.check_bands(table.name, table.rows, key_type.kind, key_field.signed, unit)
            for message, span, hint in problems:
                self.error(message, span, hint)
            self.symbols.table_bands[table.name] = bounds
        elif key_type.kind != "enum":
            self.error(N_("check.table_key_type", "table {table} must be keyed by an enum input or a number (円 or a count); "
                                                  "{key} is {type}"), table.key_input.span, table=table.name, key=table.key_input.text,
                       type=key_type)
            return
        else:
            self.check_table_members(table, key_type)
        column_kinds: dict[str, Type] = {}
        for row in table.rows:
            key = row.key.text
            if row.source is not None:
                self.check_source(row.source, phrase(N_("what.row", "row {key} of table {table}"), key=key, table=table.name), row.span)
            if len(row.cells) != len(table.columns):
                self.error(N_("check.row_width", "row {key} has {values} values but table {table} has {columns} columns"), row.span,
                           key=key, values=len(row.cells), table=table.name, columns=len(table.columns))
                continue
            for column, cell in zip(table.columns, row.cells):
                t = LITERAL_TYPES[cell.kind]
                previous = column_kinds.setdefault(column.text, t)
                if not same(previous, t):
                    self.error(N_("check.column_mixes", "column {column} mixes {type} and {other}"), cell.span,
                               column=column.text, type=previous, other=t)
                elif previous == NUMBER:
                    column_kinds[column.text] = t  # the first cell with a unit decides the column's kind
        for column in table.columns:
            t = column_kinds.get(column.text, ERROR)
            self.symbols.column_types[(table.name, column.text)] = YEN if t == NUMBER else t

    def check_table_members(self, table: ast.TableDef, key_type: Type) -> None:
        """A table keyed by an enum: one row per member, each once."""
        enum = self.symbols.enums[key_type.name]
        members = [m.name for m in enum.members]
        rows_seen: dict[str, ast.TableRow] = {}
        for row in table.rows:
            key = row.key.text
            if isinstance(row.key, ast.BandKey):
                self.error(N_("check.band_in_enum_table", "table {table} is keyed by {enum}: a row starts with a member, not the band {key}"),
                           row.key.span, table=table.name, enum=enum.name, key=key)
            elif key not in members:
                self.error(N_("check.not_member", "{member} is not a member of {enum}"), row.key.span, _suggest(key, members),
                           member=key, enum=enum.name)
            elif key in rows_seen:
                self.error(N_("check.row_twice", "table {table} has two rows for {key} (first at line {line})"), row.key.span,
                           table=table.name, key=key, line=rows_seen[key].span.line)
            rows_seen.setdefault(key, row)
        missing = [m for m in members if m not in rows_seen]
        if missing:
            self.error(N_("check.rows_missing", "table {table} has no row for {members} (every member of {enum} needs one)"), table.span,
                       table=table.name, members=", ".join(missing), enum=enum.name)

    # ------------------------------------------------------------ names
    def visible_names(self, scope: Scope | None) -> list[str]:
        names = list(self.symbols.inputs) + list(self.symbols.defs) + list(self.symbols.tables)
        if scope is not None:
            names += [f for (r, f) in self.symbols.record_types if r == scope.record]
        return names

    def resolve(self, ref: ast.NameRef, scope: Scope | None) -> Type:
        s = self.symbols
        parts = ref.parts
        if scope is not None:
            fields = {f: t for (r, f), t in s.record_types.items() if r == scope.record}
            if len(parts) == 1 and parts[0] in fields:
                self.resolutions[ref] = Resolution("item", parts[0])
                return fields[parts[0]]
            if len(parts) == 2 and parts[0] == scope.variable:
                if parts[1] in fields:
                    self.resolutions[ref] = Resolution("item", parts[1])
                    return fields[parts[1]]
                self.error(N_("check.no_field", "{record} has no field {field}"), ref.span, _suggest(parts[1], fields),
                           record=scope.record, field=parts[1])
                return ERROR
        head = parts[0]
        if len(parts) == 1:
            if head in s.defs:
                self.resolutions[ref] = Resolution("def", head)
                self.used.add(head)
                return self.def_type(head, ref.span)
            if head in s.inputs:
                self.resolutions[ref] = Resolution("input", head)
                self.used.add(head)
                return s.input_types[head]
            if head in s.tables:
                self.error(N_("check.table_as_value", "{table} is a table; name a column, e.g. {table}.{column}"), ref.span,
                           table=head, column=s.tables[head].columns[0].text)
                return ERROR
            if head in s.groups:
                self.error(N_("check.group_as_value", "{group} is an input group; name one of its fields"), ref.span,
                           _suggest(head, [f.name for f in s.groups[head].fields]), group=head)
                return ERROR
            frame = self.amount_owner(head)
            if frame is not None:
                self.error(N_("check.amount_as_value", "{amount} is an amount of frame {frame}: an amount is a result, not a value an expression can use"),
                           ref.span, phrase(N_("hint.amount_value", "name what it is computed from with a `value` (e.g. `value {amount}の対象経費 …`) "
                                                                    "and use that value both in the amount's `on` line and here"), amount=head),
                           amount=head, frame=frame)
                return ERROR
            self.error(N_("check.unknown_name", "unknown name {name}"), ref.span, _suggest(head, self.visible_names(scope)), name=head)
            return ERROR
        if len(parts) == 2 and head in s.tables:
            table = s.tables[head]
            columns = [c.text for c in table.columns]
            if parts[1] not in columns:
                self.error(N_("check.no_column", "table {table} has no column {column}"), ref.span, _suggest(parts[1], columns),
                           table=head, column=parts[1])
                return ERROR
            self.resolutions[ref] = Resolution("table", head, parts[1])
            self.used.add(head)
            t = s.column_types.get((head, parts[1]), ERROR)
            key_type = s.input_types.get(table.key_input.text) if table.key_input is not None else None
            if t is not ERROR and key_type is not None and key_type.optional:  # no row without the key
                t = attrs.evolve(t, optional=True)
            return t
        if len(parts) == 2 and head in s.groups:
            if parts[1] in s.inputs and s.inputs[parts[1]][0] == head:
                self.resolutions[ref] = Resolution("input", parts[1])
                self.used.add(parts[1])
                return s.input_types[parts[1]]
            self.error(N_("check.group_no_field", "input group {group} has no field {field}"), ref.span,
                       _suggest(parts[1], [f.name for f in s.groups[head].fields]), group=head, field=parts[1])
            return ERROR
        self.error(N_("check.unknown_name", "unknown name {name}"), ref.span, _suggest(head, self.visible_names(scope)), name=".".join(parts))
        return ERROR

    def def_type(self, name: str, at: Span | None) -> Type:
        if name in self.def_types:
            return self.def_types[name]
        if name in self.visiting:
            cycle = " -> ".join(self.visiting[self.visiting.index(name):] + [name])
            self.error(N_("check.cycle", "rules refer to each other in a cycle: {cycle}"), at, cycle=cycle)
            return ERROR
        d = self.symbols.defs[name]
        self.visiting.append(name)
        t = self.expr(d.body, None)
        self.visiting.pop()
        if d.kind != "value" and t not in (ERROR,) and t.required() != BOOL:
            self.error(N_("check.rule_not_condition", "{kind} {name} must be a condition (true/false), but its body is {type}"), d.span,
                       kind=d.kind, name=name, type=t)
            t = ERROR
        elif d.kind != "value":
            t = BOOL
        self.def_types[name] = t
        return t

    def check_depths(self) -> None:
        """Refuse a definition whose evaluation nests deeper than MAX_DEPTH: expression levels plus
        the levels of every rule it names, and of theirs (a chain of rules each naming the previous
        one). Found without recursion; such a definition is not checked further, so no later stage
        (checker, evaluators, relevance, what-ifs) ever walks deeper than Python's stack allows."""
        defs = self.symbols.defs
        refs = {name: _def_refs(d.body, defs) for name, d in defs.items()}
        depth: dict[str, int] = {}
        via: dict[str, str | None] = {}
        for start in defs:
            if start in depth:
                continue
            stack, on_path = [(start, iter(refs[start]))], {start}
            while stack:
                name, pending = stack[-1]
                step = next(pending, None)
                if step is not None:
                    dep = step[0]
                    if dep not in depth and dep not in on_path:  # a cycle is def_type's to report
                        on_path.add(dep)
                        stack.append((dep, iter(refs[dep])))
                    continue
                best, through = 1, None
                for dep, at in refs[name]:
                    if dep in depth and at + depth[dep] > best:
                        best, through = at + depth[dep], dep
                depth[name], via[name] = best, through
                on_path.discard(name)
                stack.pop()
        for name, d in defs.items():
            if depth[name] <= MAX_DEPTH:
                continue
            self.def_types[name] = ERROR
            self.used.update(dep for dep, _ in refs[name])
            if via[name] is not None and depth[via[name]] > MAX_DEPTH:
                continue  # said once, where the chain crosses the limit
            chain, at = [name], via[name]
            while at is not None and len(chain) < 4:
                chain.append(at)
                at = via[at]
            shown = " -> ".join(chain) + (" -> …" if at is not None else "")
            self.error(N_("check.too_deep", "{kind} {name} nests {depth} levels deep through the rules it names ({chain}); "
                                            "at most {most} levels are allowed (the rules that name it are not checked)"), d.span,
                       phrase(N_("hint.too_deep", "compute intermediate results in fewer steps, or name fewer rules in a chain")),
                       kind=d.kind, name=name, depth=depth[name], chain=shown, most=MAX_DEPTH)

    # ------------------------------------------------------------ expressions
    def expr(self, node, scope: Scope | None) -> Type:
        method = getattr(self, "t_" + type(node).__name__)
        t = method(node, scope)
        self.types[node] = t
        return t

    def expect(self, node, wanted: Type, scope: Scope | None, what: Phrase) -> Type:
        t = self.expr(node, scope)
        if t is ERROR:
            return t
        if t.optional and wanted != BOOL:
            self.error(N_("check.optional_use", "{what} uses an optional value that may be missing; compare it or test `is given`"),
                       node.span, _optional_help(node, t) if isinstance(node, ast.NameRef) else None, what=what)
        elif not same(t, wanted):
            self.error(N_("check.wrong_type", "{what} must be {wanted}, but this is {type}"), node.span, what=what, wanted=wanted, type=t)
            return ERROR
        return t

    def t_Literal(self, node, scope):
        return LITERAL_TYPES[node.kind]

    def t_NameRef(self, node, scope):
        t = self.resolve(node, scope)
        if t is not ERROR and t.optional and self.resolutions.get(node) in self.narrowed:
            return t.required()  # present here: a condition around it tested `is given`
        return t

    def given(self, condition) -> frozenset:
        """What holding `condition` proves present: the name of `X is given`, and of each such
        conjunct of an `and`/`all of` (checked already, so its names are resolved)."""
        if isinstance(condition, ast.IsGiven) and isinstance(condition.operand, ast.NameRef):
            found = self.resolutions.get(condition.operand)
            return frozenset((found,)) if found is not None else frozenset()
        if isinstance(condition, ast.IsGiven) and isinstance(condition.operand, ast.RoundOf):
            return frozenset((("round", condition.operand.part, condition.operand.frame.text),))
        if isinstance(condition, ast.And):
            return frozenset().union(*(self.given(c) for c in condition.items))
        return frozenset()

    def narrowed_by(self, condition, node, scope: Scope | None, wanted: Type | None = None, what: Phrase | None = None) -> Type:
        """Check `node` where `condition` holds (the names it tests with `is given` are present)."""
        saved = self.narrowed
        self.narrowed = saved | self.given(condition)
        try:
            return self.expect(node, wanted, scope, what) if wanted is not None else self.expr(node, scope)
        finally:
            self.narrowed = saved

    def t_Compare(self, node, scope):
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        if ERROR in (left, right):
            return BOOL
        l, r = unify(left.required(), right.required())
        if l != r:
            self.error(N_("check.compare_types", "cannot compare {type} with {other}"), node.span, type=l, other=r)
        elif node.op not in ("=", "!=") and l.kind not in ORDERED_KINDS:
            self.error(N_("check.unordered", "{type} values cannot be ordered with {op}; use = or ≠"), node.span, type=l, op=node.op)
        elif l.kind in ("list", "record"):
            self.error(N_("check.compare_values", "cannot compare {type} values"), node.span, type=l)
        return BOOL

    def _members(self, enum_type: Type, members, span) -> None:
        enum = self.symbols.enums[enum_type.name]
        names = [m.name for m in enum.members]
        for m in members:
            if m.text not in names:
                self.error(N_("check.not_member", "{member} is not a member of {enum}"), m.span,
                           _suggest(m.text, names) or phrase(N_("hint.members", "members are: {members}"), members=", ".join(names)),
                           member=m.text, enum=enum.name)

    def t_InSet(self, node, scope):
        t = self.expr(node.operand, scope)
        if t is ERROR:
            return BOOL
        if t.kind != "enum":
            self.error(N_("check.membership", "`is`/`in` test membership of an enum, but this is {type}"), node.operand.span, type=t)
            return BOOL
        self._members(t, node.members, node.span)
        return BOOL

    def t_Contains(self, node, scope):
        t = self.expr(node.operand, scope)
        if t is ERROR:
            return BOOL
        if t.kind != "list" or t.element.kind != "enum":
            self.error(N_("check.contains", "`contains` needs a list of enum members, but this is {type}"), node.operand.span, type=t)
            return BOOL
        self._members(t.element, (node.member,), node.span)
        return BOOL

    def t_RoundOf(self, node, scope):
        frames = [f.name for f in self.symbols.frames]
        if node.frame.text not in frames:
            self.error(N_("check.round_of_unknown", "{part} of {frame}: no frame {frame}"), node.frame.span, _suggest(node.frame.text, frames),
                       part=node.part, frame=node.frame.text)
            return ERROR
        if self.symbols.programme is None or self.symbols.programme.applied_on is None:
            self.error(N_("check.round_of_date", "{part} of {frame} needs the programme's `applied on` (the application date)"), node.span,
                       part=node.part, frame=node.frame.text)
            return ERROR
        if not next(f for f in self.symbols.frames if f.name == node.frame.text).deadlines:
            self.warning(N_("check.round_of_no_rounds", "{part} of {frame} is always missing: {frame} lists no rounds"), node.span,
                         phrase(N_("hint.give_rounds_opens", 'give {frame} `deadline "NAME" DATE` lines (with `opens DATE` for its opening)'),
                                frame=node.frame.text), part=node.part, frame=node.frame.text)
        # missing when the application falls in no round: present where a condition tested it with `is given`
        return DATE if ("round", node.part, node.frame.text) in self.narrowed else attrs.evolve(DATE, optional=True)

    def t_RoundIs(self, node, scope):
        frames = {f.name: f for f in self.symbols.frames}
        frame = frames.get(node.frame.text)
        if frame is None:
            self.error(N_("check.round_is_unknown", "round of {frame}: no frame {frame}"), node.frame.span, _suggest(node.frame.text, list(frames)),
                       frame=node.frame.text)
            return BOOL
        if self.symbols.programme is None or self.symbols.programme.applied_on is None:
            self.error(N_("check.round_is_date", "round of {frame} needs the programme's `applied on` (the application date)"), node.span,
                       frame=node.frame.text)
            return BOOL
        rounds = [d.name for d in frame.deadlines]
        for name in node.names:
            if name.text not in rounds:
                quoted = ", ".join(f'"{r}"' for r in rounds)
                hint = (phrase(N_("hint.rounds_are", "its rounds are: {rounds}"), rounds=quoted) if rounds else
                        phrase(N_("hint.no_rounds", '{frame} lists no rounds: give it `deadline "NAME" DATE` lines'), frame=frame.name))
                close = _suggest(name.text, rounds)
                help = phrase(N_("hint.both", "{first} {second}"), first=close, second=hint) if close else hint
                self.error(N_("check.not_a_round", '"{name}" is not a round of {frame}'), name.span, help, name=name.text, frame=frame.name)
        return BOOL

    def t_IsGiven(self, node, scope):
        t = self.expr(node.operand, scope)
        if t is not ERROR and not t.optional:
            self.warning(N_("check.always_given", "`is given` on a value that is always given"), node.span)
        return BOOL

    def t_Not(self, node, scope):
        self.expect(node.operand, BOOL, scope, phrase(N_("what.not", "`not`")))
        return BOOL

    def _all_bool(self, items, scope, what):
        for item in items:
            self.expect(item, BOOL, scope, what)
        return BOOL

    def t_And(self, node, scope):
        saved = self.narrowed
        try:  # each condition is checked knowing the ones before it hold
            for item in node.items:
                self.expect(item, BOOL, scope, phrase(N_("what.and", "each condition of `and`/`all of`")))
                self.narrowed = self.narrowed | self.given(item)
        finally:
            self.narrowed = saved
        return BOOL

    def t_Or(self, node, scope):
        saved = self.narrowed
        try:  # each condition is checked knowing the ones before it failed: after `not X is given or`, X is given
            for item in node.items:
                self.condition_of_or(item, scope, node.block)
                if isinstance(item, ast.Not):
                    self.narrowed = self.narrowed | self.given(item.operand)
        finally:
            self.narrowed = saved
        return BOOL

    def condition_of_or(self, item, scope, block: bool) -> None:
        """An item of `or`; a value there is most likely a fallback written without its parentheses
        (`前年 or 0円 + 50円`), and the message says how to write one."""
        t = self.expr(item, scope)
        if t is ERROR or same(t, BOOL):
            return
        message = phrase(N_("check.wrong_type", "{what} must be {wanted}, but this is {type}"),
                         what=phrase(N_("what.or", "each condition of `or`/`any of`")), wanted=BOOL, type=t)
        if block or t.kind not in ("yen", "count", "ratio", "number", "date"):
            self.error(message, item.span)
        else:
            self.error(message, item.span, phrase(N_("hint.fallback_in_parentheses", "a value for when an optional one is not given follows it "
                                                                                       "after `or`, in parentheses inside arithmetic: "
                                                                                       "`(前年の最低賃金 or 0円) + 50円`")))

    def t_Fallback(self, node, scope):
        """`X or 0円`: X where the case gives it, the literal where it does not; never missing."""
        value, fallback = self.expr(node.value, scope), self.expr(node.fallback, scope)
        if value is ERROR:
            return ERROR
        word = f"`or {node.fallback.text}`"
        if value.kind == "bool":
            self.error(N_("check.fallback_of_condition", "{word} gives a value for when one is not given, but what comes before it is a condition"),
                       node.value.span, phrase(N_("hint.fallback_parentheses", "put the value and its fallback in parentheses: "
                                                                              "`今年の最低賃金 ≥ (前年の最低賃金 or 0円) + 50円`")), word=word)
            return ERROR
        v, f = unify(value.required(), fallback)
        if v != f:
            self.error(N_("check.fallback_type", "the value after `or` must be {type} like the one before it, but {fallback} is {other}"),
                       node.fallback.span, type=v, fallback=node.fallback.text, other=f)
            return ERROR
        if not value.optional:
            self.warning(N_("check.fallback_unused", "{word} after a value that is always given: {fallback} is never used"), node.fallback.span,
                         word=word, fallback=node.fallback.text)
        return v

    def t_IfElse(self, node, scope):
        self.expect(node.condition, BOOL, scope, phrase(N_("what.if", "the condition after `if`")))
        a, b = self.narrowed_by(node.condition, node.then, scope), self.expr(node.otherwise, scope)
        if ERROR in (a, b):
            return ERROR
        a, b = unify(a, b)
        if a.required() != b.required():
            self.error(N_("check.if_types", "both sides of `if … else` must have one type: {type} vs {other}"), node.span, type=a, other=b)
            return ERROR
        return attrs.evolve(a, optional=a.optional or b.optional)  # missing if either side may be

    def t_Cases(self, node, scope):
        result = None
        for condition, body in node.branches:
            self.expect(condition, BOOL, scope, phrase(N_("what.when", "the condition after `when`")))
            t = self.narrowed_by(condition, body, scope)
            result = result or t
        t = self.expr(node.otherwise, scope)
        result = result or t
        bodies = [b for _, b in node.branches] + [node.otherwise]
        kinds = {self.types[b].required() for b in bodies if self.types[b] is not ERROR}
        if len(kinds) > 1:
            self.error(N_("check.cases_types", "every branch of `cases` must have the same type"), node.span)
            return ERROR
        return result

    def t_Arith(self, node, scope):
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        if ERROR in (left, right):
            return ERROR
        if DATE_KIND in (left.kind, right.kind) or DURATION_KIND in (left.kind, right.kind):
            return self.date_arithmetic(node, left, right)
        for side, t in ((node.left, left), (node.right, right)):
            if t.optional:
                self.error(N_("check.optional_arithmetic", "arithmetic on an optional value that may be missing"), side.span,
                           _optional_help(side, t))
                return ERROR
        if node.op in ("×", "÷") and right.kind == "number" and left.kind in ("yen", "count", "ratio"):
            return left.required()  # a bare number scales: 資本金 ÷ 2 and 引上げ額 × 1,000 stay yen
        if node.op == "×" and left.kind == "number" and right.kind in ("yen", "count", "ratio"):
            return right.required()
        l, r = unify(left, right)
        result = ARITHMETIC.get((l.kind, node.op, r.kind))
        if result is None:
            self.error(N_("check.arithmetic", "cannot compute {type} {op} {other}"), node.span, type=l, op=node.op, other=r)
            return ERROR
        return result

    def date_arithmetic(self, node, left: Type, right: Type) -> Type:
        """`date ± duration`, the duration written as it reads (3年, 6か月, 30日): the same day of the
        month so many years or months on (the month's last day where it is shorter), or so many days."""
        months = isinstance(node.right, ast.Literal) and node.right.kind == "count" and literals.is_months(node.right.text)
        if left.kind == DATE_KIND and node.op in ("+", "-") and (right.kind == DURATION_KIND or months):
            if not (isinstance(node.right, ast.Literal)):
                self.error(N_("check.duration_literal", "a duration after a date is written as it reads: `3年`, `6か月`, `30日`"), node.right.span)
                return ERROR
            if left.optional:
                self.error(N_("check.optional_arithmetic", "arithmetic on an optional value that may be missing"), node.left.span,
                           _optional_help(node.left, left))
                return ERROR
            return DATE
        if DURATION_KIND in (left.kind, right.kind) or left.kind == DATE_KIND:
            self.error(N_("check.arithmetic", "cannot compute {type} {op} {other}"), node.span,
                       phrase(N_("hint.date_arithmetic", "a date takes a duration: `申請日 - 3年`, `締切 + 30日`; two dates are compared, not subtracted")),
                       type=left, op=node.op, other=right)
            return ERROR
        return self.error(N_("check.arithmetic", "cannot compute {type} {op} {other}"), node.span, type=left, op=node.op, other=right) or ERROR

    def t_RoundDown(self, node, scope):
        t = self.expr(node.operand, scope)
        if t is not ERROR and t.optional:
            self.error(N_("check.round_optional", "round down of an optional value that may be missing; test `is given` first"), node.span,
                       _optional_help(node.operand, t) if isinstance(node.operand, ast.NameRef) else None)
            return ERROR
        if t is not ERROR and t.kind not in ("yen", "count", "number"):
            self.error(N_("check.round_type", "round down applies to yen or counts, not {type}"), node.span, type=t)
        return t

    def t_Smaller(self, node, scope, word: str = "smaller"):
        a, b = self.expr(node.left, scope), self.expr(node.right, scope)
        if ERROR in (a, b):
            return ERROR
        if a.optional or b.optional:
            side, t = (node.left, a) if a.optional else (node.right, b)
            self.error(N_("check.smaller_optional", "`{word} of` an optional value that may be missing; test `is given` first"), node.span,
                       _optional_help(side, t) if isinstance(side, ast.NameRef) else None, word=word)
            return ERROR
        a, b = unify(a, b)
        if a.required() != b.required() or a.kind not in ORDERED_KINDS:
            self.error(N_("check.smaller_types", "`{word} of` needs values of one ordered type: {type} vs {other}"), node.span,
                       word=word, type=a, other=b)
            return ERROR
        return a

    def t_Larger(self, node, scope):
        return self.t_Smaller(node, scope, "larger")

    def amount_owner(self, name: str) -> str | None:
        """The frame that has an amount (at any depth) called `name`, if any."""
        def names(amounts):
            for a in amounts:
                yield a.name
                yield from names(a.parts)

        return next((f.name for f in self.symbols.frames if name in set(names(f.amounts))), None)

    def list_of(self, name: ast.Name, want_records: bool | None) -> Type | None:
        t = self.symbols.input_types.get(name.text)
        if t is None:
            self.error(N_("check.unknown_list", "unknown list {name}"), name.span, _suggest(name.text, self.symbols.inputs), name=name.text)
            return None
        self.used.add(name.text)
        if t.kind != "list":
            self.error(N_("check.not_list", "{name} is {type}, not a list"), name.span, name=name.text, type=t)
            return None
        if want_records is True and t.element.kind != "record":
            self.error(N_("check.list_of_records", "{name} is a list of {type}; this needs a list of records"), name.span,
                       name=name.text, type=t.element)
            return None
        if want_records is False and t.element.kind != "enum":
            self.error(N_("check.list_of_members", "{name} is a list of {type}; this needs a list of enum members"), name.span,
                       name=name.text, type=t.element)
            return None
        return t

    def t_Total(self, node, scope):
        t = self.list_of(node.list_name, True)
        if t is None:
            return ERROR
        inner = Scope(t.element.name, None)
        field_t = self.symbols.record_types.get((t.element.name, node.field.text))
        if field_t is None:
            fields = [f for (r, f) in self.symbols.record_types if r == t.element.name]
            self.error(N_("check.no_field", "{record} has no field {field}"), node.field.span, _suggest(node.field.text, fields),
                       record=t.element.name, field=node.field.text)
            return ERROR
        if field_t.kind not in ("yen", "count"):
            self.error(N_("check.total_field_type", "`total of` adds yen or counts; {field} is {type}"), node.field.span,
                       field=node.field.text, type=field_t)
            return ERROR
        if node.where is not None:
            self.expect(node.where, BOOL, inner, "the condition after `where`")
        return field_t.required()

    def t_TotalOf(self, node, scope):
        t = self.list_of(node.list_name, True)
        if t is None:
            return ERROR
        inner = Scope(t.element.name, None)
        value = self.expr(node.value, inner)
        if value is ERROR:
            return ERROR
        if value.optional:
            self.error(N_("check.total_optional", "`total of (…)` adds a value that may be missing"), node.value.span,
                       phrase(N_("hint.item_default", "give the item's field the value a missing answer stands for, e.g. `利用月数: か月, default 0`")))
            return ERROR
        if value.kind not in ("yen", "count"):
            self.error(N_("check.total_type", "`total of (…)` adds yen or counts; this is {type}"), node.value.span, type=value)
            return ERROR
        if node.where is not None:
            self.expect(node.where, BOOL, inner, "the condition after `where`")
        return value.required()

    def t_Number(self, node, scope):
        t = self.list_of(node.list_name, None)
        if t is None:
            return ERROR
        if node.where is not None:
            if t.element.kind != "record":
                self.error(N_("check.where_members", "`where` filters a list of records; for enum members use `among {{…}}`"), node.where.span)
            else:
                self.expect(node.where, BOOL, Scope(t.element.name, None), "the condition after `where`")
        return COUNT

    def t_NumberAmong(self, node, scope):
        t = self.list_of(node.list_name, False)
        if t is not None:
            self._members(t.element, node.members, node.span)
        return COUNT

    def t_Quantified(self, node, scope):
        t = self.list_of(node.list_name, True)
        if t is not None:
            self.expect(node.where, BOOL, Scope(t.element.name, None), "the condition after `where`")
        return BOOL

    # ------------------------------------------------------------ frames and amounts
    def constant(self, node):
        """The value of a literal expression, or None when it depends on the case."""
        return node.value if isinstance(node, ast.Literal) else None

    def check_amount(self, amount: ast.AmountDef, scope: Scope | None, frame: str) -> None:
        where = phrase(N_("what.amount", "amount {amount} of frame {frame}"), amount=amount.name, frame=frame)
        if amount.source is not None:
            self.check_source(amount.source, where, amount.span)
        if amount.for_each is not None:
            variable, list_name = amount.for_each
            t = self.list_of(list_name, True)
            scope = Scope(t.element.name, variable.text) if t is not None else scope
        if amount.parts:
            if amount.base is not None or amount.bands:
                self.error(N_("check.parts_and_rate", "{where} has both parts and its own `on`/`rate`; split it into parts"), amount.span,
                           where=where)
            for part in amount.parts:
                self.check_amount(part, scope, frame)
        else:
            if amount.base is None:
                self.error(N_("check.no_cost", "{where} says no cost: add `on <cost>`"), amount.span, where=where)
            else:
                self.expect(amount.base, YEN, scope, phrase(N_("what.cost", "the cost of {where}"), where=where))
            if not amount.bands:
                self.error(N_("check.no_rate", "{where} has no rate: add `rate 1/2` (or bands with `until`)"), amount.span, where=where)
            if not amount.round_down:
                self.error(N_("check.no_round", "{where} does not say how fractional yen are rounded: add `round down`"), amount.span,
                           where=where)
            elif amount.round_source is not None:
                self.check_source(amount.round_source, phrase(N_("what.rounding", "the rounding of {where}"), where=where), amount.span)
            self.check_bands(amount, scope, where)
        for cap in amount.caps:
            self.check_cap(cap, scope, where)
        for floor in amount.floors:
            self.expect(floor.limit, YEN, scope, phrase(N_("what.floor", "the floor of {where}"), where=where))
        self.check_floor_vs_caps(amount.floors, amount.caps)

    def check_bands(self, amount: ast.AmountDef, scope, where: Phrase) -> None:
        measures = {b.measure for b in amount.bands if b.measure}
        if len(measures) > 1:
            self.error(N_("check.bands_mixed", "{where} mixes bands on the subsidy and on the cost"), amount.span, where=where)
        previous = None
        for i, band in enumerate(amount.bands):
            last = i == len(amount.bands) - 1
            self.expect(band.rate, RATIO, scope, phrase(N_("what.rate", "the rate of {where}"), where=where))
            for rate_node in _leaves(band.rate):
                rate = self.constant(rate_node)
                if rate is not None and not (0 <= rate <= 1):
                    self.error(N_("check.rate_range", "rate {rate} is outside 0…1"), rate_node.span, rate=rate_node.text)
            if last and band.limit is not None:
                self.error(N_("check.last_band_until", "the last band of {where} needs no `until`: it covers the rest"), band.span, where=where)
            if not last and band.limit is None:
                self.error(N_("check.band_until", "band {n} of {where} needs `until the subsidy|cost reaches …` before the next `then rate`"),
                           band.span, n=i + 1, where=where)
            if band.limit is not None:
                self.expect(band.limit, YEN, scope, phrase(N_("what.band_limit", "the band limit of {where}"), where=where))
                value = self.constant(band.limit)
                if value is not None and previous is not None and value <= previous:
                    self.error(N_("check.bands_ascend", "band limits of {where} must ascend: {limit} comes after a larger or equal limit"),
                               band.limit.span, where=where, limit=band.limit.text)
                if value is not None:
                    previous = value

    def check_cap(self, cap: ast.Cap, scope, where: Phrase) -> None:
        if cap.condition is not None:
            self.expect(cap.condition, BOOL, scope, phrase(N_("what.cap_condition", "the condition of a cap")))
        # `at most X when X is given`: the limit is read only where the condition holds
        self.narrowed_by(cap.condition if not cap.negated else None, cap.limit, scope, YEN, phrase(N_("what.cap", "the cap of {where}"), where=where))
        if cap.source is not None:
            self.check_source(cap.source, phrase(N_("what.a_cap", "a cap of {where}"), where=where), cap.span)

    def check_floor_vs_caps(self, floors, caps) -> None:
        for floor in floors:
            low = self.constant(floor.limit)
            for cap in caps:
                high = self.constant(cap.limit)
                if low is not None and high is not None and cap.condition is None and low > high:
                    self.error(N_("check.floor_above_cap", "floor {floor} is above the cap {cap}: nothing could be granted"), floor.span,
                               floor=floor.limit.text, cap=cap.limit.text)

    def most(self, amount: ast.AmountDef) -> int | None:
        """The most an amount can ever grant, from its unconditional constant caps (None: unbounded)."""
        caps = [self.constant(c.limit) for c in amount.caps if c.condition is None and self.constant(c.limit) is not None]
        if amount.parts:
            parts = [self.most(p) for p in amount.parts]
            inner = None if None in parts else sum(parts)
        else:
            inner = None
        if amount.for_each is not None:
            return None  # per member: as many as the group has
        bounds = caps + ([inner] if inner is not None else [])
        return min(bounds) if bounds else None

    def check_frame(self, frame: ast.FrameDef) -> None:
        s = self.symbols
        self.check_source(frame.source, phrase(N_("what.frame_named", "frame {name}"), name=frame.name), frame.span)
        for kind, names in (("rule", frame.requires), ("step", frame.steps), ("exclusion", frame.exclusions or ())):
            for name in names:
                d = s.defs.get(name.text)
                if d is None or d.kind != kind:
                    candidates = [n for n, x in s.defs.items() if x.kind == kind]
                    self.error(N_("check.unknown_definition", "unknown {kind} {name}"), name.span, _suggest(name.text, candidates),
                               kind=kind, name=name.text)
                else:
                    self.used.add(name.text)
                    self.def_type(name.text, name.span)
        if frame.covers is not None:
            list_name, condition = frame.covers
            t = self.list_of(list_name, True)
            if t is not None:
                self.expect(condition, BOOL, Scope(t.element.name, None), phrase(N_("what.covers", "the condition after `covers … where`")))
        dates = [d.date for d in frame.deadlines]
        if dates != sorted(dates):
            self.error(N_("check.deadlines_order", "the deadlines of frame {frame} must be listed in date order"), frame.deadlines[0].span,
                       frame=frame.name)
        term = s.programme.in_force if s.programme is not None else None
        for d in frame.deadlines if term else ():  # a typo'd year would let late applications through
            if not term[0] <= d.date <= term[1]:
                self.error(N_("check.deadline_term", "deadline {date} of frame {frame} is outside the programme's term {start} .. {end}"),
                           d.span, date=d.date, frame=frame.name, start=term[0], end=term[1])
        previous = None
        for d in frame.deadlines:  # a round opens after the one before it closes, and before it closes itself
            if d.opens is not None and (d.opens, d.opens_time or datetime.time(0)) > (d.date, d.time or datetime.time(23, 59)):
                self.error(N_("check.round_opens_late", "round {round} of frame {frame} opens on {opens}, after it closes on {closes}"), d.span,
                           round=d.name, frame=frame.name, opens=d.opens, closes=d.date)
            elif d.opens is not None and previous is not None and d.opens < previous.date:
                self.error(N_("check.rounds_overlap", "round {round} of frame {frame} opens on {opens}, before round {previous} closes on "
                                                      "{closes}; rounds must not overlap"), d.span,
                           round=d.name, frame=frame.name, opens=d.opens, previous=previous.name, closes=previous.date)
            elif d.opens is not None and term and d.opens < term[0]:
                self.error(N_("check.round_before_term", "round {round} of frame {frame} opens on {opens}, before the programme's term {start} .. {end}"),
                           d.span, round=d.name, frame=frame.name, opens=d.opens, start=term[0], end=term[1])
            if d.source is not None:  # optional on a deadline; when given, a declared source
                self.check_source(d.source, phrase(N_("what.round", "round {name}"), name=d.name), d.span)
            previous = d
        if frame.deadlines and (s.programme is None or s.programme.applied_on is None):
            self.error(N_("check.deadlines_need_date", "frame {frame} has deadlines, so the programme must say `applied on <date input>`"),
                       frame.deadlines[0].span, frame=frame.name)
        if not frame.amounts:
            self.error(N_("check.no_amount", "frame {frame} has no amount"), frame.span, frame=frame.name)
        for amount in frame.amounts:
            self.check_amount(amount, None, frame.name)
        for cap in frame.caps:
            self.check_cap(cap, None, phrase(N_("what.frame_named", "frame {name}"), name=frame.name))
        for floor in frame.floors:
            self.expect(floor.limit, YEN, None, phrase(N_("what.floor", "the floor of {where}"),
                                                       where=phrase(N_("what.frame_named", "frame {name}"), name=frame.name)))
        self.check_floor_vs_caps(frame.floors, frame.caps)
        parts = [self.most(a) for a in frame.amounts]
        ceiling = None if None in parts or not parts else sum(parts)
        for floor in frame.floors:
            low = self.constant(floor.limit)
            if low is not None and ceiling is not None and low > ceiling:
                self.error(N_("check.floor_unreachable", "frame {frame} can never be eligible: its floor {floor} is above the most "
                                                         "its amounts can grant ({most:,}円)"), floor.span,
                           frame=frame.name, floor=floor.limit.text, most=ceiling)

    def check_due(self, name: str, due: ast.StepDue) -> None:
        """A step's `due` line: its source is declared; one relative to the round's deadline needs the
        application date, and each frame that lists the step needs rounds to count from."""
        if due.source is not None:
            self.check_source(due.source, phrase(N_("what.due_date", "the due date of step {name}"), name=name), due.span)
        if due.date is not None:
            return
        if self.symbols.programme is None or self.symbols.programme.applied_on is None:
            self.error(N_("check.due_needs_date", "step {name} is due by the deadline of the round applied in, which needs the programme's "
                                                   "`applied on` (the application date)"), due.span, name=name)
            return
        for frame in self.symbols.frames:
            if name in {n.text for n in frame.steps} and not frame.deadlines:
                self.warning(N_("check.due_no_rounds", "step {name} is due by the round's deadline, but frame {frame} lists no rounds: "
                                                       "there it has no due date"), due.span,
                             phrase(N_("hint.due_rounds_or_date", 'give {frame} `deadline "NAME" DATE` lines, or the step a date: `due 2024-08-01`'),
                                    frame=frame.name), name=name, frame=frame.name)

    # ------------------------------------------------------------ the whole policy
    def run(self) -> Checked:
        self.collect()
        self.type_declarations()
        for table in self.symbols.tables.values():
            self.check_table(table)
        self.check_depths()
        for name, d in self.symbols.defs.items():
            self.check_source(d.source, phrase(N_("what.definition", "{kind} {name}"), kind=d.kind, name=name), d.span)
            self.def_type(name, d.span)
        for frame in self.symbols.frames:
            self.check_frame(frame)
        for name, d in self.symbols.defs.items():
            if d.due is not None:
                self.check_due(name, d.due)
        for name, d in self.symbols.defs.items():
            if name not in self.used and d.kind in ("rule", "value"):
                self.warning(N_("check.unused", "{kind} {name} is never used"), d.span, kind=d.kind, name=name)
        for name, (group, f) in self.symbols.inputs.items():
            if name not in self.used:
                self.warning(N_("check.unused_input", "input {name} is never used"), f.span, name=name)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        warnings = [d for d in self.diagnostics if d.severity == "warning"]
        return Checked(self.symbols, self.types, self.resolutions, self.def_types, warnings, errors)


MAX_DEPTH = 150  # evaluation levels (expression nesting plus rules named): as the parser's MAX_NESTING


def _def_refs(body, defs) -> list[tuple[str, int]]:
    """Each definition `body` names, with the expression level it is named at (found without recursion)."""
    out, stack = [], [(body, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, ast.NameRef):
            if node.parts and node.parts[0] in defs:
                out.append((node.parts[0], level))
            continue
        if isinstance(node, (tuple, list)):
            stack += [(child, level) for child in node]
        elif attrs.has(type(node)):
            stack += [(getattr(node, f.name), level + 1) for f in attrs.fields(type(node)) if f.name != "span"]
    return out


def _leaves(node):
    """The alternatives a conditional rate can take (`4/5 if X else 3/4` -> 4/5, 3/4)."""
    if isinstance(node, ast.IfElse):
        yield from _leaves(node.then)
        yield from _leaves(node.otherwise)
    else:
        yield node


def check(modules: list[ast.Module], sources: dict[str, str]) -> Checked:
    """Check the policy; raise PolicyError listing every error (warnings ride along on success)."""
    checked = _Checker(modules).run()
    if checked.errors:
        ordered = sorted(checked.errors + checked.warnings, key=lambda d: (d.span is not None, d.span and (d.span.file, d.span.line, d.span.column)))
        raise PolicyError([d for d in ordered if d.severity == "error"], sources)
    return checked


def diagnose(modules: list[ast.Module]) -> list[Diagnostic]:
    """Every error and warning, in file order (for `policy check`)."""
    checked = _Checker(modules).run()
    found = checked.errors + checked.warnings
    return sorted(found, key=lambda d: (d.span is not None, d.span and (d.span.file, d.span.line, d.span.column)))
