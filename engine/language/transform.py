"""Lark tree -> the frozen attrs nodes of `engine.language.ast`, each with its `Span`: the transformer's
helpers and expressions here, its declarations in `transform_declarations.py`."""

from __future__ import annotations

from lark import Token, v_args

from engine.language import ast, literals
from engine.language.diagnostics import Diagnostic, Span
from engine.language.transform_declarations import Declarations, LiteralError


_COMPARISONS = {"<=": "<=", "≤": "<=", ">=": ">=", "≥": ">=", "!=": "!=", "≠": "!=", "==": "=", "=": "=", "<": "<", ">": ">"}
_ARITHMETIC = {"+": "+", "-": "-", "−": "-", "×": "×", "*": "×", "÷": "÷"}


@v_args(meta=True)
class ToAst(Declarations):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    # ------------------------------------------------------------ helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.file, 1, 1, 1, 1)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return Span(self.file, token.line, token.column, token.end_line, token.end_column)

    def _name(self, token: Token) -> ast.Name:
        return ast.Name(text=str(token), span=self._tspan(token))

    @staticmethod
    def _split_label(children):
        """Peel an optional Label off the front of `children`."""
        if children and isinstance(children[0], ast.Label):
            return children[0], children[1:]
        return None, children

    def _literal(self, meta, children, kind, convert):
        token = children[0]
        try:
            value = convert(str(token))
        except literals.LiteralProblem as exc:
            raise LiteralError(Diagnostic("error", exc.phrase, self._tspan(token))) from None
        return ast.Literal(kind=kind, value=value, text=str(token), span=self._tspan(token))

    # ------------------------------------------------------------ expressions
    def if_expr(self, meta, children):
        then, condition, otherwise = children
        return ast.IfElse(condition=condition, then=then, otherwise=otherwise, span=self._span(meta))

    def or_(self, meta, children):
        last = children[-1]
        if isinstance(last, ast.Literal) and last.kind != "bool":
            # `X or 0円`: a number or a date after `or` is a fallback value, never a condition; a
            # condition before it (`A ≥ X or 0円`) is the checker's to report, with the parentheses to add
            value = children[0] if len(children) == 2 else ast.Or(items=tuple(children[:-1]), block=False, span=self._span(meta))
            return ast.Fallback(value=value, fallback=last, span=self._span(meta))
        return ast.Or(items=tuple(children), block=False, span=self._span(meta))

    def and_(self, meta, children):
        return ast.And(items=tuple(children), block=False, span=self._span(meta))

    def not_(self, meta, children):
        return ast.Not(operand=children[0], span=self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(op=_COMPARISONS[str(op)], left=left, right=right, span=self._span(meta))

    def is_member(self, meta, children):
        return ast.InSet(operand=children[0], members=(self._name(children[1]),), negated=False, span=self._span(meta))

    def is_not_member(self, meta, children):
        return ast.InSet(operand=children[0], members=(self._name(children[1]),), negated=True, span=self._span(meta))

    def in_set(self, meta, children):
        return ast.InSet(operand=children[0], members=children[1], negated=False, span=self._span(meta))

    def not_in_set(self, meta, children):
        return ast.InSet(operand=children[0], members=children[1], negated=True, span=self._span(meta))

    def member_set(self, meta, children):
        return tuple(self._name(c) for c in children)

    def contains(self, meta, children):
        return ast.Contains(operand=children[0], member=self._name(children[1]), span=self._span(meta))

    def _round_names(self, tokens) -> tuple[ast.Name, ...]:
        return tuple(ast.Name(text=str(t)[1:-1], span=self._tspan(t)) for t in tokens)

    def round_is(self, meta, children):
        return ast.RoundIs(frame=self._name(children[0]), names=self._round_names(children[1:]), negated=False, span=self._span(meta))

    def round_is_not(self, meta, children):
        return ast.RoundIs(frame=self._name(children[0]), names=self._round_names(children[1:]), negated=True, span=self._span(meta))

    def round_in(self, meta, children):
        return ast.RoundIs(frame=self._name(children[0]), names=self._round_names(children[1:]), negated=False, span=self._span(meta))

    def is_given(self, meta, children):
        return ast.IsGiven(operand=children[0], span=self._span(meta))

    def arith(self, meta, children):
        left, op, right = children
        return ast.Arith(op=_ARITHMETIC[str(op)], left=left, right=right, span=self._span(meta))

    def round_down_expr(self, meta, children):
        return ast.RoundDown(operand=children[0], span=self._span(meta))

    def smaller(self, meta, children):
        return self._fold(ast.Smaller, meta, children)

    def larger(self, meta, children):
        return self._fold(ast.Larger, meta, children)

    def _fold(self, node, meta, children):
        """`smaller of (a, b, c)` is smaller of (smaller of (a, b), c): one binary node per comma."""
        result = children[0]
        for child in children[1:]:
            result = node(left=result, right=child, span=self._span(meta))
        return result

    def total(self, meta, children):
        where = children[2] if len(children) > 2 else None
        return ast.Total(field=self._name(children[0]), list_name=self._name(children[1]), where=where, span=self._span(meta))

    def total_of(self, meta, children):
        where = children[2] if len(children) > 2 else None
        return ast.TotalOf(value=children[0], list_name=self._name(children[1]), where=where, span=self._span(meta))

    def number(self, meta, children):
        where = children[1] if len(children) > 1 else None
        return ast.Number(list_name=self._name(children[0]), where=where, span=self._span(meta))

    def number_among(self, meta, children):
        return ast.NumberAmong(list_name=self._name(children[0]), members=children[1], span=self._span(meta))

    def any_item(self, meta, children):
        return ast.Quantified(quantifier="any", list_name=self._name(children[0]), where=children[1], span=self._span(meta))

    def all_item(self, meta, children):
        return ast.Quantified(quantifier="all", list_name=self._name(children[0]), where=children[1], span=self._span(meta))

    def name_ref(self, meta, children):
        return ast.NameRef(parts=tuple(str(c) for c in children), span=self._span(meta))

    # ------------------------------------------------------------ literals
    def money(self, meta, children):
        return self._literal(meta, children, "money", literals.money)

    def count(self, meta, children):
        return self._literal(meta, children, "count", literals.count)

    def ratio(self, meta, children):
        return self._literal(meta, children, "ratio", literals.ratio)

    def percent(self, meta, children):
        return self._literal(meta, children, "ratio", literals.percent)

    def integer(self, meta, children):
        return self._literal(meta, children, "integer", literals.grouped_int)

    def date(self, meta, children):
        return self._literal(meta, children, "date", literals.date)

    def round_deadline(self, meta, children):
        return ast.RoundOf(part="deadline", frame=self._name(children[0]), span=self._span(meta))

    def round_opening(self, meta, children):
        return ast.RoundOf(part="opening", frame=self._name(children[0]), span=self._span(meta))

    def duration(self, meta, children):
        return self._literal(meta, children, "duration", literals.duration)

    def true(self, meta, children):
        return ast.Literal(kind="bool", value=True, text="true", span=self._span(meta))

    def false(self, meta, children):
        return ast.Literal(kind="bool", value=False, text="false", span=self._span(meta))
