"""Reading the literals an author writes: 50万円, 5,000万円, 3億円, 300人, 4/5, 50%, 2024-02-16."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# Larger than any subsidy programme's figure: a literal above it is surely a typo.
MAX_LITERAL = 10**15

_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_MONEY = re.compile(r"(?:(?P<oku>[\d,]+)億)?(?:(?P<man>[\d,]+)万)?(?P<rest>[\d,]*)円")
COUNT_UNITS = ("か月", "ヶ月", "人", "者", "社", "件", "個")


class LiteralProblem(ValueError):
    pass


_MAX_DIGITS = len(str(MAX_LITERAL))


def _shown(text: str) -> str:
    """A literal as a message quotes it: a very long one shortened (its length said)."""
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


def _int(text: str, what: str = "number") -> int:
    """A string of digits as an int; one longer than any literal allowed is refused before it is
    converted (Python refuses to convert past 4,300 digits, and converting is quadratic before that)."""
    if len(text.lstrip("0")) > _MAX_DIGITS:
        raise LiteralProblem(f"{what} {_shown(text)} is larger than {MAX_LITERAL:,}; is it a typo?")
    return int(text)


def grouped_int(text: str) -> int:
    """`500,000` or `500000`; commas must separate groups of three digits."""
    if not _GROUPED.fullmatch(text):
        raise LiteralProblem(f"malformed number {_shown(text)!r}: commas must separate groups of three digits")
    value = _int(text.replace(",", ""))
    if value > MAX_LITERAL:
        raise LiteralProblem(f"number {text} is larger than {MAX_LITERAL:,}; is it a typo?")
    return value


def money(text: str) -> int:
    m = _MONEY.fullmatch(text)
    if not m:
        raise LiteralProblem(f"malformed amount {text!r}")
    oku = grouped_int(m["oku"]) if m["oku"] else 0
    man = grouped_int(m["man"]) if m["man"] else 0
    rest = grouped_int(m["rest"]) if m["rest"] else 0
    if m["oku"] and man >= 10_000:
        raise LiteralProblem(f"malformed amount {text!r}: the 万 part after 億 must be below 1万")
    if (m["oku"] or m["man"]) and rest >= 10_000:
        raise LiteralProblem(f"malformed amount {text!r}: the part after 万 must be below 1万")
    value = oku * 10**8 + man * 10**4 + rest
    if value > MAX_LITERAL:
        raise LiteralProblem(f"amount {text} is larger than {MAX_LITERAL:,}円; is it a typo?")
    return value


def count_unit(text: str) -> str:
    return next(u for u in COUNT_UNITS if text.endswith(u))


def count(text: str) -> int:
    return grouped_int(text[: -len(count_unit(text))])


# A duration added to or taken from a date: `3年`, `30日`, and a count of months (`6か月`) there.
DURATION_UNITS = ("年", "日", "か月", "ヶ月")
MAX_DURATION = {"年": 100, "日": 36_500, "か月": 1_200, "ヶ月": 1_200}  # beyond a century: a typo


def is_months(text: str) -> bool:
    """A count literal of months (`6か月`), which a date takes as a duration."""
    return text.endswith(("か月", "ヶ月"))


def duration_unit(text: str) -> str:
    return next(u for u in DURATION_UNITS if text.endswith(u))


def duration(text: str) -> int:
    unit = duration_unit(text)
    value = grouped_int(text[: -len(unit)])
    if value > MAX_DURATION[unit]:
        raise LiteralProblem(f"duration {text} is longer than a century; is it a typo?")
    return value


def ratio(text: str) -> Fraction:
    numerator, denominator = (_int(part, "ratio part") for part in text.split("/"))
    if denominator == 0:
        raise LiteralProblem(f"ratio {text} divides by zero")
    return Fraction(numerator, denominator)


def percent(text: str) -> Fraction:
    digits = text.rstrip("%")
    if len(digits.split(".")[0].lstrip("0")) > _MAX_DIGITS or len(digits) > 64:
        raise LiteralProblem(f"percentage {_shown(text)} is larger than any rate; is it a typo?")
    try:
        return Fraction(Decimal(digits)) / 100
    except InvalidOperation as exc:  # pragma: no cover - the grammar admits digits only
        raise LiteralProblem(f"malformed percentage {text!r}") from exc


def date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise LiteralProblem(f"{text} is not a date that exists") from None
