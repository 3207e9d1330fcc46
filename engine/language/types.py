"""The value types of the policy language and the rules for combining them.

Kept as data (tables keyed by kinds) so the checker's type rules read as a list, not a chain of ifs.
"""

from __future__ import annotations

import attrs

from engine.i18n import N_
from engine.language.diagnostics import phrase


@attrs.frozen
class Type:
    kind: str  # yen | count | ratio | bool | date | enum | record | list | number
    name: str | None = None  # the enum or record's name
    element: "Type | None" = None  # for lists
    optional: bool = False

    def required(self) -> "Type":
        return attrs.evolve(self, optional=False)

    def describe(self, lang: str = "en") -> str:
        """The type as a message names it, in `lang`."""
        if self.kind == "list":
            return phrase(LIST_OF, element=self.element).say(lang)
        if self.kind in ("enum", "record"):
            return f"{self.name}"
        return phrase(KIND_WORDS.get(self.kind, UNKNOWN_TYPE)).say(lang)  # unknown: an error already reported elsewhere


YEN = Type("yen")
COUNT = Type("count")
RATIO = Type("ratio")
BOOL = Type("bool")
DATE = Type("date")
NUMBER = Type("number")  # a bare integer literal: becomes yen or count from what it meets
DURATION = Type("duration")  # 3年, 30日 (and 6か月 beside a date): only ever added to or taken from a date

KIND_WORDS = {
    "yen": N_("type.yen", "円 (yen)"),
    "count": N_("type.count", "人 (count)"),
    "ratio": N_("type.ratio", "ratio"),
    "bool": N_("type.bool", "true/false"),
    "date": N_("type.date", "date"),
    "number": N_("type.number", "number"),
    "duration": N_("type.duration", "a duration (年, か月, 日)"),
}
LIST_OF = N_("type.list", "list of {element}")
UNKNOWN_TYPE = N_("type.unknown", "an unknown type")

# The names an author may use for the built-in types.
BUILTIN_TYPES = {
    "円": YEN, "yen": YEN,
    "人": COUNT, "件": COUNT, "者": COUNT, "社": COUNT, "個": COUNT, "か月": COUNT, "ヶ月": COUNT, "count": COUNT,
    "ratio": RATIO, "比率": RATIO,
    "bool": BOOL, "真偽": BOOL,
    "date": DATE, "日付": DATE,
}

LITERAL_TYPES = {"money": YEN, "count": COUNT, "ratio": RATIO, "integer": NUMBER, "date": DATE, "bool": BOOL, "duration": DURATION}

ORDERED_KINDS = {"yen", "count", "ratio", "date", "number"}
NUMERIC_KINDS = {"yen", "count", "ratio", "number"}

# (left kind, op, right kind) -> result kind. `number` is unified before lookup.
ARITHMETIC = {
    ("yen", "+", "yen"): YEN, ("yen", "-", "yen"): YEN,
    ("count", "+", "count"): COUNT, ("count", "-", "count"): COUNT,
    ("ratio", "+", "ratio"): RATIO, ("ratio", "-", "ratio"): RATIO,
    ("yen", "×", "ratio"): YEN, ("ratio", "×", "yen"): YEN,
    ("yen", "×", "count"): YEN, ("count", "×", "yen"): YEN,
    ("count", "×", "count"): COUNT, ("ratio", "×", "ratio"): RATIO,
    ("count", "×", "ratio"): COUNT, ("ratio", "×", "count"): COUNT,
    ("number", "+", "number"): NUMBER, ("number", "-", "number"): NUMBER, ("number", "×", "number"): NUMBER,
    # ÷ is exact (a fraction of a yen stays until the amount's one rounding); a quotient by 0 is 0
    ("yen", "÷", "count"): YEN, ("yen", "÷", "ratio"): YEN, ("yen", "÷", "yen"): RATIO,
    ("count", "÷", "count"): RATIO, ("count", "÷", "ratio"): COUNT, ("ratio", "÷", "ratio"): RATIO,
    ("number", "÷", "number"): NUMBER,
    ("date", "+", "duration"): DATE, ("date", "-", "duration"): DATE,  # the same day so long after (or before)
}


def unify(a: Type, b: Type) -> tuple[Type, Type]:
    """A bare number takes the other side's kind when that kind is yen, count or ratio."""
    if a.kind == "number" and b.kind in ("yen", "count", "ratio"):
        return attrs.evolve(b, optional=a.optional), b
    if b.kind == "number" and a.kind in ("yen", "count", "ratio"):
        return a, attrs.evolve(a, optional=b.optional)
    return a, b


def same(a: Type, b: Type) -> bool:
    a, b = unify(a.required(), b.required())
    return a == b
