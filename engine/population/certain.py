"""A JSON line read straight into a row of the case table (engine/sql/case_table.py), for `policy
batch`'s columnar path — only when the case reader (engine/evaluate/case.py) would certainly read
it to the same values; otherwise None, and the line goes to the case reader itself, which gives its
exact decision or its exact error record. Being strict here costs speed, never a different record.

The line is parsed by orjson (strict JSON: no NaN, no trailing comma, no lone surrogate), which
keeps the last of a repeated key where Python's reader refuses the line: so the keys of every object
are counted and compared with the `":` of the text — equal only when no key repeats and no string
holds `":` (a line with either goes to the case reader). Every value is checked by its declared kind
(an integer that is not a bool for yen and counts, inside its range; a member of its enum; a date
as the reader's pattern; a ratio as plain `n/d` or `n`; lists within POLICY_MAX_ITEMS); anything
the reader would read in some other way (a ratio as "50%", an amount as 1.0) is left to it."""

from __future__ import annotations

import datetime
import re
from fractions import Fraction

from engine.tree import nodes as tree
from engine.evaluate.case import DATE_PATTERN, META_KEYS, frame_problem, max_items
from engine.language.literals import MAX_LITERAL
from engine.sql.case_table import ID_COLUMN

_DATE = re.compile(DATE_PATTERN)
_RATIO = re.compile(r"([0-9]{1,15})(?:/([0-9]{1,15}))?")
UNSURE = object()  # a value the case reader might read otherwise: the line is left to it
_ABSENT = object()


def _keys_in(value) -> int:
    """The keys of every object inside a value nobody reads (another year's field, the free text)."""
    if isinstance(value, dict):
        return len(value) + sum(_keys_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(_keys_in(v) for v in value)
    return 0


class CertainReader:
    def __init__(self, policy: tree.Policy, also_known: frozenset[str] = frozenset()):
        import orjson

        self.loads, self.error = orjson.loads, orjson.JSONDecodeError
        self.policy = policy
        self.also_known = also_known
        self.limit = max_items()
        self.top = self._fields([f for g in policy.groups if g.name is None for f in g.fields])
        self.groups = [(g.name, self._fields(g.fields), all(f.optional or f.default is not None for f in g.fields))
                       for g in policy.groups if g.name is not None]
        self.group_names = frozenset(g.name for g in policy.groups if g.name is not None)

    def _fields(self, fields) -> list:
        """(name, check, required, default cell) per field: check(value) -> the table's cell or UNSURE."""
        from engine.sql.case_table import _cell

        return [(f.name, self._check(f), not f.optional and f.default is None,
                 None if f.default is None else _cell(self.policy, f, f.default)) for f in fields]

    def _check(self, f: tree.Field):
        if f.kind == "list" and f.element == "enum":
            member = self._scalar("enum", f, f.type_name)
            limit = self.limit

            def members(v):
                if type(v) is not list or len(v) > limit:
                    return UNSURE
                out = [member(m) for m in v]
                return UNSURE if UNSURE in out else out
            return members
        if f.kind == "list":
            fields = self._fields(self.policy.records[f.type_name].fields)
            limit = self.limit

            def items(v):
                if type(v) is not list or len(v) > limit:
                    return UNSURE
                out = []
                for item in v:
                    row = self.object(item, fields)
                    if row is UNSURE:
                        return UNSURE
                    out.append(row)
                return out
            return items
        return self._scalar(f.kind, f, f.type_name)

    def _scalar(self, kind: str, f: tree.Field, type_name: str | None):
        if kind in ("yen", "count"):
            low = -MAX_LITERAL if f.signed else 0
            high = MAX_LITERAL if f.maximum is None else min(MAX_LITERAL, f.maximum)
            return lambda v: v if type(v) is int and low <= v <= high else UNSURE
        if kind == "bool":
            return lambda v: v if type(v) is bool else UNSURE
        if kind == "enum":
            members = frozenset(m for m, _ in self.policy.enums[type_name].members)
            return lambda v: v if type(v) is str and v in members else UNSURE
        if kind == "date":
            def date(v):
                if type(v) is not str or not _DATE.match(v):
                    return UNSURE
                try:
                    return datetime.date.fromisoformat(v)
                except ValueError:
                    return UNSURE
            return date
        if kind == "ratio":
            def ratio(v):
                if type(v) is int and v in (0, 1):
                    return {"num": v, "den": 1}
                m = _RATIO.fullmatch(v) if type(v) is str else None
                if m is None:
                    return UNSURE
                num, den = int(m.group(1)), int(m.group(2) or 1)
                if den == 0 or num > den:
                    return UNSURE
                r = Fraction(num, den)
                return {"num": r.numerator, "den": r.denominator}
            return ratio
        raise AssertionError(kind)  # pragma: no cover - the checker admits no other kind

    def object(self, obj, fields, extra: frozenset = frozenset(), groups: frozenset = frozenset()):
        """An object's row (its fields' cells), or UNSURE; its keys are counted into self.keys.
        `extra`: keys read by nobody here (besides other years' names); `groups`: keys read apart."""
        if type(obj) is not dict:
            return UNSURE
        self.keys += len(obj)
        row, given = {}, 0
        for name, check, required, default in fields:
            v = obj.get(name, _ABSENT)
            if v is _ABSENT or v is None:
                if required:
                    return UNSURE
                given += v is None
                row[name] = default
                continue
            given += 1
            cell = check(v)
            if cell is UNSURE:
                return UNSURE
            row[name] = cell
        if given < len(obj):  # keys beyond the fields: allowed ones are read by nobody, but their objects counted
            for key, v in obj.items():
                if key in row or key in groups:
                    continue
                if key not in extra and key not in self.also_known:
                    return UNSURE
                self.keys += _keys_in(v)
        return row

    def row(self, number: int, text: str):
        """The case-table row of the line `text` (id `number`), or None to leave it to the case reader."""
        try:
            raw = self.loads(text)
        except (self.error, RecursionError):
            return None
        if type(raw) is not dict or ("frame" in raw and frame_problem(raw["frame"]) is not None):
            return None
        self.keys = 0
        row = self.object(raw, self.top, frozenset(META_KEYS), self.group_names)
        if row is UNSURE:
            return None
        for name, fields, may_be_absent in self.groups:
            group = raw.get(name)
            if name not in raw:
                if not may_be_absent:
                    return None
                group = {}
            cells = self.object(group, fields)
            if cells is UNSURE:
                return None
            row[name] = cells
        if self.keys != text.count('":'):  # a repeated key, or a string holding `":`
            return None
        row[ID_COLUMN] = number
        return row
