"""Fusing the query's chain of steps for running it: each step moves to the level after the
deepest step it reads, and the steps of one level become one SELECT.

The readable query has a step per rule (92 for the 2024 policy); an engine pays for every step of
a chain (DuckDB about 13 ns per case and step here; Spark's analyzer re-resolves each), while most
rules read only inputs or much earlier rules. Fused, the chain is as long as the longest chain of
rules reading rules (15 for 2024). Each column keeps its rule's comment (name, file:line,
citation), and a fused step is named by its first member and how many more it holds. The
expressions are the same; only the nesting of the SELECTs changes."""

from __future__ import annotations

from sqlglot import exp


def _plain(cte: exp.CTE) -> bool:
    """`SELECT *, … FROM <one step>` and nothing else: what may be fused."""
    select = cte.this
    return (isinstance(select, exp.Select) and select.expressions and isinstance(select.expressions[0], exp.Star)
            and not select.args.get("distinct") and not select.args.get("joins") and not select.args.get("where")
            and not cte.args.get("materialized"))


def fuse(query: exp.Select, copy: bool = True) -> exp.Select:
    """Each plain step goes to the level after the deepest step it reads (the first step, the
    inputs, is level 0); the steps of a level become one SELECT, in their original order. What
    follows the first step that is not plain (the materialized output step and the naming of the
    reasons) stays as it is."""
    query = query.copy() if copy else query
    with_ = query.args.get("with_")
    if with_ is None:
        return query
    ctes = list(with_.expressions)
    first, rest = ctes[0], ctes[1:]
    cut = next((i for i, c in enumerate(rest) if not _plain(c)), len(rest))
    body, tail = rest[:cut], rest[cut:]
    defined_at = {e.alias_or_name: 0 for e in first.this.expressions}
    levels: dict[int, list[exp.CTE]] = {}
    for cte in body:
        new = cte.this.expressions[1:]
        reads = {c.name for e in new for c in e.find_all(exp.Column)}
        level = 1 + max((defined_at[r] for r in reads if r in defined_at), default=0)
        for e in new:
            defined_at[e.alias_or_name] = level
        levels.setdefault(level, []).append(cte)
    groups, previous = [first], first.alias
    final: dict[str, str] = {}
    for level in sorted(levels):
        members = levels[level]
        names = [c.alias for c in members]
        name = names[0] if len(names) == 1 else f"{names[0]} … and {len(names) - 1} more"
        columns = []
        for cte in members:
            new = list(cte.this.expressions[1:])
            if new and cte.comments:  # the step's comment (name, file:line, citation) goes with its first column
                new[0].add_comments(list(cte.comments))
            columns += new
        select = exp.select(exp.Star(), *columns, copy=False).from_(exp.Table(this=exp.to_identifier(previous, quoted=True)), copy=False)
        step = exp.CTE(this=select, alias=exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
        if len(names) > 1:
            step.add_comments([" " + "; ".join(names) + " "])
        elif members[0].comments:
            step.add_comments(list(members[0].comments))
            columns[0].set("comments", None) if columns else None
        groups.append(step)
        final.update({n: name for n in names})
        previous = name
    last_body = body[-1].alias if body else first.alias
    for cte in tail:
        for t in cte.this.find_all(exp.Table):
            if t.name == last_body:
                t.set("this", exp.to_identifier(previous, quoted=True))
    for t in query.find_all(exp.Table):
        if t.parent_select is query and t.name == last_body:
            t.set("this", exp.to_identifier(previous, quoted=True))
    query.set("with_", exp.With(expressions=groups + tail))
    return query
