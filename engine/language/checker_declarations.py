"""The checker's passes over declarations: names declared once, the types of inputs and tables, citations,
table completeness, name resolution and the depth of rules naming rules."""

from __future__ import annotations

import attrs

from engine.language import ast, ranges
from engine.i18n import N_
from engine.language.diagnostics import Phrase, Span, phrase
from engine.language.types import BOOL, BUILTIN_TYPES, DATE, LITERAL_TYPES, NUMBER, YEN, Type, same
from engine.language.symbols import ERROR, INFERRED, Resolution, Scope, suggest


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


class Declarations:
    """Passes over declarations, tables and names; mixed into the checker."""

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
            self.error(N_("check.unknown_type", "unknown type {name}"), ref.span, suggest(ref.name, known), name=ref.name)
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
                               suggest(prog.applied_on.text, s.inputs), name=prog.applied_on.text)
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
                       suggest(citation.key, keys + [INFERRED])
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
                       suggest(table.key_input.text, self.symbols.inputs), table=table.name, key=table.key_input.text)
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
                self.error(N_("check.not_member", "{member} is not a member of {enum}"), row.key.span, suggest(key, members),
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
                self.error(N_("check.no_field", "{record} has no field {field}"), ref.span, suggest(parts[1], fields),
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
                           suggest(head, [f.name for f in s.groups[head].fields]), group=head)
                return ERROR
            frame = self.amount_owner(head)
            if frame is not None:
                self.error(N_("check.amount_as_value", "{amount} is an amount of frame {frame}: an amount is a result, not a value an expression can use"),
                           ref.span, phrase(N_("hint.amount_value", "name what it is computed from with a `value` (e.g. `value {amount}の対象経費 …`) "
                                                                    "and use that value both in the amount's `on` line and here"), amount=head),
                           amount=head, frame=frame)
                return ERROR
            self.error(N_("check.unknown_name", "unknown name {name}"), ref.span, suggest(head, self.visible_names(scope)), name=head)
            return ERROR
        if len(parts) == 2 and head in s.tables:
            table = s.tables[head]
            columns = [c.text for c in table.columns]
            if parts[1] not in columns:
                self.error(N_("check.no_column", "table {table} has no column {column}"), ref.span, suggest(parts[1], columns),
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
                       suggest(parts[1], [f.name for f in s.groups[head].fields]), group=head, field=parts[1])
            return ERROR
        self.error(N_("check.unknown_name", "unknown name {name}"), ref.span, suggest(head, self.visible_names(scope)), name=".".join(parts))
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

