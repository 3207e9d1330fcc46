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
from engine.i18n.system import os_reason
from engine.language.diagnostics import CaseError
from engine.language.literals import MAX_LITERAL
from engine.evaluate.case_problems import (MISSING, NOT_A_CHOICE, OUT_OF_RANGE, UNKNOWN_FIELD, WRONG_TYPE, FieldProblem,
                                           accepts_field, accepts_object, accepts_scalar, bounds, expected_field,
                                           expected_object, expected_scalar, expected_within, fields_words, frame_accepts,
                                           list_of_words, made)
from engine.evaluate.case_words import expected, members_text, path_text, show, where, word

# Top-level keys a case file may carry besides the policy's inputs.
META_KEYS = ("description", "expected", "frame")

# What each kind of field expects, in English: the words of the SQL checks over a table of cases
# (engine/sql/case_checks.py), which speak English only.
EXPECTED = {kind: expected("en", kind) for kind in ("yen", "count", "ratio", "bool", "date")}


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


def too_big(size: int, lang: str = "en") -> str:
    return word(lang, "file.too_big", most=f"{max_case_bytes():,}", size=f"{size:,}")


_ABSENT = object()  # a problem's `got` when the case has no value there


class _Duplicate(Exception):
    pass


def _pairs(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(key)
        seen[key] = value
    return seen


class _Constant(ValueError):
    pass


def _reject_constant(name):
    raise _Constant(name)


def parse_json(text: str, file: str | None = None, lang: str = "en", one_line: bool = False) -> object:
    """The JSON of a case; CaseError in `lang` when it is not one. `one_line`: the text is a line of
    JSON Lines, so a mistake's place is its column (the caller names the line)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise CaseError([word(lang, "json.empty")], file)
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_float=Decimal, parse_constant=_reject_constant)
    except _Duplicate as exc:
        raise CaseError([word(lang, "json.duplicate", key=repr(exc.args[0]))], file) from None
    except json.JSONDecodeError as exc:
        if one_line and exc.lineno == 1:
            raise CaseError([word(lang, "json.malformed_at_column", column=exc.colno, detail=exc.msg)], file) from None
        raise CaseError([word(lang, "json.malformed_at", line=exc.lineno, column=exc.colno, detail=exc.msg)], file) from None
    except _Constant as exc:
        raise CaseError([word(lang, "json.constant", name=exc.args[0])], file) from None
    except ValueError as exc:
        raise CaseError([word(lang, "json.malformed", detail=str(exc))], file) from None
    except RecursionError:
        raise CaseError([word(lang, "json.too_deep")], file) from None


def parse_json_line(text: str, lang: str = "en") -> object:
    """One line of JSON Lines: as parse_json, with a malformed line's place given as its column
    (the line is the record's own, which the caller names)."""
    return parse_json(text.rstrip("\r\n"), lang=lang, one_line=True)


STDIN = "-"  # the case file named "-" is standard input (as for `policy batch`)


def read_case_file(path: str | Path, lang: str = "en") -> object:
    p = Path(path)
    shown = word(lang, "file.stdin") if str(path) == STDIN else str(path)
    try:
        if str(path) == STDIN:
            data = sys.stdin.buffer.read(max_case_bytes() + 1)
        else:
            with open(p, "rb") as f:  # read no further than the limit: a case file may be anything
                data = f.read(max_case_bytes() + 1)
        if len(data) > max_case_bytes():
            size = len(data) if str(path) == STDIN else p.stat().st_size if p.is_file() else len(data)
            raise CaseError([too_big(size, lang)], shown)
    except FileNotFoundError:
        raise CaseError([word(lang, "file.none", file=shown)]) from None
    except IsADirectoryError:
        raise CaseError([word(lang, "file.folder", file=shown)]) from None
    except OSError as exc:
        raise CaseError([word(lang, "file.unreadable", file=shown, reason=os_reason(lang, exc))]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError([word(lang, "file.not_utf8", byte=f"0x{data[exc.start]:02x}", offset=exc.start)], shown) from None
    return parse_json(text, shown, lang)


# The case reader's words for a value it refuses, shared with the same checks made in SQL over a
# table of cases (engine/sql/case_checks.py), so a Parquet file gets the same message as a JSON case.
def negative(value, kind: str, lang: str = "en") -> str:
    return word(lang, "negative", got=value, expected=expected(lang, kind))


def too_large(value, lang: str = "en") -> str:
    if value < 0:  # a `signed` amount, as far below 0 as an amount may be above it
        return word(lang, "too_small", got=show(value, lang), least=f"-{MAX_LITERAL:,}")
    return word(lang, "too_large", got=show(value, lang), most=f"{MAX_LITERAL:,}")


def above_maximum(value, maximum: int, lang: str = "en") -> str:
    return word(lang, "above_maximum", got=show(value, lang), most=f"{maximum:,}")


def not_a_member(value, members, lang: str = "en", policy: tree.Policy | None = None, enum_name: str | None = None) -> str:
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value, list(members), n=1, cutoff=0.5)
        if close:
            hint = word(lang, "hint", name=members_text(policy, enum_name, lang, close) if lang == "ja" else close[0])
    return word(lang, "got.enum", got=show(value, lang), members=members_text(policy, enum_name, lang, list(members)), hint=hint)


def too_many_items(count: int, lang: str = "en") -> str:
    return word(lang, "too_many", n=f"{count:,}", most=f"{max_items():,}")


def missing(policy: tree.Policy, f: tree.Field, lang: str = "en") -> str:
    if f.kind == "bool":
        return word(lang, "missing.bool")
    if f.kind == "enum":
        return word(lang, "missing.enum", members=members_text(policy, f.type_name, lang))
    if f.kind in EXPECTED:
        return word(lang, "missing", expected=expected(lang, f.kind))
    if f.kind == "list":
        record = policy.records.get(f.type_name) or policy.enums.get(f.type_name)
        shown = f.type_name if lang != "ja" or record is None else record.label.ja
        return word(lang, "missing", expected=word(lang, "expected.list", record=shown))
    return word(lang, "missing", expected=f.kind)  # pragma: no cover - the checker admits no other kind


def suggest(name: str, options, lang: str = "en") -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return word(lang, "hint", name=close[0]) if close else ""


def field_names(policy: tree.Policy) -> frozenset[str]:
    """Every input group, field and record field name the policy declares."""
    names = {g.name for g in policy.groups if g.name} | {f.name for g in policy.groups for f in g.fields}
    return frozenset(names | {f.name for r in policy.records.values() for f in r.fields})


class _Reader:
    def __init__(self, policy: tree.Policy, also_known: frozenset[str] = frozenset(), lang: str = "en"):
        self.policy = policy
        self.also_known = also_known  # names another policy year declares: not a typo here, just unused
        self.lang = lang
        self.problems: list[str] = []
        self.details: list[tuple] = []
        self.errors: list[FieldProblem] = []

    def problem(self, path: tuple, message: str, code: str, got, expected_words: str, accepts: dict) -> None:
        """`path`: the field's keys in the case, () for the case as a whole; `got`: the case's value
        (None: there is none); `code`, `expected_words`, `accepts`: see FieldProblem."""
        named = where(self.policy, path, self.lang)
        self.problems.append(f"{named}: {message}")
        self.details.append((path_text(path) if path else None, named, message))
        shown = None if got is _ABSENT else show(got, self.lang)
        self.errors.append(made(path, named, code, shown, expected_words, accepts, message))

    def say(self, key: str, **values) -> str:
        return word(self.lang, key, **values)

    def number(self, path, value, kind, field: tree.Field | None):
        accepts = accepts_scalar(self.policy, kind, None, field)
        least, most = bounds(field)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.problem(path, self.say("got", got=show(value, self.lang), expected=expected(self.lang, kind)),
                         WRONG_TYPE, value, expected(self.lang, kind), accepts)
            return None
        if isinstance(value, Decimal):
            if value.is_finite() and value.adjusted() > 15:  # checked before any exact arithmetic: 1e99999999 is cheap to spot
                self.problem(path, too_large(value, self.lang), OUT_OF_RANGE, value,
                             expected_within(kind, self.lang, least=least) if value < 0 else expected_within(kind, self.lang, most=most), accepts)
                return None
            if not value.is_finite() or value != value.to_integral_value():
                self.problem(path, self.say("fraction", got=value, expected=expected(self.lang, kind)),
                             WRONG_TYPE, value, expected(self.lang, kind), accepts)
                return None
            value = int(value)
        if value < 0 and least == 0:
            self.problem(path, negative(value, kind, self.lang), OUT_OF_RANGE, value, expected_within(kind, self.lang, least=0), accepts)
            return None
        if abs(value) > MAX_LITERAL:
            self.problem(path, too_large(value, self.lang), OUT_OF_RANGE, value,
                         expected_within(kind, self.lang, least=least) if value < 0 else expected_within(kind, self.lang, most=most), accepts)
            return None
        if value > most:
            self.problem(path, above_maximum(value, most, self.lang), OUT_OF_RANGE, value, expected_within(kind, self.lang, most=most), accepts)
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
            self.problem(path, self.say("got", got=show(value, self.lang), expected=expected(self.lang, "ratio")),
                         WRONG_TYPE if result is None else OUT_OF_RANGE, value, expected(self.lang, "ratio"),
                         accepts_scalar(self.policy, "ratio", None))
            return None
        return result

    def scalar(self, path, value, field: tree.Field | None, kind: str, type_name: str | None):
        if kind in ("yen", "count"):
            return self.number(path, value, kind, field)
        if kind == "ratio":
            return self.ratio(path, value)
        accepts = accepts_scalar(self.policy, kind, type_name, field)
        if kind == "bool":
            if not isinstance(value, bool):
                self.problem(path, self.say("got.bool", got=show(value, self.lang)), WRONG_TYPE, value, expected(self.lang, "bool"), accepts)
                return None
            return value
        if kind == "date":
            try:
                if not isinstance(value, str) or not _DATE.match(value):
                    raise ValueError
                return datetime.date.fromisoformat(value)
            except ValueError:
                self.problem(path, self.say("got.date", got=show(value, self.lang)), WRONG_TYPE, value, expected(self.lang, "date"), accepts)
                return None
        if kind == "enum":
            members = accepts["choices"]
            if not isinstance(value, str) or value not in members:
                self.problem(path, not_a_member(value, members, self.lang, self.policy, type_name), NOT_A_CHOICE, value,
                             expected_scalar(self.policy, kind, type_name, self.lang), accepts)
                return None
            return value
        raise AssertionError(kind)  # pragma: no cover - the checker admits no other kind

    def value(self, path: tuple, value, f: tree.Field):
        if f.kind != "list":
            return self.scalar(path, value, f, f.kind, f.type_name)
        accepts = accepts_field(self.policy, f, max_items())
        if not isinstance(value, list):
            self.problem(path, self.say("got.list", got=show(value, self.lang)), WRONG_TYPE, value,
                         list_of_words(self.policy, f, self.lang), accepts)
            return None
        if len(value) > max_items():
            self.problem(path, self.say("too_many", n=f"{len(value):,}", most=f"{max_items():,}"), OUT_OF_RANGE, value,
                         self.say("expected.at_most_items", most=f"{max_items():,}"), accepts)
            return None
        if f.element == "enum":
            return tuple(self.scalar((*path, i), v, None, "enum", f.type_name) for i, v in enumerate(value))
        record = self.policy.records[f.type_name]
        return tuple(self.fields((*path, i), v, record.fields) for i, v in enumerate(value))

    def fields(self, path: tuple, obj, fields: tuple[tree.Field, ...], extra: tuple[str, ...] = ()):
        if not isinstance(obj, dict):
            self.problem(path, self.say("got.object", got=show(obj, self.lang), fields=fields_words(fields, self.lang)), WRONG_TYPE, obj,
                         expected_object(fields, self.lang), accepts_object(fields))
            return None
        known = {f.name: f for f in fields}
        for key in obj:
            if key not in known and key not in extra and key not in self.also_known:
                allowed = [*known, *(e for e in extra if e not in META_KEYS)]  # at the top: the groups too
                self.problem((*path, key), self.say("unknown", hint=suggest(key, allowed, self.lang), allowed=", ".join(allowed)),
                             UNKNOWN_FIELD, obj[key], self.say("expected.field_name", allowed=self.say("list.separator").join(allowed)),
                             {"type": "field_name", "choices": allowed})
        result = {}
        for f in fields:
            if f.name not in obj or obj[f.name] is None:
                if f.optional:
                    result[f.name] = None
                elif f.default is not None:
                    result[f.name] = f.default
                else:
                    self.problem((*path, f.name), missing(self.policy, f, self.lang), MISSING, _ABSENT,
                                 expected_field(self.policy, f, self.lang), accepts_field(self.policy, f, max_items()))
                continue
            result[f.name] = self.value((*path, f.name), obj[f.name], f)
        return result

    def case(self, raw) -> dict:
        if not isinstance(raw, dict):
            self.problem((), self.say("got.case", got=show(raw, self.lang)), WRONG_TYPE, raw, self.say("expected.case"), {"type": "object"})
            return {}
        top = [g for g in self.policy.groups if g.name is None]
        grouped = [g for g in self.policy.groups if g.name is not None]
        top_fields = tuple(f for g in top for f in g.fields)
        extra = tuple(g.name for g in grouped) + META_KEYS
        wrong_frame = frame_problem(raw.get("frame"), self.lang)
        if wrong_frame:
            self.problem(("frame",), wrong_frame, WRONG_TYPE, raw.get("frame"), self.say("expected.frame"), frame_accepts())
        result = self.fields((), raw, top_fields, extra) or {}
        for g in grouped:
            if g.name not in raw:
                if all(f.optional or f.default is not None for f in g.fields):
                    result[g.name] = self.fields((g.name,), {}, g.fields)
                else:
                    self.problem((g.name,), self.say("missing.group", fields=fields_words(g.fields, self.lang)), MISSING, _ABSENT,
                                 expected_object(g.fields, self.lang), accepts_object(g.fields))
                continue
            result[g.name] = self.fields((g.name,), raw[g.name], g.fields)
        return result


def shape_error(raw, lang: str = "en") -> CaseError | None:
    """What is wrong with a case before any policy year reads it (not a JSON object, a "frame" that
    is no name nor list of names), as the reader would say it, or None."""
    if not isinstance(raw, dict):
        path, message, got, key = (), word(lang, "got.case", got=show(raw, lang)), raw, "expected.case"
        accepts = {"type": "object"}
    elif wrong := frame_problem(raw.get("frame"), lang):
        path, message, got, key, accepts = ("frame",), wrong, raw.get("frame"), "expected.frame", frame_accepts()
    else:
        return None
    named = word(lang, "where.case") if not path else word(lang, "where.key", path="frame", parent="", label="frame")
    return CaseError([f"{named}: {message}"], None, [(path_text(path) or None, named, message)],
                     [made(path, named, WRONG_TYPE, show(got, lang), word(lang, key), accepts, message)])


def frame_problem(frame, lang: str = "en") -> str | None:
    """What is wrong with a case's "frame" (a frame's name or label, or a list of them), if anything."""
    if frame is None or isinstance(frame, str) or (isinstance(frame, list) and all(isinstance(f, str) for f in frame)):
        return None
    return word(lang, "got.frame", got=show(frame, lang))


def read_case(policy: tree.Policy, raw, file: str | None = None, also_known: frozenset[str] = frozenset(),
              lang: str = "en") -> dict:
    """The case's values by input path; raises CaseError listing every problem, in `lang`. Fields
    named in `also_known` (declared by another policy year the case is meant for) are ignored, not
    errors."""
    # JSON nested deeper than the inputs is never walked: the reader reports the field that got an
    # object or a list it did not expect, and json itself refuses nesting too deep for Python.
    reader = _Reader(policy, also_known, lang)
    values = reader.case(raw)
    if reader.problems:
        raise CaseError(reader.problems, file, reader.details, reader.errors)
    return values
