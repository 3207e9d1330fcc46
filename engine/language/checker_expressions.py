"""The checker's typing of expressions: one `t_<Node>` method per expression node, with the narrowing
that `is given` brings and the hints for optional values."""

from __future__ import annotations

import attrs

from engine.language import ast, literals
from engine.i18n import N_
from engine.language.diagnostics import Phrase, phrase
from engine.language.types import ARITHMETIC, BOOL, COUNT, DATE, LITERAL_TYPES, ORDERED_KINDS, Type, same, unify
from engine.language.symbols import DATE_KIND, DURATION_KIND, ERROR, Scope, suggest

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


class Expressions:
    """The type of each expression node; mixed into the checker."""

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
                           suggest(m.text, names) or phrase(N_("hint.members", "members are: {members}"), members=", ".join(names)),
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
            self.error(N_("check.round_of_unknown", "{part} of {frame}: no frame {frame}"), node.frame.span, suggest(node.frame.text, frames),
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
            self.error(N_("check.round_is_unknown", "round of {frame}: no frame {frame}"), node.frame.span, suggest(node.frame.text, list(frames)),
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
                close = suggest(name.text, rounds)
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
            self.error(N_("check.unknown_list", "unknown list {name}"), name.span, suggest(name.text, self.symbols.inputs), name=name.text)
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
            self.error(N_("check.no_field", "{record} has no field {field}"), node.field.span, suggest(node.field.text, fields),
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

