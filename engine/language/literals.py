"""Reading the literals an author writes: 50万円, 5,000万円, 3億円, 300人, 4/5, 50%, 2024-02-16."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import attrs

from engine.i18n import N_
from engine.language.diagnostics import Phrase, phrase

# Larger than any subsidy programme's figure: a literal above it is surely a typo.
MAX_LITERAL = 10**15

_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_MONEY = re.compile(r"(?:(?P<oku>[\d,]+)億)?(?:(?P<man>[\d,]+)万)?(?P<rest>[\d,]*)円")
COUNT_UNITS = ("か月", "ヶ月", "人", "者", "社", "件", "個")


class LiteralProblem(ValueError):
    """A literal that cannot be read: its message kept as a Phrase (said in the reader's language;
    `str()` is the English)."""

    def __init__(self, mark: tuple[str, str], **values):
        self.phrase: Phrase = phrase(mark, **values)
        super().__init__(str(self.phrase))


# what `_int` was reading, as a message names it
_WHAT = {"number": N_("literal.what.number", "number"), "ratio part": N_("literal.what.ratio_part", "ratio part"),
         "amount": N_("literal.what.amount", "amount")}
_MOST = f"{MAX_LITERAL:,}"


_MAX_DIGITS = len(str(MAX_LITERAL))


_SHORTENED = N_("literal.shortened", "{start}… ({n} characters)")


@attrs.frozen
class _Shown:
    """A literal as a message quotes it, said in the message's language (a Phrase's value with
    `describe`): a very long one shortened, its length said (「…（全45文字）」); `quoted` as repr()."""

    text: str
    quoted: bool = False

    def describe(self, lang: str) -> str:
        shown = self.text if len(self.text) <= 40 else phrase(_SHORTENED, start=self.text[:20], n=len(self.text)).say(lang)
        return repr(shown) if self.quoted else shown

    def __str__(self) -> str:
        return self.describe("en")


def _shown(text: str, quoted: bool = False) -> _Shown:
    return _Shown(text, quoted)


def _int(text: str, what: str = "number") -> int:
    """A string of digits as an int; one longer than any literal allowed is refused before it is
    converted (Python refuses to convert past 4,300 digits, and converting is quadratic before that)."""
    if len(text.lstrip("0")) > _MAX_DIGITS:
        raise LiteralProblem(N_("literal.too_large", "{what} {text} is larger than {most}; is it a typo?"), what=phrase(_WHAT[what]), text=_shown(text), most=_MOST)
    return int(text)


def grouped_int(text: str) -> int:
    """`500,000` or `500000`; commas must separate groups of three digits."""
    if not _GROUPED.fullmatch(text):
        raise LiteralProblem(N_("literal.grouping", "malformed number {text}: commas must separate groups of three digits"), text=_shown(text, quoted=True))
    value = _int(text.replace(",", ""))
    if value > MAX_LITERAL:
        raise LiteralProblem(N_("literal.too_large", "{what} {text} is larger than {most}; is it a typo?"), what=phrase(_WHAT["number"]), text=text, most=_MOST)
    return value


def money(text: str) -> int:
    m = _MONEY.fullmatch(text)
    if not m:
        raise LiteralProblem(N_("literal.malformed_amount", "malformed amount {text}"), text=repr(text))
    oku = grouped_int(m["oku"]) if m["oku"] else 0
    man = grouped_int(m["man"]) if m["man"] else 0
    rest = grouped_int(m["rest"]) if m["rest"] else 0
    if m["oku"] and man >= 10_000:
        raise LiteralProblem(N_("literal.man_after_oku", "malformed amount {text}: the 万 part after 億 must be below 1万"), text=repr(text))
    if (m["oku"] or m["man"]) and rest >= 10_000:
        raise LiteralProblem(N_("literal.rest_after_man", "malformed amount {text}: the part after 万 must be below 1万"), text=repr(text))
    value = oku * 10**8 + man * 10**4 + rest
    if value > MAX_LITERAL:
        raise LiteralProblem(N_("literal.amount_too_large", "amount {text} is larger than {most}円; is it a typo?"), text=text, most=_MOST)
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
        raise LiteralProblem(N_("literal.duration_too_long", "duration {text} is longer than a century; is it a typo?"), text=text)
    return value


def ratio(text: str) -> Fraction:
    numerator, denominator = (_int(part, "ratio part") for part in text.split("/"))
    if denominator == 0:
        raise LiteralProblem(N_("literal.divides_by_zero", "ratio {text} divides by zero"), text=text)
    return Fraction(numerator, denominator)


def percent(text: str) -> Fraction:
    digits = text.rstrip("%")
    if len(digits.split(".")[0].lstrip("0")) > _MAX_DIGITS or len(digits) > 64:
        raise LiteralProblem(N_("literal.percent_too_large", "percentage {text} is larger than any rate; is it a typo?"), text=_shown(text))
    try:
        return Fraction(Decimal(digits)) / 100
    except InvalidOperation as exc:  # pragma: no cover - the grammar admits digits only
        raise LiteralProblem(N_("literal.malformed_percent", "malformed percentage {text}"), text=repr(text)) from exc


def date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise LiteralProblem(N_("literal.no_such_date", "{text} is not a date that exists"), text=text) from None


# ---------------------------------------------------------------- what a person types in a form or a cell
# The self-check page (engine/serve/static/page.js, parseYen / parseCount) and spreadsheet cells
# accept the same notation: full-width digits, thousands separators, 円, 万 and 億 with decimals
# ("１００万円", "10,000,000", "62.5万", "1億2,000万500円"), converted exactly. A test holds the
# two to the same table of entries.
_ENTERED_YEN = re.compile(r"(?:(?P<oku>[\d.]+)億)?(?:(?P<man>[\d.]+)万)?(?P<rest>[\d.]+)?")
_SCALED = re.compile(r"(?P<whole>\d+)(?:\.(?P<frac>\d+))?")
_ENTERED_UNITS = ("人", "者", "件", "か月", "ヶ月")
TRUE_WORDS = frozenset({"true", "はい"})  # compared after casefold: Excel writes TRUE / FALSE
FALSE_WORDS = frozenset({"false", "いいえ"})


def half_width(text: str) -> str:
    """Full-width ASCII (U+FF01–U+FF5E) as ASCII and the ideographic space as a space, as the page does."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else " " if c == "\u3000" else c for c in text)


