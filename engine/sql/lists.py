"""Measures over a list of records, aggregated per case in a subquery (the Spark form).

Spark runs higher-order functions (`filter`, `aggregate` over an array) interpreted, outside its
generated code: about 3 µs per case for each, and a policy has dozens over `経費`. So for Spark a
total, a count with a condition, and an `any`/`all` over a list of records whose condition and
value read nothing but the item are computed by exploding the list once and aggregating by case:

    SELECT id, SUM(CASE WHEN NOT x1 IS NULL AND <where> THEN <value> END) AS "経費#1", …
    FROM cases LATERAL VIEW OUTER EXPLODE(cases.`経費`) t AS x1 GROUP BY id

joined to the `inputs` step on `id` (population runs check that ids are unique). The outer
explode keeps the cases without the list (one row with x1 NULL, which every aggregate skips):
their sum and count are 0, `any` is false and `all` true, as in the tree. Anything that reads a
value outside the item stays a higher-order function."""

from __future__ import annotations

from sqlglot import exp

from engine.sql.expr import col, ident

ITEM = "x1"  # the item's name in the aggregate (a top-level lambda's variable)


class ListAggregates:
    def __init__(self):
        self.by_list: dict[tuple, dict[str, exp.Expression]] = {}
        self.names: dict[str, str] = {}

    def add(self, path: tuple, aggregate: exp.Expression) -> exp.Column:
        """A column holding the per-case aggregate (one per distinct aggregate)."""
        key = f"{path}|{aggregate.sql()}"
        if key not in self.names:
            name = f"{'.'.join(path)}#{len(self.names) + 1}"
            self.names[key] = name
            self.by_list.setdefault(path, {})[name] = aggregate
        return col(self.names[key])

    @staticmethod
    def present() -> exp.Expression:
        return exp.Not(this=exp.Is(this=exp.Column(this=exp.to_identifier(ITEM)), expression=exp.Null()))

    def join_into(self, inputs: exp.Select, source: str, raw: dict[tuple, exp.Expression]) -> None:
        """Each list's aggregates as a subquery joined to the inputs step, and its columns selected."""
        for path, aggregates in self.by_list.items():
            alias = exp.to_identifier(f"list: {'.'.join(path)}", quoted=True)
            columns = [exp.alias_(e, ident(name), copy=False) for name, e in aggregates.items()]
            sub = exp.select(exp.column("id", table=source, quoted=True), *columns, copy=False).from_(
                exp.Table(this=ident(source)), copy=False)
            sub.append("laterals", exp.Lateral(
                this=exp.Explode(this=raw[path].copy()), view=True, outer=True,
                alias=exp.TableAlias(this=exp.to_identifier("t"), columns=[exp.to_identifier(ITEM)])))
            sub.set("group", exp.Group(expressions=[exp.column("id", table=source, quoted=True)]))
            on = exp.EQ(this=exp.column("id", table=source, quoted=True), expression=exp.Column(this=ident("id"), table=alias.copy()))
            inputs.join(exp.Subquery(this=sub, alias=exp.TableAlias(this=alias.copy())), on=on, join_type="left", copy=False)
            for name in aggregates:
                inputs.append("expressions", exp.alias_(exp.Column(this=ident(name), table=alias.copy()), ident(name), copy=False))
