"""The evaluation tree: what a checked policy compiles to, and the one source every evaluator
(traced, counterfactual, fast, SQL) is derived from.

Plain data only: attrs nodes holding values, names and other nodes; no callables. It knows
nothing of the parser or the surface AST; `Origin` says where a node came from in words a
person can follow (file, line and the text of the clause)."""

from __future__ import annotations

import datetime
from fractions import Fraction

import attrs

node = attrs.frozen(kw_only=True)


@node
class Origin:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@node
class Label:
    ja: str
    en: str | None = None


@node
class Cite:
    key: str
    title: str  # the title the programme header gives the key ("inferred" for [I] rules)
    detail: str | None


# ---------------------------------------------------------------- expressions
# Every expression has `kind`, the kind of value it yields: yen count ratio bool date enum list.


@node
class Const:
    value: int | Fraction | bool | datetime.date | str
    kind: str
    origin: Origin
    unit: str | None = None  # a count's unit as written (人, 者, か月…), for display


@node
class Input:
    name: str
    path: tuple[str, ...]  # where the value sits in the case JSON
    label: Label
    kind: str
    optional: bool
    origin: Origin
    unit: str | None = None


@node
class Item:
    """A field of the list item in scope (`where …`, `for each …`)."""

    name: str
    label: Label
    kind: str
    origin: Origin
    unit: str | None = None


@node
class DefRef:
    name: str
    kind: str
    origin: Origin


@node
class TableCell:
    table: str
    column: str
    key: Input
    kind: str
    origin: Origin


@node
class Compare:
    op: str
    left: object
    right: object
    kind: str
    origin: Origin


@node
class Member:
    operand: object
    members: tuple[str, ...]
    negated: bool
    kind: str
    origin: Origin


@node
class Contains:
    operand: object
    member: str
    kind: str
    origin: Origin


@node
class Given:
    operand: object
    kind: str
    origin: Origin


@node
class Not:
    operand: object
    kind: str
    origin: Origin


@node
class All:
    items: tuple[object, ...]
    kind: str
    origin: Origin


@node
class Any:
    items: tuple[object, ...]
    kind: str
    origin: Origin


@node
class IfElse:
    condition: object
    then: object
    otherwise: object
    kind: str
    origin: Origin


@node
class Branch:
    condition: object
    body: object


@node
class Cases:
    branches: tuple[Branch, ...]
    otherwise: object
    kind: str
    origin: Origin


@node
class Arith:
    op: str  # + - ×
    left: object
    right: object
    kind: str
    origin: Origin


@node
class RoundDown:
    operand: object
    kind: str
    origin: Origin


@node
class Smaller:
    left: object
    right: object
    kind: str
    origin: Origin


@node
class Larger:
    left: object
    right: object
    kind: str
    origin: Origin


@node
class Fallback:
    """`X or 0円`: the value of `value`, or the constant `fallback` where it is missing; never missing."""

    value: object
    fallback: object  # a Const
    kind: str
    origin: Origin


@node
class Total:
    list: Input
    field: str
    where: object | None
    kind: str
    origin: Origin


@node
class TotalOf:
    """Σ value(item) over the items of `list` that meet `where`: exact (Fractions), rounded by the amount."""

    list: Input
    value: object
    where: object | None
    kind: str
    origin: Origin


@node
class RoundOf:
    """The closing (`deadline`) or opening (`opening`) date of the round of `frame` that the
    application date falls in; missing when it falls in none (engine.tree.rounds.round_of)."""

    frame: str
    part: str  # deadline | opening
    kind: str
    origin: Origin


@node
class Count:
    """Items of a list of records (optionally those matching `where`), or distinct members of an enum list."""

    list: Input
    where: object | None
    kind: str
    origin: Origin


@node
class CountAmong:
    list: Input
    members: tuple[str, ...]
    kind: str
    origin: Origin


@node
class Quantified:
    quantifier: str  # any | all
    list: Input
    where: object
    kind: str
    origin: Origin


