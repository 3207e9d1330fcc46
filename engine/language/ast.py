"""The surface AST: immutable nodes, each carrying the `Span` of the text it came from.

Nodes mirror what the author wrote; names are not yet resolved (that is the checker's job) and
nothing here knows how a policy is evaluated.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

import attrs

from engine.language.diagnostics import Span

frozen = attrs.frozen(kw_only=True)


# ---------------------------------------------------------------- shared pieces
@frozen
class Label:
    ja: str
    en: str | None = None


@frozen
class Citation:
    key: str
    detail: str | None
    span: Span


@frozen
class Name:
    text: str
    span: Span


# ---------------------------------------------------------------- expressions
@frozen
class Literal:
    kind: str  # money | count | ratio | integer | date | bool
    value: int | Fraction | datetime.date | bool
    text: str
    span: Span


@frozen
class NameRef:
    parts: tuple[str, ...]
    span: Span


@frozen
class Compare:
    op: str  # one of < <= > >= = !=
    left: object
    right: object
    span: Span


@frozen
class InSet:
    """`x is M`, `x is not M`, `x in {A, B}`, `x not in {A, B}`."""

    operand: object
    members: tuple[Name, ...]
    negated: bool
    span: Span


@frozen
class Contains:
    operand: object
    member: Name
    span: Span


@frozen
class RoundOf:
    """`deadline of FRAME` / `opening of FRAME`: a date of the round of FRAME the application falls in."""

    part: str  # deadline | opening
    frame: Name
    span: Span


@frozen
class IsGiven:
    operand: object
    span: Span


@frozen
class Not:
    operand: object
    span: Span


@frozen
class And:
    items: tuple[object, ...]
    block: bool  # written as an `all of:` block (each item on its own line)
    span: Span


@frozen
class Or:
    items: tuple[object, ...]
    block: bool
    span: Span


@frozen
class IfElse:
    condition: object
    then: object
    otherwise: object
    span: Span


@frozen
class Cases:
    branches: tuple[tuple[object, object], ...]  # (condition, body)
    otherwise: object
    span: Span


@frozen
class Arith:
    op: str  # + - ×
    left: object
    right: object
    span: Span


@frozen
class RoundDown:
    operand: object
    span: Span


@frozen
class Smaller:
    left: object
    right: object
    span: Span


@frozen
class Larger:
    left: object
    right: object
    span: Span


@frozen
class Fallback:
    """`X or 0円`: an optional value, or the stated literal where the case leaves it out."""

    value: object
    fallback: object  # a Literal (never true/false: `A or false` is a condition)
    span: Span


@frozen
class Total:
    field: Name
    list_name: Name
    where: object | None
    span: Span


@frozen
class TotalOf:
    """`total of (金額 × 24か月 ÷ 利用月数 if …) in 経費 where …`: a value per item, added up exactly."""

    value: object
    list_name: Name
    where: object | None
    span: Span


@frozen
class Number:
    list_name: Name
    where: object | None
    span: Span


@frozen
class NumberAmong:
    list_name: Name
    members: tuple[Name, ...]
    span: Span


@frozen
class Quantified:
    quantifier: str  # any | all
    list_name: Name
    where: object
    span: Span


# ---------------------------------------------------------------- declarations
@frozen
class SourceDecl:
    key: str
    title: str
    span: Span


@frozen
class Programme:
    name: str
    title: str | None
    year: int | None
    in_force: tuple[datetime.date, datetime.date] | None
    applied_on: Name | None
    sources: tuple[SourceDecl, ...]
    span: Span


@frozen
class Include:
    path: str
    span: Span


@frozen
class EnumMember:
    name: str
    label: Label | None
    span: Span


@frozen
class EnumDef:
    name: str
    label: Label | None
    members: tuple[EnumMember, ...]
    span: Span


@frozen
class TypeRef:
    name: str
    is_list: bool
    span: Span


@frozen
class Field:
    name: str
    type: TypeRef
    optional: bool
    fixed: bool
    default: Literal | Name | None  # a Name is an enum member
    label: Label | None
    span: Span
    maximum: Literal | None = None  # `, at most 120か月`: larger answers are refused as typos
    help: Label | None = None  # what the question means (`help "…"` after the label)
    signed: bool = False  # a yen amount that may be negative (a loss); amounts are non-negative otherwise


@frozen
class RecordDef:
    name: str
    label: Label | None
    fields: tuple[Field, ...]
    span: Span


@frozen
class InputDef:
    """`input G "label": fields…` (a group, one JSON object) or `input field` (group is None)."""

    group: str | None
    label: Label | None
    fields: tuple[Field, ...]
    span: Span


@frozen
class BandKey:
    """The key of a row of a table keyed by a number: `≤ 5人` (op ≤, high), `6人 .. 20人` (low and
    high, both included), `≥ 51人` (op ≥, low); `<` and `>` exclude their end."""

    op: str | None  # ≤ < ≥ > for a one-sided band, None for `low .. high`
    low: "Literal | None"
    high: "Literal | None"
    text: str  # as `policy fmt` writes it; names the row in messages and coverage
    span: Span


@frozen
class TableRow:
    key: "Name | BandKey"
    cells: tuple[Literal, ...]
    span: Span
    source: "Citation | None" = None  # `| 製造業 | 3億円 | source 法 "第2条第1項第1号"`: where this row comes from


@frozen
class TableDef:
    name: str
    label: Label | None
    key_input: Name | None  # None only in `amend table` (the base's key stays)
    source: Citation | None
    key_column: str
    columns: tuple[Name, ...]
    rows: tuple[TableRow, ...]
    span: Span


@frozen
class RuleDef:
    kind: str  # rule | value | exclusion | step
    name: str
    label: Label | None
    source: Citation | None
    help: Label | None
    body: object
    span: Span


@frozen
class Band:
    rate: object
    measure: str | None  # "subsidy" | "cost" | None (last band)
    limit: object | None
    span: Span


@frozen
class Cap:
    limit: object
    condition: object | None
    negated: bool  # `unless`
    source: Citation | None
    span: Span


@frozen
class Floor:
    limit: object
    span: Span


@frozen
class AmountDef:
    name: str
    label: Label | None
    for_each: tuple[Name, Name] | None  # (variable, list input)
    source: Citation | None
    help: Label | None
    base: object | None
    bands: tuple[Band, ...]
    round_down: bool
    caps: tuple[Cap, ...]
    floors: tuple[Floor, ...]
    parts: tuple["AmountDef", ...]
    span: Span
    given: frozenset = frozenset()  # which kinds of line the author wrote (for `amend`)
    removed: tuple[Name, ...] = ()  # `remove amount X` lines (for `amend`)
    like: "tuple[Name | None, Name] | None" = None  # `amount B "…" like F.A:` — (F, A), resolved by the loader
    derived: "AmountLike | None" = None  # once resolved: what B is like and which of its lines differ


@frozen
class AmountLike:
    """What a derived amount is like: A of frame `frame` (its label), with the kinds of line B states."""

    frame: str
    amount: str
    frame_label: Label | None
    amount_label: Label | None
    changed: tuple[str, ...]  # of: base bands round_down caps floors parts for_each (in that order)


@frozen
class Deadline:
    """`deadline "追加公募" 2024-10-15 17:00 opens 2024-09-20 9:30 source schedule "…"`: a round of
    the call, closing at `date` (`time`, JST) and, when `opens` is given, opening on that day."""

    name: str
    date: datetime.date
    span: Span
    time: datetime.time | None = None
    opens: datetime.date | None = None
    opens_time: datetime.time | None = None
    source: Citation | None = None


@frozen
class FrameDef:
    name: str
    label: Label | None
    source: Citation | None
    help: Label | None
    requires: tuple[Name, ...]
    exclusions: tuple[Name, ...] | None  # None = no exclusions apply; otherwise the ones excepted
    steps: tuple[Name, ...]
    covers: tuple[Name, object] | None  # (list input, condition on an item)
    deadlines: tuple[Deadline, ...]
    amounts: tuple[AmountDef, ...]
    caps: tuple[Cap, ...]
    floors: tuple[Floor, ...]
    span: Span
    given: frozenset = frozenset()
    removed: tuple[Name, ...] = ()
    earlier_unknown: bool = False  # `earlier rounds unknown`: a date before the first listed round has no known round
    like: "Name | None" = None  # `frame B "…" like A:` — A with the lines B states (resolved by the loader)


@frozen
class Extends:
    path: str
    span: Span


@frozen
class Override:
    """`override rule X …`: replaces the base policy's definition of X whole."""

    item: object
    span: Span


@frozen
class Amend:
    """`amend frame X:` (and table, enum, input): changes only what the block states."""

    item: object
    span: Span


@frozen
class Remove:
    kind: str
    name: Name
    span: Span


@frozen
class Module:
    """One parsed .rules file."""

    file: str
    items: tuple[object, ...]
