"""Which row of a table a case reads, in one place for every form that evaluates tables (the
evaluator, the fast form, the page's relevance analysis): the row of the key's member, or, for a
table keyed by a number, the row whose band (both ends included) holds the number."""

from __future__ import annotations

from engine.tree import nodes as tree


def row_of(table: tree.Table, key):
    """The row's key in `table.rows` for the key's value; None when the value is missing."""
    if key is None or table.bands is None:
        return key
    for row, (low, high) in zip(table.rows, table.bands):
        if (low is None or key >= low) and (high is None or key <= high):
            return row
    return None  # the checker makes the bands cover every value; kept total for safety
