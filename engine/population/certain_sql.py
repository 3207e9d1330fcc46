"""The strict reader of engine/population/certain.py written as SQL, for `policy batch`'s columnar
path: DuckDB parses a block of JSON lines itself (yyjson, vectorised, on every core) and takes
into the case table only the lines it can prove the case reader would read to the same values;
every other line goes to the Python strict reader, and from there, if need be, to the case reader.
It accepts a subset of what certain.py accepts, never more, and gives the same cells.

DuckDB's JSON reader is more lenient than Python's (a trailing comma, NaN, the first of a repeated
key) and does not say which keys a line holds beyond those asked for, so a line is taken only when:

- it holds no backslash (no escape: every `"` opens or closes a string), no BOM, no `,` before a
  `}` or `]`, no `"` followed by whitespace and `:`; DuckDB finds it valid JSON and an object;
- every key is one of the policy's inputs — the count of `":` in the text (with no escape, exactly
  the keys, or more) equals the count of the inputs found, so no key repeats and none is unknown
  (a line with `description` or another year's fields goes the Python way);
- every value, read back as JSON text, is written exactly as its kind wants it: an integer of at
  most 16 digits in range (not 1.0, not 1e3, not true), true/false, a member as a plain string,
  an ISO date that exists, a ratio as 0, 1, "n" or "n/d" with n ≤ d; a group an object, a list an
  array of such values or objects, within POLICY_MAX_ITEMS; no null anywhere (null is left to the
  readers in Python: it counts as a key the inputs found do not)."""

from __future__ import annotations

import datetime
import json

from engine.evaluate.case import max_case_bytes, max_items
from engine.language.literals import MAX_LITERAL
from engine.sql.case_table import ID_COLUMN, _cell, columns
from engine.tree import nodes as tree


class Unsupported(Exception):
    """A policy this SQL reader does not cover (a default it cannot write, a list inside a record):
    every line then takes the Python strict reader."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _literal(value, f: tree.Field) -> str:
    """A default cell (what certain.py puts for an absent input) as an SQL literal."""
    if value is None:
        return "NULL"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is str:
        return _s(value)
    if type(value) is datetime.date:
        return f"DATE {_s(value.isoformat())}"
    if type(value) is dict and set(value) == {"num", "den"}:
        return f"{{'num': {int(value['num'])}::BIGINT, 'den': {int(value['den'])}::BIGINT}}"
    if type(value) is list and all(type(v) is str for v in value):
        return "[" + ", ".join(_s(v) for v in value) + "]::VARCHAR[]"
    raise Unsupported(f.name)


class Leaf:
    """One input's check, its count of keys, and its cell, over `x`: its value as JSON text."""

    def __init__(self, policy: tree.Policy, f: tree.Field, limit: int):
        self.policy, self.f, self.limit = policy, f, limit
        self.required = not f.optional and f.default is None
        self.default = "NULL" if f.default is None else _literal(_cell(policy, f, f.default), f)

    def structure(self):
        f = self.f
        if f.kind != "list":
            return "JSON"
        if f.element == "enum":
            return ["JSON"]
        record = self.policy.records[f.type_name]
        if any(r.kind == "list" for r in record.fields):
            raise Unsupported(f.name)
        return [{r.name: "JSON" for r in record.fields}]

    def scalar(self, kind: str, x: str, type_name: str | None, f: tree.Field) -> tuple[str, str]:
        """(the value is certainly read as this cell, the cell), for a non-NULL `x`."""
        if kind in ("yen", "count"):
            low = -MAX_LITERAL if f.signed else 0
            high = MAX_LITERAL if f.maximum is None else min(MAX_LITERAL, f.maximum)
            cell = f"TRY_CAST({x} AS BIGINT)"
            return f"(regexp_full_match({x}, '-?(0|[1-9][0-9]{{0,15}})') AND {cell} BETWEEN {low} AND {high})", cell
        if kind == "bool":
            return f"({x} IN ('true', 'false'))", f"({x} = 'true')"
        if kind == "enum":
            members = [m for m, _ in self.policy.enums[type_name].members if '"' not in m and "\\" not in m]
            listed = ", ".join(_s('"' + m + '"') for m in members) or "NULL"
            return f"({x} IN ({listed}))", f"substr({x}, 2, length({x}) - 2)"
        if kind == "date":
            cell = f"TRY_CAST(substr({x}, 2, 10) AS DATE)"
            return (f"(regexp_full_match({x}, '\"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}\"') AND NOT starts_with({x}, '\"0000')"
                    f" AND {cell} IS NOT NULL)"), cell
        if kind == "ratio":
            num = f"TRY_CAST(regexp_extract({x}, '^\"?([0-9]+)', 1) AS BIGINT)"
            den = f"coalesce(TRY_CAST(regexp_extract({x}, '/([0-9]+)\"$', 1) AS BIGINT), 1)"
            ok = (f"({x} IN ('0', '1') OR (regexp_full_match({x}, '\"[0-9]{{1,15}}(/[0-9]{{1,15}})?\"')"
                  f" AND {den} <> 0 AND {num} <= {den}))")
            cell = (f"{{'num': ({num} // gcd({num}, {den}))::BIGINT, 'den': ({den} // gcd({num}, {den}))::BIGINT}}")
            return ok, cell
        raise Unsupported(kind)

    def sql(self, x: str, kind_of: str | None) -> tuple[str, str, str]:
        """(check, keys counted, cell) of the input whose JSON text (or list of texts) is `x`;
        `kind_of`: the SQL of its JSON type (lists) or None."""
        f = self.f
        absent = "false" if self.required else "true"
        if f.kind != "list":
            ok, cell = self.scalar(f.kind, x, f.type_name, f)
            return (f"(CASE WHEN {x} IS NULL THEN {absent} ELSE {ok} END)", f"({x} IS NOT NULL)::INT",
                    f"(CASE WHEN {x} IS NULL THEN {self.default} ELSE {cell} END)")
        shape = f"({kind_of} = 'ARRAY' AND len({x}) <= {self.limit})"
        if f.element == "enum":
            ok, cell = self.scalar("enum", "e", f.type_name, f)
            check = f"{shape} AND len(list_filter({x}, lambda e: NOT coalesce({ok}, false))) = 0"
            made = f"list_transform({x}, lambda e: {cell})"
            keys = "0"
        else:
            record = self.policy.records[f.type_name]
            parts = [Leaf(self.policy, r, self.limit).sql(f"e[{_s(r.name)}]", None) for r in record.fields]
            ok = " AND ".join(p[0] for p in parts) or "true"
            check = f"{shape} AND len(list_filter({x}, lambda e: NOT coalesce({ok}, false))) = 0"
            made = ("list_transform(" + x + ", lambda e: struct_pack("
                    + ", ".join(f"{_q(r.name)} := {p[2]}" for r, p in zip(record.fields, parts)) + "))")
            keys = f"coalesce(list_sum(list_transform({x}, lambda e: {' + '.join(p[1] for p in parts) or '0'})), 0)"
        return (f"(CASE WHEN {kind_of} IS NULL THEN {absent} ELSE ({check}) END)", f"(CASE WHEN {x} IS NULL THEN 0 ELSE 1 + {keys} END)",
                f"(CASE WHEN {kind_of} IS NULL THEN {self.default} ELSE {made} END)")


