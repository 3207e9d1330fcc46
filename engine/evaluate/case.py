"""Reading a case (an applicant and what it wants to buy, as JSON) against the policy's input
declarations. Every problem is reported with the field's path, what it got and what it expected;
money never passes through a float (JSON numbers are read as Decimal)."""

from __future__ import annotations

import datetime
import difflib
import json
import os
import re
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from engine.tree import nodes as tree
from engine.language.diagnostics import CaseError
from engine.language.literals import MAX_LITERAL

# Top-level keys a case file may carry besides the policy's inputs.
META_KEYS = ("description", "expected", "frame")

EXPECTED = {
    "yen": "a whole number of yen (e.g. 500000)",
    "count": "a whole number (e.g. 12)",
    "ratio": 'a ratio: "1/2", "50%" or a number from 0 to 1',
    "bool": "true or false",
    "date": 'a date "YYYY-MM-DD"',
}


# The spellings a case may use, shared with the case's JSON Schema (engine/authoring/schema.py) so
# the two accept exactly the same strings: ASCII digits and spaces only (JSON Schema's \d and
# \s differ between regex dialects; Python's own parsers also take "１/２", "٥٠%", "1_0" and
# ISO week dates such as "2024-W27-1").
RATIO_PATTERN = r"^ *[0-9]+(\.[0-9]+)?( */ *[0-9]+(\.[0-9]+)?)? *$(?!\n)"
PERCENT_PATTERN = r"^ *[0-9]+(\.[0-9]+)?% *$(?!\n)"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$(?!\n)"
_RATIO, _PERCENT, _DATE = re.compile(RATIO_PATTERN), re.compile(PERCENT_PATTERN), re.compile(DATE_PATTERN)
MAX_ITEMS = 1000


def max_items() -> int:
    """The most items a list in a case may hold: POLICY_MAX_ITEMS, or 1,000 (each item costs
    evaluation time, what-if searches and trace; 10,000 took 16 s to decide)."""
    try:
        return max(1, int(os.environ.get("POLICY_MAX_ITEMS", MAX_ITEMS)))
    except ValueError:
        return MAX_ITEMS


MAX_CASE_BYTES = 1024 * 1024


def max_case_bytes() -> int:
    """The largest case file or batch record read (bytes): POLICY_MAX_CASE_BYTES, or 1 MiB (a case of
    1,000 expense items is about 55 KB; the service's own limit is --max-body)."""
    try:
        return max(1, int(os.environ.get("POLICY_MAX_CASE_BYTES", MAX_CASE_BYTES)))
    except ValueError:
        return MAX_CASE_BYTES


def too_big(size: int | None) -> str:
    """`size` None: a stream read no further than the limit, whose size is not known."""
    known = f" ({size:,})" if size is not None else ""
    return f"the case is larger than {max_case_bytes():,} bytes{known}; a case holds one applicant (POLICY_MAX_CASE_BYTES)"


class _Duplicate(Exception):
    pass


def _pairs(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(key)
        seen[key] = value
    return seen


def _reject_constant(name):
    raise ValueError(f"{name} is not a number a case may hold")


def parse_json(text: str, file: str | None = None) -> object:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise CaseError(["the case is empty; expected a JSON object"], file)
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_float=Decimal, parse_constant=_reject_constant)
    except _Duplicate as exc:
        raise CaseError([f"the key {exc.args[0]!r} appears twice in one object"], file) from None
    except json.JSONDecodeError as exc:
        raise CaseError([f"line {exc.lineno} column {exc.colno}: malformed JSON: {exc.msg}"], file) from None
    except ValueError as exc:
        raise CaseError([f"malformed JSON: {exc}"], file) from None
    except RecursionError:
        raise CaseError(["the JSON is nested too deeply"], file) from None


def parse_json_line(text: str) -> object:
    """One line of JSON Lines: as parse_json, with a malformed line's place given as its column
    (the line is the record's own, which the caller names)."""
    try:
        return parse_json(text.rstrip("\r\n"))
    except CaseError as exc:
        problems = [p.removeprefix("line 1 ") if p.startswith("line 1 column ") else p for p in exc.problems]
        raise CaseError(problems, exc.file) from None


STDIN = "-"  # the case file named "-" is standard input (as for `policy batch`)