# ---------------------------------------------------------------- definitions
@node
class Definition:
    kind: str  # rule | value | exclusion | step
    name: str
    label: Label
    cite: Cite
    help: Label | None
    body: object
    origin: Origin


@attrs.frozen(kw_only=True, eq=False)
class Table:
    name: str
    label: Label
    key_enum: str | None  # None for a table keyed by a number (its rows are bands)
    columns: tuple[str, ...]
    rows: dict  # member (or a band as written, `6人 .. 20人`) -> tuple of values, in column order
    kinds: tuple[str, ...]
    units: tuple[str | None, ...]  # a count column's unit as written (人), for display
    row_lines: dict  # member -> line of its row (for coverage reports)
    cite: Cite
    origin: Origin
    bands: tuple | None = None  # keyed by a number: (low, high) per row in order, ends included, None for open
    row_cites: dict | None = None  # member -> Cite for a row that cites its own source (the others cite the table's)


@node
class Band:
    rate: object
    measure: str | None  # subsidy | cost | None for the last band
    limit: object | None
    origin: Origin | None = None


@node
class Cap:
    limit: object
    condition: object | None
    negated: bool
    cite: Cite | None
    origin: Origin


@node
class Floor:
    limit: object
    origin: Origin


@node
class ForEach:
    variable: str
    list: Input


@node
class Amount:
    name: str
    label: Label
    cite: Cite | None
    for_each: ForEach | None
    base: object | None
    bands: tuple[Band, ...]
    round_down: bool
    caps: tuple[Cap, ...]
    floors: tuple[Floor, ...]
    parts: tuple["Amount", ...]
    origin: Origin
    like: "AmountLike | None" = None  # stated `like` another amount of the policy: which, and what differs


@node
class AmountLike:
    """`amount B like F.A`: B is amount A of frame F (their labels) but for the kinds of line in `changed`."""

    frame: str
    amount: str
    frame_label: Label
    amount_label: Label
    changed: tuple[str, ...]  # of: base bands round_down caps floors parts for_each


@node
class Deadline:
    """A round of the call: it closes on `date` at `time` (JST) and, when `opens` is known, opens then."""

    name: str
    date: datetime.date
    time: datetime.time | None = None
    opens: datetime.date | None = None
    opens_time: datetime.time | None = None
    cite: Cite | None = None


@node
class Covers:
    list: Input
    where: object


@node
class Frame:
    name: str
    label: Label
    cite: Cite
    help: Label | None
    requires: tuple[str, ...]
    exclusions: tuple[str, ...]
    steps: tuple[str, ...]
    covers: Covers | None
    deadlines: tuple[Deadline, ...]
    amount: Amount  # the frame's parts, caps and floors as one amount
    origin: Origin
    earlier_unknown: bool = False  # rounds before the first listed one exist but are not known


# ---------------------------------------------------------------- the case's shape
@node
class Field:
    name: str
    label: Label
    kind: str  # yen count ratio bool date enum list
    type_name: str | None  # the enum's name, or for lists the element enum/record's name
    element: str | None  # for lists: enum | record
    optional: bool
    fixed: bool
    default: object | None
    maximum: int | None = None  # the largest answer accepted (yen and count fields); None: MAX_LITERAL
    help: Label | None = None  # what the question means, for the self-check page
    signed: bool = False  # a yen amount that may be negative (declared `signed`); others never are


@node
class Group:
    name: str | None  # None: fields sit at the top level of the case
    label: Label | None
    fields: tuple[Field, ...]


@node
class Enum:
    name: str
    label: Label
    members: tuple[tuple[str, Label], ...]


@node
class Record:
    name: str
    label: Label
    fields: tuple[Field, ...]


@attrs.frozen(kw_only=True, eq=False)
class Policy:
    programme: str
    title: str | None
    year: int | None
    in_force: tuple[datetime.date, datetime.date] | None
    applied_on: Input | None
    sources: tuple[tuple[str, str], ...]
    enums: dict  # name -> Enum
    records: dict  # name -> Record
    groups: tuple[Group, ...]
    tables: dict  # name -> Table
    definitions: dict  # name -> Definition
    frames: tuple[Frame, ...]
