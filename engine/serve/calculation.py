"""A frame's subsidy as a table on the self-check page — 区分 | 対象経費 | 補助率 | 補助額 | 上限, one row
per cost category (per item for amounts computed item by item), a total row when there are several —
and the size category that set a rate, said in words (「小規模事業者に該当するため、補助率は4/5です」).
Read from the decision's AmountResult into plain rows that templates/result.html draws; whole yen
only (a subsidy is rounded down where the rule says so, and the table says so instead of showing a
fraction of a yen)."""

from __future__ import annotations

import math
from fractions import Fraction
import unicodedata

from engine.evaluate.decision import AmountResult, Trace
from engine.explain import sentences
from engine.serve.page_text import text


def _w(lang: str, key: str, /, **values) -> str:
    """A phrase of the result panel (catalogue domain "page", keys result.*)."""
    return text(lang, "result." + key, **values)


def _lbl(label, lang: str) -> str:
    if label is None:
        return ""
    return (label.en or label.ja) if lang == "en" else label.ja


_yen = sentences.yen  # whole yen; a fraction of a yen rounded down, never shown
_rate = sentences.rate  # 1/2, 2/3; a whole rate as 100%


def _short_yen(v, lang: str) -> str:
    """350万円 where exact (the 公募要領's style), else 1,499,999円."""
    return sentences.money(math.floor(v), lang)


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
        title += _w(lang, "item", n=item + 1)
    return title


def _rates(a: AmountResult, lang: str) -> str:
    used = [b for b in a.bands if b.cost]
    if len(used) <= 1:
        return _rate((used or a.bands)[0].rate) if a.bands else "—"
    parts = []
    for b in used:
        if b.limit is None:
            parts.append(_w(lang, "band.rest", rate=_rate(b.rate)))
        else:
            key = "band.subsidy" if b.measure == "subsidy" else "band.cost"
            parts.append(_w(lang, key, rate=_rate(b.rate), limit=_short_yen(b.limit, lang)))
    return _w(lang, "band.join").join(parts)


def _cap_cell(a: AmountResult, lang: str) -> str:
    active = [c for c in a.caps if c.active]
    if not active:
        return "—"
    lowest = min(active, key=lambda c: c.limit)
    reached = any(c.binding for c in active)
    return _yen(lowest.limit) + (_w(lang, "cap.reached") if reached else "")


def _subsidy_cell(a: AmountResult, lang: str) -> str:
    rounded = a.unrounded is not None and a.unrounded != a.before_caps and a.rounded_down
    return _yen(a.result) + (_w(lang, "rounded") if rounded else "")


def table(amount: AmountResult, lang: str) -> dict:
    """The table as templates/result.html draws it: its caption, column heads and rows (each row's
    kind: a cost category, a subtotal of parts with a cap of their own, or the total)."""
    rows = []
    lines = list(_rows(amount, lang))
    costed = [(a, d) for a, d in lines if a.base]  # a category with no cost adds a row of zeros: left out
    for a, item in costed or lines[:1]:
        rows.append({"kind": "", "title": _title(a, lang, item), "cost": _yen(a.base), "rate": _rates(a, lang),
                     "subsidy": _subsidy_cell(a, lang), "cap": _cap_cell(a, lang)})
    subtotals = list(_subtotals(amount))
    for sub in subtotals:
        rows.append({"kind": "subtotal", "title": _title(sub, lang, sub.item_index), "cost": _yen(_cost(sub)), "rate": "",
                     "subsidy": _yen(sub.result), "cap": _cap_cell(sub, lang)})
    if amount.base is None and (len(costed) > 1 or subtotals or any(c.active for c in amount.caps)):  # else it repeats the one row
        rows.append({"kind": "total", "title": _w(lang, "col.total"), "cost": _yen(_cost(amount)), "rate": "",
                     "subsidy": _yen(amount.result), "cap": _cap_cell(amount, lang)})
    return {"caption": _w(lang, "calc"), "head": [_w(lang, k) for k in ("col.category", "col.cost", "col.rate", "col.subsidy", "col.cap")],
            "rows": rows}


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
    """The label said as not holding: by its verb's negative where it ends in one (小規模事業者に該当しない),
    else quoted (「…」に当たらない)."""
    return sentences.negated(label, lang) or _w(lang, "not_rule", rule=label)


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
            # a label ending in a verb (…に該当する) takes ため, a noun (小規模事業者) のため
            noun = held and not unicodedata.name(said[-1:] or " ", "").startswith("HIRAGANA") and lang == "ja"
            sentence = _w(lang, "rate_by.noun" if noun else "rate_by", condition=said if held else _negated(said, lang), rate=_rate(rate))
            if sentence not in out:
                out.append(sentence)
    return out


def _part(v, lang: str) -> str:
    """A band's share of the cost: whole yen, or the yen below it and 余 (a fraction of a yen is never shown)."""
    return _yen(v) if Fraction(v).denominator == 1 else sentences.part(v, lang)


def band_lines(amount: AmountResult, lang: str) -> list[str]:
    """How a subsidy split over bands was added up: 「625,000円 × 4/5 = 500,000円（補助額500,000円まで）」."""
    out = []
    for a, item in _rows(amount, lang):
        used = [b for b in a.bands if b.cost]
        if len(used) < 2:
            continue
        for b in used:
            if b.limit is None:
                note = _w(lang, "band.note.rest")
            else:
                note = _w(lang, "band.note.subsidy" if b.measure == "subsidy" else "band.note.cost", limit=_yen(b.limit))
            out.append(f"{_title(a, lang, item)}: {_part(b.cost, lang)} × {_rate(b.rate)} = {_part(b.subsidy, lang)}{note}")
        if a.unrounded is not None and Fraction(a.unrounded).denominator != 1:
            out.append(_w(lang, "band.rounded", title=_title(a, lang, item), value=_yen(a.before_caps)))
    return out
