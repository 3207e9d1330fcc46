"""Lark tree -> AST for the declarations: the file header, types and inputs, tables, rules, frames and
amounts; mixed into the transformer of `transform.py`."""

from __future__ import annotations

import datetime

import lark
from lark import Token, v_args

from engine.language import ast, literals
from engine.i18n import N_
from engine.language.diagnostics import Diagnostic, phrase


class LiteralError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def unquote(token: Token) -> str:
    return str(token)[1:-1]


_LINE_KINDS = {ast.Citation: "source", ast.Deadline: "deadlines", ast.AmountDef: "parts", ast.Cap: "caps",
               ast.Floor: "floors", ast.Band: "bands"}


def _line_kind(line) -> str:
    """What part of a frame or amount a line sets (`amend` replaces exactly those parts)."""
    if type(line) in _LINE_KINDS:
        return _LINE_KINDS[type(line)]
    return line[0]


@v_args(meta=True)
class Declarations(lark.Transformer):
    """The callbacks for declarations (a base of `transform.ToAst`; Lark wraps a class's own methods only,
    so this class carries its own `v_args`)."""

    # ------------------------------------------------------------ file and header
    def start(self, meta, children):
        return list(children)

    def programme(self, meta, children):
        name, lines = unquote(children[0]), children[1:]
        found = {"title": None, "year": None, "in_force": None, "applied_on": None}
        sources = []
        for line in lines:
            if isinstance(line, ast.SourceDecl):
                sources.append(line)
            else:
                found[line[0]] = line[1]
        return ast.Programme(name=name, sources=tuple(sources), span=self._span(meta), **found)

    def title(self, meta, children):
        return ("title", unquote(children[0]))

    def year(self, meta, children):
        return ("year", self._literal(meta, children, "integer", literals.grouped_int).value)

    def in_force(self, meta, children):
        start = self._literal(meta, [children[0]], "date", literals.date).value
        end = self._literal(meta, [children[1]], "date", literals.date).value
        if end < start:  # every case would be judged outside the term (or blamed for it)
            raise LiteralError(Diagnostic("error", phrase(N_("syntax.term_backwards", "in force {start} .. {end} ends before it starts; write the earlier date first"),
                                                  start=start, end=end),
                                           self._tspan(children[1])))
        return ("in_force", (start, end))

    def applied_on(self, meta, children):
        return ("applied_on", self._name(children[0]))

    def source_decl(self, meta, children):
        return ast.SourceDecl(key=str(children[0]), title=unquote(children[1]), span=self._span(meta))

    def include(self, meta, children):
        return ast.Include(path=unquote(children[0]), span=self._span(meta))

    def extends(self, meta, children):
        return ast.Extends(path=unquote(children[0]), span=self._span(meta))

    def override(self, meta, children):
        return ast.Override(item=children[0], span=self._span(meta))

    def amend(self, meta, children):
        return ast.Amend(item=children[0], span=self._span(meta))

    def remove(self, meta, children):
        return ast.Remove(kind=str(children[0]), name=self._name(children[1]), span=self._span(meta))

    def remove_amount(self, meta, children):
        return ("remove_amount", self._name(children[0]))

    def label(self, meta, children):
        return ast.Label(ja=unquote(children[0]), en=unquote(children[1]) if len(children) > 1 else None)

    # ------------------------------------------------------------ types and inputs
    def enum_def(self, meta, children):
        label, members = self._split_label(children[1:])
        return ast.EnumDef(name=str(children[0]), label=label, members=tuple(members), span=self._span(meta))

    def enum_member(self, meta, children):
        return ast.EnumMember(name=str(children[0]), label=children[1] if len(children) > 1 else None, span=self._tspan(children[0]))

    def simple_type(self, meta, children):
        return ast.TypeRef(name=str(children[0]), is_list=False, span=self._span(meta))

    def list_type(self, meta, children):
        return ast.TypeRef(name=str(children[0]), is_list=True, span=self._span(meta))

    def optional(self, meta, children):
        return ("optional", True)

    def fixed(self, meta, children):
        return ("fixed", True)

    def signed(self, meta, children):
        return ("signed", True)

    def default(self, meta, children):
        return ("default", children[0])

    def default_member(self, meta, children):
        return ("default", self._name(children[0]))

    def maximum(self, meta, children):
        return ("maximum", children[0])

    def field(self, meta, children):
        name, type_ref, rest = children[0], children[1], children[2:]
        options = {"optional": False, "fixed": False, "signed": False, "default": None, "maximum": None}
        label = help_ = None
        for item in rest:
            if isinstance(item, ast.Label):
                label = item
            elif item[0] == "help":
                help_ = item[1]
            else:
                options[item[0]] = item[1]
        return ast.Field(name=str(name), type=type_ref, label=label, span=self._tspan(name), help=help_, **options)

    def field_help(self, meta, children):
        return ("help", children[0])

    def record_def(self, meta, children):
        label, fields = self._split_label(children[1:])
        return ast.RecordDef(name=str(children[0]), label=label, fields=tuple(fields), span=self._span(meta))

    def input_group(self, meta, children):
        label, fields = self._split_label(children[1:])
        return ast.InputDef(group=str(children[0]), label=label, fields=tuple(fields), span=self._tspan(children[0]))

    def input_field(self, meta, children):
        return ast.InputDef(group=None, label=None, fields=(children[0],), span=self._span(meta))

    # ------------------------------------------------------------ tables
    def by_key(self, meta, children):
        return self._name(children[0])

    def table_def(self, meta, children):
        name = children[0]
        label, rest = self._split_label(children[1:])
        key_input = None
        if rest and isinstance(rest[0], ast.Name):
            key_input, rest = rest[0], rest[1:]
        source = next((c for c in rest if isinstance(c, ast.Citation)), None)
        header = next(c for c in rest if isinstance(c, tuple))
        rows = tuple(c for c in rest if isinstance(c, ast.TableRow))
        return ast.TableDef(
            name=str(name), label=label, key_input=key_input, source=source,
            key_column=header[0].text, columns=header[1:], rows=rows, span=self._tspan(name),
        )

    def table_header(self, meta, children):
        return tuple(self._name(c) for c in children)

    def table_row(self, meta, children):
        key = children[0] if isinstance(children[0], ast.BandKey) else self._name(children[0])
        source = children[-1] if isinstance(children[-1], ast.Citation) else None
        cells = children[1:-1] if source is not None else children[1:]
        return ast.TableRow(key=key, cells=tuple(cells), span=self._span(meta), source=source)

    _BOUND_OPS = {"<=": "≤", ">=": "≥", "≤": "≤", "≥": "≥", "<": "<", ">": ">"}

    def band_bound(self, meta, children):
        op_token, value = children
        op = self._BOUND_OPS.get(str(op_token))
        if op is None:
            raise LiteralError(Diagnostic("error", phrase(N_("syntax.band_bound", "a row of a table keyed by a number starts with ≤, <, ≥ or > "
                                                                                  "(or is `low .. high`), not {op}"), op=str(op_token)),
                                           self._tspan(op_token)))
        low, high = (value, None) if op in ("≥", ">") else (None, value)
        return ast.BandKey(op=op, low=low, high=high, text=f"{op} {value.text}", span=self._span(meta))

    def band_between(self, meta, children):
        low, high = children
        return ast.BandKey(op=None, low=low, high=high, text=f"{low.text} .. {high.text}", span=self._span(meta))

    # ------------------------------------------------------------ rules
    def source_line(self, meta, children):
        detail = unquote(children[1]) if len(children) > 1 else None
        return ast.Citation(key=str(children[0]), detail=detail, span=self._span(meta))

    source_line_inline = source_line

    def help_line(self, meta, children):
        return ("help", children[0])

    def _rule(self, kind, meta, children):
        name = children[0]
        label, rest = self._split_label(children[1:])
        source = next((c for c in rest if isinstance(c, ast.Citation)), None)
        help_ = next((c[1] for c in rest if isinstance(c, tuple) and c and c[0] == "help"), None)
        body = rest[-1]
        due = next((c for c in rest if isinstance(c, ast.StepDue)), None)
        return ast.RuleDef(kind=kind, name=str(name), label=label, source=source, help=help_, body=body, span=self._tspan(name), due=due)

    def rule_def(self, meta, children):
        return self._rule("rule", meta, children)

    def value_def(self, meta, children):
        return self._rule("value", meta, children)

    def exclusion_def(self, meta, children):
        return self._rule("exclusion", meta, children)

    def step_def(self, meta, children):
        return self._rule("step", meta, children)

    def due_on(self, meta, children):
        day = self._literal(meta, children[:1], "date", literals.date).value
        source = children[1] if len(children) > 1 else None
        return ast.StepDue(date=day, amount=0, unit=None, source=source, span=self._span(meta))

    def due_by_deadline(self, meta, children):
        amount, unit, source = 0, None, None
        if len(children) >= 2 and not isinstance(children[0], ast.Citation):
            sign, token = str(children[0]), children[1]
            if literals.is_months(str(token)) or str(token).endswith(("年", "日")):
                amount = self._literal(meta, [token], "duration", literals.duration).value * (1 if sign == "+" else -1)
                unit = "か月" if literals.is_months(str(token)) else literals.duration_unit(str(token))
            else:
                raise LiteralError(Diagnostic("error", phrase(N_("syntax.due_duration", "a step is due a duration (年, か月, 日) before or "
                                                                          "after the deadline, not {token}"), token=str(token)),
                                               self._tspan(token)))
        if children and isinstance(children[-1], ast.Citation):
            source = children[-1]
        return ast.StepDue(date=None, amount=amount, unit=unit, source=source, span=self._span(meta))

    def all_block(self, meta, children):
        return ast.And(items=tuple(children), block=True, span=self._span(meta))

    def any_block(self, meta, children):
        return ast.Or(items=tuple(children), block=True, span=self._span(meta))

    def cases_block(self, meta, children):
        return ast.Cases(branches=tuple(children[:-1]), otherwise=children[-1], span=self._span(meta))

    def when_branch(self, meta, children):
        return (children[0], children[1])

    def otherwise_branch(self, meta, children):
        return children[0]

    # ------------------------------------------------------------ frames and amounts
    def name_list(self, meta, children):
        return tuple(self._name(c) for c in children)

    def requires(self, meta, children):
        return ("requires", children[0])

    def exclusions_all(self, meta, children):
        return ("exclusions", children[0] if children else ())

    def exclusions_none(self, meta, children):
        return ("exclusions", None)

    def steps(self, meta, children):
        return ("steps", children[0])

    def covers(self, meta, children):
        return ("covers", (self._name(children[0]), children[1]))

    def deadline(self, meta, children):
        date = self._literal(meta, [children[1]], "date", literals.date).value
        rest = children[2:]
        time = opening = source = None
        for item in rest:
            if isinstance(item, ast.Citation):
                source = item
            elif isinstance(item, tuple) and item and item[0] == "opening":
                opening = item
            else:
                time = self._time(item)
        return ast.Deadline(name=unquote(children[0]), date=date, span=self._span(meta), time=time,
                            opens=opening[1] if opening else None, opens_time=opening[2] if opening else None, source=source)

    def opening(self, meta, children):
        date = self._literal(meta, [children[0]], "date", literals.date).value
        return ("opening", date, self._time(children[1]) if len(children) > 1 else None)

    def _time(self, token) -> datetime.time:
        hours, minutes = (int(x) for x in str(token).split(":"))
        if hours > 23 or minutes > 59:
            raise LiteralError(Diagnostic("error", phrase(N_("syntax.time", "{time} is not a time of day (HH:MM, 0:00 to 23:59)"), time=str(token)),
                                           self._tspan(token)))
        return datetime.time(hours, minutes)

    def deadlines_unknown(self, meta, children):
        return ("deadlines",)

    def earlier_rounds_unknown(self, meta, children):
        return ("earlier_unknown", True)

    def frame_def(self, meta, children):
        name = children[0]
        label, lines = self._split_label(children[1:])
        found = {"requires": (), "exclusions": (), "steps": (), "covers": None, "help": None}
        source, deadlines, amounts, caps, floors, removed = None, [], [], [], [], []
        given = {"label"} if label else set()
        like = None
        for line in lines:
            if isinstance(line, tuple) and line[0] == "like":
                like = line[1]
                continue
            given.add(_line_kind(line))
            if isinstance(line, ast.Citation):
                source = line
            elif isinstance(line, ast.Deadline):
                deadlines.append(line)
            elif isinstance(line, ast.AmountDef):
                amounts.append(line)
            elif isinstance(line, ast.Cap):
                caps.append(line)
            elif isinstance(line, ast.Floor):
                floors.append(line)
            elif line[0] == "remove_amount":
                removed.append(line[1])
            elif line[0] == "deadlines":
                pass  # `deadlines unknown`: none are checked (an `amend` drops the base's)
            elif line[0] in ("requires", "steps"):
                found[line[0]] = found[line[0]] + line[1]
            else:
                found[line[0]] = line[1]
        return ast.FrameDef(
            name=str(name), label=label, source=source, deadlines=tuple(deadlines), amounts=tuple(amounts),
            caps=tuple(caps), floors=tuple(floors), span=self._tspan(name), given=frozenset(given), removed=tuple(removed), like=like,
            **found,
        )

    def like(self, meta, children):
        return ("like", self._name(children[0]))

    def for_each(self, meta, children):
        return (self._name(children[0]), self._name(children[1]))

    def amount_def(self, meta, children):
        name = children[0]
        label, rest = self._split_label(children[1:])
        for_each = like = None
        if rest and isinstance(rest[0], tuple) and isinstance(rest[0][0], ast.Name):
            for_each, rest = rest[0], rest[1:]
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "amount_like":
            like, rest = rest[0][1], rest[1:]
        source = help_ = base = None
        bands, caps, floors, parts, removed, round_down, round_source = [], [], [], [], [], False, None
        given = {"label"} if label else set()
        for line in rest:
            given.add(_line_kind(line))
            if isinstance(line, ast.Citation):
                source = line
            elif isinstance(line, ast.Band):
                bands.append(line)
            elif isinstance(line, ast.Cap):
                caps.append(line)
            elif isinstance(line, ast.Floor):
                floors.append(line)
            elif isinstance(line, ast.AmountDef):
                parts.append(line)
            elif line[0] == "help":
                help_ = line[1]
            elif line[0] == "base":
                base = line[1]
            elif line[0] == "round_down":
                round_down, round_source = True, line[1]
            elif line[0] == "remove_amount":
                removed.append(line[1])
        if for_each is not None:
            given.add("for_each")
        return ast.AmountDef(
            name=str(name), label=label, for_each=for_each, source=source, help=help_, base=base,
            bands=tuple(bands), round_down=round_down, caps=tuple(caps), floors=tuple(floors),
            parts=tuple(parts), span=self._tspan(name), given=frozenset(given), removed=tuple(removed), like=like,
            round_source=round_source,
        )

    def amount_like(self, meta, children):
        names = tuple(self._name(c) for c in children)
        return ("amount_like", (None, names[0]) if len(names) == 1 else names)

    def base(self, meta, children):
        return ("base", children[0])

    def _band(self, meta, children):
        until = children[1] if len(children) > 1 else (None, None)
        return ast.Band(rate=children[0], measure=until[0], limit=until[1], span=self._span(meta))

    first_rate = _band
    next_rate = _band

    def until(self, meta, children):
        return (str(children[0]), children[1])

    def round_down(self, meta, children):
        return ("round_down", children[0] if children else None)

    def cap_line(self, meta, children):
        limit, rest = children[0], children[1:]
        condition, negated, source = None, False, None
        for item in rest:
            if isinstance(item, ast.Citation):
                source = item
            else:
                negated, condition = item[0] == "unless", item[1]
        return ast.Cap(limit=limit, condition=condition, negated=negated, source=source, span=self._span(meta))

    def cap_when(self, meta, children):
        return ("when", children[0])

    def cap_unless(self, meta, children):
        return ("unless", children[0])

    def floor_line(self, meta, children):
        return ast.Floor(limit=children[0], span=self._span(meta))