def read_case_file(path: str | Path) -> object:
    p = Path(path)
    shown = "standard input" if str(path) == STDIN else str(path)
    try:
        if str(path) == STDIN:
            data = sys.stdin.buffer.read(max_case_bytes() + 1)
        else:
            with open(p, "rb") as f:  # read no further than the limit: a case file may be anything
                data = f.read(max_case_bytes() + 1)
        if len(data) > max_case_bytes():
            size = None if str(path) == STDIN else p.stat().st_size if p.is_file() else len(data)
            raise CaseError([too_big(size)], shown)
    except FileNotFoundError:
        raise CaseError([f"no such file {shown}"]) from None
    except IsADirectoryError:
        raise CaseError([f"{shown} is a folder; give a case file (.json)"]) from None
    except OSError as exc:
        raise CaseError([f"cannot read {shown}: {exc.strerror}"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError([f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the case as UTF-8"], shown) from None
    return parse_json(text, shown)


def show(value) -> str:
    """A value as a message quotes it: JSON's spelling, a long number shortened."""
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) > 40:
        digits = str(value)
        return f"{digits[:20]}… ({len(digits.lstrip('-'))} digits)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return str(value)


# The case reader's words for a value it refuses, shared with the same checks made in SQL over a
# table of cases (engine/sql/case_checks.py), so a Parquet file gets the same message as a JSON case.
def negative(value, kind: str) -> str:
    return f"got {value}, expected {EXPECTED[kind]}; it must not be negative"


def too_large(value) -> str:
    return f"got {show(value)}, which is larger than {MAX_LITERAL:,}; is it a typo?"


def above_maximum(value, maximum: int) -> str:
    return f"got {show(value)}, expected at most {maximum:,} (the policy's bound for this field)"


def too_many_items(count: int) -> str:
    return f"{count:,} items; a list holds at most {max_items():,} (POLICY_MAX_ITEMS)"


def not_a_member(value, members) -> str:
    hint = suggest(value, members) if isinstance(value, str) else ""
    return f"got {show(value)}, expected one of: {', '.join(members)}{hint}"


def missing(policy: tree.Policy, f: tree.Field) -> str:
    if f.kind in EXPECTED:
        what = EXPECTED[f.kind]
    elif f.kind == "enum":
        what = "one of: " + ", ".join(m for m, _ in policy.enums[f.type_name].members)
    elif f.kind == "list":
        what = f"a list of {f.type_name}"
    else:
        what = f.kind
    return f"missing; expected {what}"


def suggest(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else ""


def field_names(policy: tree.Policy) -> frozenset[str]:
    """Every input group, field and record field name the policy declares."""
    names = {g.name for g in policy.groups if g.name} | {f.name for g in policy.groups for f in g.fields}
    return frozenset(names | {f.name for r in policy.records.values() for f in r.fields})


class _Reader:
    def __init__(self, policy: tree.Policy, also_known: frozenset[str] = frozenset()):
        self.policy = policy
        self.also_known = also_known  # names another policy year declares: not a typo here, just unused
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def number(self, path, value, kind):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.problem(path, f"got {show(value)}, expected {EXPECTED[kind]}")
            return None
        if isinstance(value, Decimal):
            if value.is_finite() and value.adjusted() > 15:  # checked before any exact arithmetic: 1e99999999 is cheap to spot
                self.problem(path, too_large(value))
                return None
            if not value.is_finite() or value != value.to_integral_value():
                self.problem(path, f"got {value}, expected {EXPECTED[kind]}; fractions of a yen or a person are not allowed")
                return None
            value = int(value)
        if value < 0:
            self.problem(path, negative(value, kind))
            return None
        if value > MAX_LITERAL:
            self.problem(path, too_large(value))
            return None
        return value

    def ratio(self, path, value):
        result = None
        # a ratio never needs an exponent or forty digits; refusing them first keeps 1e99999999 cheap
        absurd = (isinstance(value, str) and (len(value) > 40 or "e" in value.lower())) or (
            isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) > 15)
        if absurd:
            value = f"{value[:40]}…" if isinstance(value, str) and len(value) > 40 else value
        elif isinstance(value, str):
            text = value.strip(" ")
            try:
                if _PERCENT.match(value):
                    result = Fraction(Decimal(text[:-1].strip(" "))) / 100
                elif _RATIO.match(value):
                    numerator, _, denominator = text.partition("/")
                    result = Fraction(Decimal(numerator.strip(" "))) / Fraction(Decimal(denominator.strip(" ") or "1"))
            except (ValueError, ZeroDivisionError, ArithmeticError):
                result = None
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            result = Fraction(value) if (not isinstance(value, Decimal) or value.is_finite()) else None
        if result is None or not 0 <= result <= 1:
            self.problem(path, f"got {show(value)}, expected {EXPECTED['ratio']}")
            return None
        return result

    def scalar(self, path, value, field: tree.Field | None, kind: str, type_name: str | None):
        if kind in ("yen", "count"):
            number = self.number(path, value, kind)
            if number is not None and field is not None and field.maximum is not None and number > field.maximum:
                self.problem(path, above_maximum(number, field.maximum))
                return None
            return number
        if kind == "ratio":
            return self.ratio(path, value)
        if kind == "bool":
            if not isinstance(value, bool):
                self.problem(path, f"got {show(value)}, expected {EXPECTED['bool']}")
                return None
            return value
        if kind == "date":
            try:
                if not isinstance(value, str) or not _DATE.match(value):
                    raise ValueError
                return datetime.date.fromisoformat(value)
            except ValueError:
                self.problem(path, f"got {show(value)}, expected {EXPECTED['date']} that exists")
                return None
        if kind == "enum":
            members = [m for m, _ in self.policy.enums[type_name].members]
            if not isinstance(value, str) or value not in members:
                self.problem(path, not_a_member(value, members))
                return None
            return value
        raise AssertionError(kind)  # pragma: no cover - the checker admits no other kind

    def value(self, path, value, f: tree.Field):
        if f.kind != "list":
            return self.scalar(path, value, f, f.kind, f.type_name)
        if not isinstance(value, list):
            self.problem(path, f"got {show(value)}, expected a list")
            return None
        if len(value) > max_items():
            self.problem(path, too_many_items(len(value)))
            return None
        if f.element == "enum":
            return tuple(self.scalar(f"{path}[{i}]", v, None, "enum", f.type_name) for i, v in enumerate(value))
        record = self.policy.records[f.type_name]
        return tuple(self.fields(f"{path}[{i}]", v, record.fields) for i, v in enumerate(value))

    def fields(self, path: str, obj, fields: tuple[tree.Field, ...], extra: tuple[str, ...] = ()):
        prefix = f"{path}." if path else ""
        if not isinstance(obj, dict):
            self.problem(path or "the case", f"got {show(obj)}, expected an object with fields {', '.join(f.name for f in fields)}")
            return None
        known = {f.name: f for f in fields}
        for key in obj:
            if key not in known and key not in extra and key not in self.also_known:
                allowed = [*known, *(e for e in extra if e not in META_KEYS)]  # at the top: the groups too
                self.problem(f"{prefix}{key}", f"unknown field{suggest(key, allowed)}; expected one of: {', '.join(allowed)}")
        result = {}
        for f in fields:
            if f.name not in obj or obj[f.name] is None:
                if f.optional:
                    result[f.name] = None
                elif f.default is not None:
                    result[f.name] = f.default
                else:
                    self.problem(f"{prefix}{f.name}", missing(self.policy, f))
                continue
            result[f.name] = self.value(f"{prefix}{f.name}", obj[f.name], f)
        return result

    def case(self, raw) -> dict:
        if not isinstance(raw, dict):
            self.problem("the case", f"got {show(raw)}, expected a JSON object")
            return {}
        top = [g for g in self.policy.groups if g.name is None]
        grouped = [g for g in self.policy.groups if g.name is not None]
        top_fields = tuple(f for g in top for f in g.fields)
        extra = tuple(g.name for g in grouped) + META_KEYS
        wrong_frame = frame_problem(raw.get("frame"))
        if wrong_frame:
            self.problem("frame", wrong_frame)
        result = self.fields("", raw, top_fields, extra) or {}
        for g in grouped:
            if g.name not in raw:
                if all(f.optional or f.default is not None for f in g.fields):
                    result[g.name] = self.fields(g.name, {}, g.fields)
                else:
                    self.problem(g.name, f"missing; expected an object with fields {', '.join(f.name for f in g.fields)}")
                continue
            result[g.name] = self.fields(g.name, raw[g.name], g.fields)
        return result


def frame_problem(frame) -> str | None:
    """What is wrong with a case's "frame" (a frame's name or label, or a list of them), if anything."""
    if frame is None or isinstance(frame, str) or (isinstance(frame, list) and all(isinstance(f, str) for f in frame)):
        return None
    return f"got {show(frame)}, expected the name of a frame or a list of names"


def read_case(policy: tree.Policy, raw, file: str | None = None, also_known: frozenset[str] = frozenset()) -> dict:
    """The case's values by input path; raises CaseError listing every problem. Fields named in
    `also_known` (declared by another policy year the case is meant for) are ignored, not errors."""
    # JSON nested deeper than the inputs is never walked: the reader reports the field that got an
    # object or a list it did not expect, and json itself refuses nesting too deep for Python.
    reader = _Reader(policy, also_known)
    values = reader.case(raw)
    if reader.problems:
        raise CaseError(reader.problems, file)
    return values