def _scaled(text: str, zeros: int) -> int:
    m = _SCALED.fullmatch(text)
    if not m:
        raise LiteralProblem(N_("literal.not_amount", "not an amount: {text}"), text=_shown(text, quoted=True))
    frac = m["frac"] or ""
    if any(c != "0" for c in frac[zeros:]):
        raise LiteralProblem(N_("literal.fraction_of_yen", "{text} leaves a fraction of a yen"), text=_shown(text))
    return _int(m["whole"] + (frac + "0" * zeros)[:zeros], "amount")


def entered_yen(text: str) -> int | None:
    """An amount as a person enters it (see above); None for an empty entry; LiteralProblem otherwise."""
    s = re.sub(r"[,\s、]", "", half_width(text)).removesuffix("円")
    if s == "":
        return None
    m = _ENTERED_YEN.fullmatch(s)
    if not m or not (m["oku"] or m["man"] or m["rest"]):
        raise LiteralProblem(N_("literal.not_entered_amount", "not an amount: {text} (e.g. 1,000,000 or 100万円)"), text=_shown(text, quoted=True))
    value = sum(_scaled(m[part], zeros) for part, zeros in (("oku", 8), ("man", 4), ("rest", 0)) if m[part])
    if value > MAX_LITERAL:
        raise LiteralProblem(N_("literal.amount_too_large", "amount {text} is larger than {most}円; is it a typo?"), text=_shown(text), most=_MOST)
    return value


def entered_count(text: str) -> int | None:
    """A count as a person enters it: full-width digits, separators and a unit (人, 者, 件, か月, ヶ月) allowed."""
    s = re.sub(r"[,\s]", "", half_width(text))
    s = next((s[: -len(u)] for u in _ENTERED_UNITS if s.endswith(u)), s)
    if s == "":
        return None
    if not (s.isascii() and s.isdigit()):
        raise LiteralProblem(N_("literal.not_whole", "not a whole number: {text}"), text=_shown(text, quoted=True))
    return _int(s)


def entered_bool(text: str) -> bool | None:
    """true / false in any case (Excel's TRUE / FALSE), or the page's はい / いいえ; None otherwise."""
    word = half_width(text).strip().casefold()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
