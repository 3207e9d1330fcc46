"""The rows of a table keyed by a number (`table 上限 by 従業員数:` with rows `≤ 5人`, `6人 .. 20人`,
`≥ 51人`): each row's band as whole numbers, both ends included, and the checks that the bands
follow each other without a gap or an overlap and cover every value the key may take."""

from __future__ import annotations

from engine.i18n import N_
from engine.language import ast
from engine.language.diagnostics import Phrase, Span, phrase

# the literals a band of each key kind may be written with (a bare number takes the key's unit)
BAND_LITERALS = {"count": ("count", "integer"), "yen": ("money", "integer")}


def _range(low: int, high: int, unit: str) -> str:
    return f"{low:,}{unit}" if low == high else f"{low:,}{unit} .. {high:,}{unit}"


def band_bounds(band: ast.BandKey) -> tuple[int | None, int | None]:
    """(lowest, highest) whole value of the band, both included; None for an open end."""
    if band.op == "≤":
        return None, band.high.value
    if band.op == "<":
        return None, band.high.value - 1
    if band.op == "≥":
        return band.low.value, None
    if band.op == ">":
        return band.low.value + 1, None
    return band.low.value, band.high.value


def check_bands(table: str, rows, kind: str, signed: bool, unit: str
                ) -> tuple[list[tuple[int | None, int | None]], list[tuple[Phrase, Span, Phrase | None]]]:
    """The bands of `rows` (in order) and the problems found, each (message, span, help); `unit` is
    the key's (円, 人 …), for the messages."""
    def _show(value: int, _kind=None) -> str:
        return f"{value:,}{unit}"

    problems: list[tuple[Phrase, Span, Phrase | None]] = []
    bounds: list[tuple[int | None, int | None]] = []
    for row in rows:
        band = row.key
        if not isinstance(band, ast.BandKey):
            example = (phrase(N_("bands.example_yen", "`< 1億円`, `1億円 .. 3億円` or `> 3億円`")) if kind == "yen"
                       else phrase(N_("bands.example_count", "`≤ 5{unit}`, `6{unit} .. 20{unit}` or `≥ 51{unit}`"), unit=unit))
            problems.append((phrase(N_("bands.not_band", "table {table} is keyed by a number: write this row's band as {example}, not {band}"),
                                    table=table, example=example, band=band.text), band.span, None))
            continue
        wrong = [end for end in (band.low, band.high) if end is not None and end.kind not in BAND_LITERALS[kind]]
        for end in wrong:
            what = "円" if kind == "yen" else phrase(N_("bands.a_count", "a count (人, 件 …)"))
            problems.append((phrase(N_("bands.end_kind", "band {band} of table {table}: {end} is not {what}, as its key is"),
                                    band=band.text, table=table, end=end.text, what=what), end.span, None))
        low, high = band_bounds(band)
        if not wrong and low is not None and high is not None and low > high:
            problems.append((phrase(N_("bands.empty", "band {band} of table {table} holds no value: {low} is above {high}"),
                                    band=band.text, table=table, low=band.low.text, high=band.high.text),
                             band.span, phrase(N_("hint.lower_first", "write the lower end first"))))
        bounds.append((low, high))
    if problems:  # the bands themselves are wrong: their order cannot be judged
        return [], problems
    first_low = bounds[0][0]
    if first_low is not None and (signed or first_low > 0):
        lowest = phrase(N_("bands.below", "any value below it")) if signed else _range(0, first_low - 1, unit)
        problems.append((phrase(N_("bands.no_first", "table {table} has no row for {lowest}: its first band starts at {start}"),
                                table=table, lowest=lowest, start=_show(first_low)),
                         rows[0].key.span, phrase(N_("hint.first_band", "start the first band with `≤` (or at 0)"))))
    for (row_a, (_, high_a)), (row_b, (low_b, high_b)) in zip(zip(rows, bounds), zip(rows[1:], bounds[1:])):
        where = phrase(N_("bands.rows_at", "the rows at lines {a} and {b}"), a=row_a.span.line, b=row_b.span.line)
        if high_a is None or low_b is None or low_b <= high_a:
            shared = low_b if low_b is not None else high_a if high_a is not None else None
            what = (phrase(N_("bands.in_both", "{value} is in both"), value=_show(shared)) if shared is not None
                    else phrase(N_("bands.share", "they share values")))
            problems.append((phrase(N_("bands.overlap", "bands {a} and {b} of table {table} overlap: {what} ({where})"),
                                    a=row_a.key.text, b=row_b.key.text, table=table, what=what, where=where),
                             row_b.key.span, phrase(N_("hint.bands_follow", "each band starts one above where the one before it ends, in order"))))
        elif low_b > high_a + 1:
            gap = _range(high_a + 1, low_b - 1, unit)
            problems.append((phrase(N_("bands.gap", "table {table} has no row for {gap}, between bands {a} and {b} ({where})"),
                                    table=table, gap=gap, a=row_a.key.text, b=row_b.key.text, where=where),
                             row_b.key.span, phrase(N_("hint.band_start", "start this band at {start}"), start=_show(high_a + 1))))
    if bounds[-1][1] is not None:
        problems.append((phrase(N_("bands.no_last", "table {table} has no row above {end}: its last band ends there"),
                                table=table, end=_show(bounds[-1][1])),
                         rows[-1].key.span, phrase(N_("hint.last_band", "end the last band with `≥`"))))
    return bounds, problems
