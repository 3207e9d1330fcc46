"""A case reader's problem as programs read it: the field's path, the field as the message's language
names it, a stable code for the kind of problem, what the case gave, what the field takes (in words
and as data), and the message. The service's RFC 9457 problems (engine/serve/problems.py) carry these
as they are, in Japanese as in English; the terminal prints only the message."""

from __future__ import annotations

import attrs

from engine.evaluate.case_words import expected, label_of, members_text, path_text, word
from engine.language.diagnostics import printable
from engine.language.literals import MAX_LITERAL
from engine.tree import nodes as tree

# The kinds of problem (an error's `code`), stable for programs:
MISSING = "missing"  # a required field (or group) is absent or null
WRONG_TYPE = "wrong_type"  # a value of the wrong JSON type or spelling: a string for a number, 1.5 people, "2024-02-30"
NOT_A_CHOICE = "not_a_choice"  # a value outside an enumeration's choices
OUT_OF_RANGE = "out_of_range"  # a number below or above what the field takes, or a list with too many items
UNKNOWN_FIELD = "unknown_field"  # a key the policy does not declare there
CODES = (MISSING, WRONG_TYPE, NOT_A_CHOICE, OUT_OF_RANGE, UNKNOWN_FIELD)


@attrs.frozen
class FieldProblem:
    """One problem of a case. `got` is the value as the message quotes it (JSON's spelling; None when
    the field is missing); `expected` what the field takes, in the message's language; `accepts` the
    same as data: {"type": yen|count|ratio|bool|date|enum|list|object|field_name|frame, and where they
    apply "minimum", "maximum", "choices", "fields", "of", "max_items"}."""

    path: tuple
    label: str
    code: str
    got: str | None
    expected: str
    accepts: dict
    message: str

    @property
    def field(self) -> str | None:
        return path_text(self.path) if self.path else None

    def as_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "code": self.code, "got": self.got,
                "expected": self.expected, "accepts": self.accepts, "message": self.message}


def made(path: tuple, label: str, code: str, got: str | None, expected_words: str, accepts: dict, message: str) -> FieldProblem:
    """A FieldProblem whose texts (which may quote the case's own keys and values) are printable."""
    return FieldProblem(path, printable(label), code, None if got is None else printable(got), printable(expected_words),
                        accepts, printable(message))


def _separated(lang: str, names) -> str:
    return word(lang, "list.separator").join(names)


def fields_words(fields, lang: str) -> str:
    """A record's or group's fields as a message lists them: by label in Japanese, by name in English."""
    return _separated(lang, [label_of(f.label, f.name, lang) if lang == "ja" else f.name for f in fields])


def list_of_words(policy: tree.Policy, f: tree.Field, lang: str) -> str:
    record = policy.records.get(f.type_name) or policy.enums.get(f.type_name)
    shown = f.type_name if lang != "ja" or record is None else record.label.ja
    return word(lang, "expected.list", record=shown)


def bounds(f: tree.Field | None) -> tuple[int, int]:
    """The least and the most a yen or count field takes."""
    least = -MAX_LITERAL if f is not None and f.signed else 0
    most = f.maximum if f is not None and f.maximum is not None else MAX_LITERAL
    return least, most


def accepts_scalar(policy: tree.Policy, kind: str, type_name: str | None, f: tree.Field | None = None) -> dict:
    if kind in ("yen", "count"):
        least, most = bounds(f)
        return {"type": kind, "minimum": least, "maximum": most}
    if kind == "ratio":
        return {"type": "ratio", "minimum": 0, "maximum": 1}
    if kind == "enum":
        return {"type": "enum", "choices": [m for m, _ in policy.enums[type_name].members]}
    return {"type": kind}  # bool, date


def accepts_field(policy: tree.Policy, f: tree.Field, most_items: int) -> dict:
    """What a declared field takes, as data (`most_items`: the most items a list holds)."""
    if f.kind != "list":
        return accepts_scalar(policy, f.kind, f.type_name, f)
    return {"type": "list", "of": f.type_name, "max_items": most_items}


def accepts_object(fields) -> dict:
    return {"type": "object", "fields": [f.name for f in fields]}


def expected_scalar(policy: tree.Policy, kind: str, type_name: str | None, lang: str) -> str:
    if kind == "enum":
        return word(lang, "expected.enum", members=members_text(policy, type_name, lang))
    return expected(lang, kind)


def expected_field(policy: tree.Policy, f: tree.Field, lang: str) -> str:
    """What a declared field takes, in words (the words its `missing` message uses)."""
    if f.kind == "list":
        return list_of_words(policy, f, lang)
    return expected_scalar(policy, f.kind, f.type_name, lang)


def expected_object(fields, lang: str) -> str:
    return word(lang, "expected.object", fields=fields_words(fields, lang))


def expected_within(kind: str, lang: str, least: int | None = None, most: int | None = None) -> str:
    """A number the field takes, with the bound the case's value passed."""
    if most is not None:
        return word(lang, "expected.at_most", expected=expected(lang, kind), most=f"{most:,}")
    return word(lang, "expected.at_least", expected=expected(lang, kind), least=f"{least:,}")


def frame_accepts() -> dict:
    return {"type": "frame"}
