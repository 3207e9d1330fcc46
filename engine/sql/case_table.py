"""The case table: many cases as one table, one row per case, for `policy sql` and
`policy population`. Its layout mirrors the case JSON so that nothing is renamed on the way:

- `id` (BIGINT): the case's identifier, carried to every output row;
- one column per input group (申請者, 資本関係 …): a STRUCT with one field per input field;
- one column per top-level input (経費, 申請日 …);
- yen and count: BIGINT; bool: BOOLEAN; enum: VARCHAR holding the member's name; date: DATE;
  ratio: STRUCT(num BIGINT, den BIGINT), exact (1/3 stays 1/3); a list of an enum: VARCHAR[];
  a list of records: STRUCT(...)[] with the record's fields;
- NULL means "not given": the query applies the input's default, an optional input stays
  missing (it meets no comparison), a required one is an error.

The types are written in DuckDB's notation; `arrow_schema` gives the same for Parquet."""

from __future__ import annotations

from fractions import Fraction

from engine.tree import nodes as tree

SCALAR_TYPES = {"yen": "BIGINT", "count": "BIGINT", "bool": "BOOLEAN", "enum": "VARCHAR", "date": "DATE",
                "ratio": "STRUCT(num BIGINT, den BIGINT)"}
ID_COLUMN = "id"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def field_type(policy: tree.Policy, f: tree.Field) -> str:
    if f.kind != "list":
        return SCALAR_TYPES[f.kind]
    if f.element == "enum":
        return "VARCHAR[]"
    record = policy.records[f.type_name]
    return f"STRUCT({', '.join(f'{_quote(r.name)} {field_type(policy, r)}' for r in record.fields)})[]"


def columns(policy: tree.Policy) -> list[tuple[str, str]]:
    """(column, DuckDB type) in the order of the policy's declarations, `id` first."""
    result = [(ID_COLUMN, "BIGINT")]
    for g in policy.groups:
        if g.name is None:
            result += [(f.name, field_type(policy, f)) for f in g.fields]
        else:
            inner = ", ".join(f"{_quote(f.name)} {field_type(policy, f)}" for f in g.fields)
            result.append((g.name, f"STRUCT({inner})"))
    return result


def create_table_sql(policy: tree.Policy, name: str = "cases") -> str:
    body = ",\n  ".join(f"{_quote(c)} {t}" for c, t in columns(policy))
    return f"CREATE TABLE {_quote(name)} (\n  {body}\n)"


def _cell(policy: tree.Policy, f: tree.Field, value):
    if value is None:
        return None
    if f.kind == "ratio":
        value = Fraction(value)
        return {"num": value.numerator, "den": value.denominator}
    if f.kind == "list" and f.element == "record":
        fields = policy.records[f.type_name].fields
        return [{r.name: _cell(policy, r, item.get(r.name)) for r in fields} for item in value]
    if f.kind == "list":
        return list(value)
    return value


def to_row(policy: tree.Policy, case_id: int, values: dict) -> dict:
    """A case as read by `case.read_case` (defaults applied) -> one row of the table."""
    row = {ID_COLUMN: case_id}
    for g in policy.groups:
        if g.name is None:
            row.update({f.name: _cell(policy, f, values.get(f.name)) for f in g.fields})
        else:
            group = values.get(g.name) or {}
            row[g.name] = {f.name: _cell(policy, f, group.get(f.name)) for f in g.fields}
    return row


def from_row(row: dict) -> dict:
    """A row of the table -> the case's JSON form (what `policy eval` reads): ratios as "n/d",
    dates as ISO text, NULLs dropped so defaults apply."""

    def plain(value):
        if isinstance(value, dict):
            if set(value) == {"num", "den"}:
                return None if value["num"] is None else f"{value['num']}/{value['den']}"
            return {k: p for k, v in value.items() if (p := plain(v)) is not None}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    return {k: p for k, v in row.items() if k != ID_COLUMN and (p := plain(v)) is not None}


def arrow_schema(policy: tree.Policy):
    """The layout as a pyarrow schema (for writing Parquet from Python)."""
    import pyarrow as pa

    scalar = {"yen": pa.int64(), "count": pa.int64(), "bool": pa.bool_(), "enum": pa.string(), "date": pa.date32(),
              "ratio": pa.struct([("num", pa.int64()), ("den", pa.int64())])}

    def arrow(f: tree.Field):
        if f.kind != "list":
            return scalar[f.kind]
        if f.element == "enum":
            return pa.list_(pa.string())
        return pa.list_(pa.struct([(r.name, arrow(r)) for r in policy.records[f.type_name].fields]))

    fields = [pa.field(ID_COLUMN, pa.int64())]
    for g in policy.groups:
        if g.name is None:
            fields += [pa.field(f.name, arrow(f)) for f in g.fields]
        else:
            fields.append(pa.field(g.name, pa.struct([(f.name, arrow(f)) for f in g.fields])))
    return pa.schema(fields)