def checked_sql(policy: tree.Policy, source: str = "raw") -> str:
    """A SELECT over `source` (id BIGINT, line VARCHAR) giving `ok` and the case table's columns
    per line: `ok` true only for a line certain.py would read, and then to these same cells."""
    limit = max_items()
    structure, paths, checks, keys, cells = {}, ["$"], [], [], {}
    records: list[tuple[str, str]] = []  # (path of a list of records, SQL of its elements' types)

    def kind_of(path: str) -> str:
        paths.append(path)
        return f"t[{len(paths)}]"

    def field(f: tree.Field, x: str, path: str, inner: dict) -> str:
        leaf = Leaf(policy, f, limit)
        inner[f.name] = leaf.structure()
        t = None
        if f.kind == "list":
            t = kind_of(path)
            if f.element == "record":
                records.append((path, x))
        ok, count, cell = leaf.sql(x, t)
        checks.append(ok)
        keys.append(count)
        return cell

    for g in policy.groups:
        if g.name is None:
            for f in g.fields:
                cells[f.name] = field(f, f"v[{_s(f.name)}]", f"$.{json.dumps(f.name, ensure_ascii=False)}", structure)
            continue
        inner: dict = {}
        path = f"$.{json.dumps(g.name, ensure_ascii=False)}"
        t = kind_of(path)
        checks.append(f"({t} IS NULL OR {t} = 'OBJECT')")
        keys.append(f"({t} IS NOT NULL)::INT")
        made = [f"{_q(f.name)} := {field(f, f'v[{_s(g.name)}][{_s(f.name)}]', path + '.' + json.dumps(f.name, ensure_ascii=False), inner)}"
                for f in g.fields]
        structure[g.name] = inner
        cells[g.name] = f"struct_pack({', '.join(made)})"
    if any("\\" in p for p in paths):  # a name holding " or \ (a line would need an escape)
        raise Unsupported("a name with an escape")
    element_types = [f"json_type(line, {_s(path + '[*]')})" for path, _ in records]
    checks += [f"len(list_filter(e{k}, lambda y: y <> 'OBJECT')) = 0" for k in range(len(records))]
    checks.insert(0, "v IS NOT NULL AND t[1] = 'OBJECT'")
    checks.append(f"(strlen(line) - strlen(replace(line, '\":', ''))) // 2 = {' + '.join(keys)}")
    order = [c for c, _ in columns(policy) if c != ID_COLUMN]
    shape = _s(json.dumps(structure, ensure_ascii=False))
    plain = ("NOT contains(line, '\\') AND NOT contains(line, chr(65279)) AND NOT regexp_matches(line, ',\\s*[\\]}]')"
             f" AND NOT regexp_matches(line, '\"\\s+:') AND strlen(line) <= {max_case_bytes()}")
    # TRY: NULL for a line that is not JSON; the JSON types asked of the lines that are
    parsed = (f"SELECT id, line, v, CASE WHEN v IS NOT NULL THEN json_type(line, [{', '.join(_s(p) for p in paths)}]) END AS t"
              + "".join(f", CASE WHEN v IS NOT NULL THEN {e} END AS e{k}" for k, e in enumerate(element_types))
              + f" FROM (SELECT id, line, CASE WHEN {plain} THEN TRY(json_transform(line, {shape})) END AS v FROM {source})")
    return (f"SELECT {ID_COLUMN}, coalesce({' AND '.join(checks)}, false) AS ok, "
            + ", ".join(f"{cells[c]} AS {_q(c)}" for c in order) + f" FROM ({parsed})")
