"""The reasons of a frame in the SQL form: carried through the query as bits, named once per
distinct combination.

Building an array of names on every row is what cost most in a population run (a list of
strings per frame and case, then written out). So each frame's unmet conditions travel as
integers — bit k set when the k-th reason in the tree's order holds, 62 reasons to a column —
and the status and subsidy are read from those. At the end the distinct combinations of bits
(a few hundred over millions of cases) are named in a small step of their own and joined back.
DuckDB gets the names as an ENUM, which it carries and writes as small integers (a Parquet
reader sees plain strings).

Reasons whose number varies per case (the floors of a `for each` amount, one per item) cannot
be bits: from the first of them on, a frame's floors stay arrays on the row, in order."""

from __future__ import annotations

import attrs
from sqlglot import exp

from engine.sql.expr import col, ident, string

BITS = 62  # per BIGINT column, clear of the sign bit


@attrs.frozen
class Reason:
    name: str
    holds: exp.Expression  # a non-NULL-safe condition: NULL counts as not holding


@attrs.frozen
class FrameReasons:
    """One frame's reasons as the query carries them."""

    frame: str
    fixed: tuple[Reason, ...]  # as bits, in the tree's order
    varying: tuple[exp.Expression, ...]  # arrays of names after them, in order
    steps: tuple[Reason, ...]  # pending steps, as bits

    def unmet_columns(self) -> list[str]:
        return [f"{self.frame}.unmet{i}" for i in range(_chunks(self.fixed))]

    def pending_columns(self) -> list[str]:
        return [f"{self.frame}.pending{i}" for i in range(_chunks(self.steps))]

    @property
    def extra_column(self) -> str | None:
        return f"{self.frame}.floors" if self.varying else None

    @property
    def nothing_column(self) -> str:
        return f"{self.frame}.nothing"

    def key_columns(self) -> list[str]:
        """What names a case's reasons and steps: the columns the named combinations are joined on."""
        return self.unmet_columns() + self.pending_columns() + [self.nothing_column]


def _chunks(reasons) -> int:
    return max(1, -(-len(reasons) // BITS))


def bit_columns(reasons: tuple[Reason, ...], names: list[str]) -> list[exp.Expression]:
    """One integer column per 62 reasons: the sum of 2^k over the reasons that hold."""
    columns = []
    for i, name in enumerate(names):
        terms = [exp.Case(ifs=[exp.If(this=r.holds, true=exp.Literal.number(1 << k))], default=exp.Literal.number(0))
                 for k, r in enumerate(reasons[i * BITS:(i + 1) * BITS])]
        total = terms[0] if terms else exp.Literal.number(0)
        for t in terms[1:]:
            total = exp.Add(this=total, expression=t)
        columns.append(exp.alias_(exp.cast(total, exp.DataType.build("BIGINT"), copy=False), ident(name), copy=False))
    return columns


def any_set(names: list[str]) -> exp.Expression:
    return exp.or_(*[exp.NEQ(this=col(n), expression=exp.Literal.number(0)) for n in names], copy=False)


def named(reasons: tuple[Reason, ...], columns: list[str], tail: list[exp.Expression]) -> exp.Expression:
    """The names of the bits set in `columns`, in order, then `tail` (nullable names): an array."""
    items = []
    for k, r in enumerate(reasons):
        mask = exp.Literal.number(1 << (k % BITS))
        is_set = exp.NEQ(this=exp.Paren(this=exp.BitwiseAnd(this=col(columns[k // BITS]), expression=mask)),
                         expression=exp.Literal.number(0))
        items.append(exp.Case(ifs=[exp.If(this=is_set, true=string(r.name))]))
    items += tail
    return not_null(exp.Array(expressions=items)) if items else exp.Array(expressions=[])


def not_null(arr: exp.Expression) -> exp.Expression:
    """The array without its NULL items."""
    x = exp.to_identifier("r")
    return exp.ArrayFilter(this=arr, expression=exp.Lambda(
        this=exp.Not(this=exp.Is(this=exp.Column(this=x.copy()), expression=exp.Null())), expressions=[x]))


def enum(names) -> exp.DataType:
    """DuckDB's ENUM of the given names (sorted, so the type reads the same every run)."""
    values = ", ".join("'" + n.replace("'", "''") + "'" for n in sorted(set(names)))
    return exp.DataType.build(f"ENUM({values})", dialect="duckdb")


def enum_array(names) -> exp.DataType:
    return exp.DataType(this=exp.DataType.Type.ARRAY, nested=True, expressions=[enum(names)])
