"""A frame's subsidy as a table on the self-check page — 区分 | 対象経費 | 補助率 | 補助額 | 上限, one row
per cost category (per item for amounts computed item by item), a total row when there are several —
and the size category that set a rate, said in words (「小規模事業者に該当するため、補助率は4/5です」).
Read from the decision's AmountResult; whole yen only (a subsidy is rounded down where the rule
says so, and the table says so instead of showing a fraction of a yen)."""

from __future__ import annotations

import math
from fractions import Fraction
from html import escape

from engine.evaluate.decision import AmountResult, Trace
from engine.serve.page_text import RESULT


def _lbl(label, lang: str) -> str:
    if label is None:
        return ""
    return (label.en or label.ja) if lang == "en" else label.ja


def _yen(v) -> str:
    return f"{math.floor(v):,}円"


def _short_yen(v, lang: str) -> str:
    """350万円 where exact (the 公募要領's style), else 1,499,999円."""
    v = math.floor(v)
    if lang != "ja" or v == 0 or v % 10_000:
        return _yen(v)
    oku, man = divmod(v // 10_000, 10_000)
    return (f"{oku:,}億" if oku else "") + (f"{man:,}万" if man else "") + "円"


def _rate(r: Fraction) -> str:
    return f"{r.numerator}/{r.denominator}" if r.denominator != 1 else str(r.numerator)


def _rows(a: AmountResult, lang: str, item: int | None = None):
    """(an amount computed on a cost, the list item it is computed for, if any), in the decision's order."""
    item = a.item_index if a.item_index is not None else item
    if a.base is not None:
        yield a, item
    for child in a.parts + a.items:
        yield from _rows(child, lang, item)


def _subtotals(a: AmountResult, top: bool = True):
    """Each sum of parts with a cap of its own, after its parts (the frame's own sum is the total row)."""
    for child in a.parts + a.items:
        yield from _subtotals(child, False)
    if not top and a.base is None and any(c.active for c in a.caps):
        yield a


def _cost(a: AmountResult):
    return sum(leaf.base for leaf, _ in _rows(a, "ja"))


def _title(a: AmountResult, lang: str, item: int | None = None) -> str:
    title = _lbl(a.label, lang)
    if item is not None:
        title += RESULT[lang]["item"].format(n=item + 1)
    return title


def _rates(a: AmountResult, lang: str) -> str:
    used = [b for b in a.bands if b.cost]
    if len(used) <= 1:
        return _rate((used or a.bands)[0].rate) if a.bands else "—"
    words = RESULT[lang]
    parts = []
    for b in used:
        if b.limit is None:
            parts.append(words["band.rest"].format(rate=_rate(b.rate)))
        else:
            key = "band.subsidy" if b.measure == "subsidy" else "band.cost"
            parts.append(words[key].format(rate=_rate(b.rate), limit=_short_yen(b.limit, lang)))
    return words["band.join"].join(parts)


def _cap_cell(a: AmountResult, lang: str) -> str:
    active = [c for c in a.caps if c.active]
    if not active:
        return "—"
    lowest = min(active, key=lambda c: c.limit)
    reached = any(c.binding for c in active)
    return _yen(lowest.limit) + (RESULT[lang]["cap.reached"] if reached else "")


def _subsidy_cell(a: AmountResult, lang: str) -> str:
    rounded = a.unrounded is not None and a.unrounded != a.before_caps and a.rounded_down
    return _yen(a.result) + (RESULT[lang]["rounded"] if rounded else "")


def table(amount: AmountResult, lang: str) -> str:
    words = RESULT[lang]
    head = "".join(f'<th scope="col">{escape(words[k])}</th>' for k in ("col.category", "col.cost", "col.rate", "col.subsidy", "col.cap"))
    body = []
    rows = list(_rows(amount, lang))
    costed = [(a, d) for a, d in rows if a.base]  # a category with no cost adds a row of zeros: left out
    for a, item in costed or rows[:1]:
        body.append(f'<tr><th scope="row">{escape(_title(a, lang, item))}</th><td>{_yen(a.base)}</td><td>{escape(_rates(a, lang))}</td>'
                    f'<td>{escape(_subsidy_cell(a, lang))}</td><td>{escape(_cap_cell(a, lang))}</td></tr>')
    for sub in list(_subtotals(amount)):
        body.append(f'<tr class="subtotal"><th scope="row">{escape(_title(sub, lang, sub.item_index))}</th><td>{_yen(_cost(sub))}</td><td></td>'
                    f'<td>{escape(_yen(sub.result))}</td><td>{escape(_cap_cell(sub, lang))}</td></tr>')
    subtotals = list(_subtotals(amount))
    if amount.base is None and (len(costed) > 1 or subtotals or any(c.active for c in amount.caps)):  # else it repeats the one row
        cost = _cost(amount)
        body.append(f'<tr class="total"><th scope="row">{escape(words["col.total"])}</th><td>{_yen(cost)}</td><td></td>'
                    f'<td>{escape(_yen(amount.result))}</td><td>{escape(_cap_cell(amount, lang))}</td></tr>')
    return (f'<table class="calc"><caption>{escape(words["calc"])}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _chosen_rate(t: Trace):
    """(the condition's label, whether it held, the rate) of a rate chosen by a condition, or None."""
    if t.kind == "if" and len(t.children) == 2 and t.children[0].label is not None:
        return t.children[0].label, bool(t.children[0].result), Fraction(t.result)
    return None


def _bare(label: str) -> str:
    """A rule's label without its parenthesised note: 「小規模事業者に該当する（…）」 → 「小規模事業者に該当する」."""
    for open_ in ("（", " ("):
        if open_ in label:
            label = label.split(open_, 1)[0]
    return label.strip()


def _negated(label: str, lang: str) -> str:
    if lang == "ja":
        return label[:-2] + "しない" if label.endswith("する") else f"「{label}」に当たらない"
    return f"not ({label})"


def rate_reasons(amount: AmountResult, lang: str) -> list[str]:
    """Each sentence saying which category set a rate, once."""
    out: list[str] = []
    for a, _ in _rows(amount, lang):
        for b in a.bands:
            chosen = _chosen_rate(b.rate_trace)
            if chosen is None:
                continue
            label, held, rate = chosen
            said = _bare(_lbl(label, lang))
            sentence = RESULT[lang]["rate_by"].format(condition=said if held else _negated(said, lang), rate=_rate(rate))
            if sentence not in out:
                out.append(sentence)
    return out


def _part(v) -> str:
    """A band's share of the cost: whole yen, or 「約」 and the yen below it (a fraction of a yen is never shown)."""
    return _yen(v) if Fraction(v).denominator == 1 else "約" + _yen(v)


def band_lines(amount: AmountResult, lang: str) -> list[str]:
    """How a subsidy split over bands was added up: 「625,000円 × 4/5 = 500,000円（補助額500,000円まで）」."""
    words = RESULT[lang]
    out = []
    for a, item in _rows(amount, lang):
        used = [b for b in a.bands if b.cost]
        if len(used) < 2:
            continue
        for b in used:
            if b.limit is None:
                note = words["band.note.rest"]
            else:
                note = words["band.note.subsidy" if b.measure == "subsidy" else "band.note.cost"].format(limit=_yen(b.limit))
            out.append(f"{_title(a, lang, item)}: {_part(b.cost)} × {_rate(b.rate)} = {_part(b.subsidy)}{note}")
        if a.unrounded is not None and Fraction(a.unrounded).denominator != 1:
            out.append(words["band.rounded"].format(title=_title(a, lang, item), value=_yen(a.before_caps)))
    return out
