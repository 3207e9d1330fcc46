"""A population comparison report (`subsidy-population-compare/1`, engine/population/compare.py)
-> terminal text, or JSON (the HTML page: report_html.py). Renderers only
read the report: every count and yen figure is printed as the report holds it, never recomputed,
except the sums' differences (already in the report), the applications/eligible ratio and the shares
of the budget."""

from __future__ import annotations

import json
import unicodedata

from engine.explain.render_text import yen
from engine.population import report_tables as tables

# Words live here, not in engine/explain/messages.py: they belong to this one report and that catalogue
# is shared by the decision renderers.
_WORDS = {
    "ja": {
        "title": "母集団での政策比較", "engine": "エンジン", "cases": "事業者数: {n}社（合成母集団）",
        "years": "{label}（{year}年度）", "frames": "枠ごと（各枠の要件を満たす事業者と補助額の合計）",
        "frame": "枠", "eligible": "対象 前 → 後", "subsidy": "補助額の合計 前 → 後", "difference": "差額",
        "firms": "事業者ごと（各事業者の補助額が最も大きい枠）", "group": "区分", "n": "事業者数",
        "gainers": "増えた事業者", "losers": "減った事業者", "all": "全体", "by_industry": "業種別",
        "by_size": "規模別", "count": "{n}社", "added": "（新設）", "removed": "（廃止）",
        "sanity": "確認: 2024年度の公式申請件数との比較",
        "plain": "この母集団は申請者ではありません。すべての中小企業が申請したと仮定した合成の{n}社です。"
                 "申請/対象は、母集団が全国の規模のときに限り申請率と読めます。",
        "synthetic": "対象（合成, {year}年度）", "applications": "申請件数（公式2024）", "ratio": "申請/対象",
        "source": "出典", "chart.frames": "枠ごとの補助額の合計（前と後）", "chart.industry": "業種別の補助額の増減（純額）",
        "axis.subsidy": "補助額の合計（{unit}）", "axis.difference": "増減（{unit}）", "before": "前", "after": "後",
        "absent": "なし", "eligible.side": "対象 {side}", "subsidy.side": "補助額の合計 {side}",
        "attribution": "変更ごとの寄与（各事業者の補助額が最も大きい枠で）", "change": "変更",
        "interaction": "複数の変更が重なって生じた差", "attribution.none": "補助額を動かした変更はありません",
        "side.before": "変更前（{year}年度）", "side.after": "変更後（{year}年度）",
        "moves": "枠ごとの増減（その枠の補助額が増えた・減った事業者）", "gained": "増えた額", "lost": "減った額",
        "distribution": "1社あたりの変化の分布（各事業者の補助額が最も大きい枠で）", "share": "割合", "change.total": "変化の合計",
        "chart.distribution": "1社あたりの補助額の変化（変化のあった事業者）", "axis.firms": "事業者数（社）",
        "unchanged": "変化なし: {n}社（{share}）", "national": "全国推計", "chart.national": "全国推計の補助額の合計（前と後）",
        "plain.national": "この母集団は申請者ではありません。すべての中小企業が申請したと仮定した合成の{n}社です。"
                          "申請/対象は、全国に拡大した対象数に対する公式申請件数の割合（申請率）です。",
        "national.eligible": "対象（全国推計）", "gain": "増", "loss": "減", "net": "純額",
        "chart.industry.moves": "業種別の補助額の増加と減少（右: 増えた額、左: 減った額、数字は純額）",
    },
    "en": {
        "title": "Policy comparison over a population", "engine": "engine", "cases": "firms: {n} (synthetic population)",
        "years": "{label} ({year})", "frames": "By frame (firms meeting each frame, and its subsidy total)",
        "frame": "frame", "eligible": "eligible before → after", "subsidy": "subsidy total before → after",
        "difference": "difference", "firms": "By firm (each firm's best frame)", "group": "group", "n": "firms",
        "gainers": "gainers", "losers": "losers", "all": "all", "by_industry": "By industry", "by_size": "By size",
        "count": "{n}", "added": " (new)", "removed": " (removed)",
        "sanity": "Check: official 2024 applications",
        "plain": "This population is not the applicants: it is {n} synthetic firms, every SME as if it applied. "
                 "applications/eligible reads as a take-up rate only when the population is of national size.",
        "synthetic": "eligible (synthetic, {year})", "applications": "applications (official 2024)",
        "ratio": "applications/eligible", "source": "source", "chart.frames": "Subsidy total by frame, before and after",
        "chart.industry": "Net change in subsidy by industry", "axis.subsidy": "subsidy total ({unit})",
        "axis.difference": "change ({unit})", "before": "before", "after": "after", "absent": "none",
        "eligible.side": "eligible {side}", "subsidy.side": "subsidy total {side}",
        "attribution": "What each change accounts for (each firm's best frame)", "change": "change",
        "interaction": "the changes acting together", "attribution.none": "no change moved a subsidy",
        "side.before": "before ({year})", "side.after": "after ({year})",
        "moves": "Gains and losses by frame (firms whose subsidy in the frame rose or fell)", "gained": "gained", "lost": "lost",
        "distribution": "Distribution of the change per firm (each firm's best frame)", "share": "share", "change.total": "total change",
        "chart.distribution": "Change of a firm's subsidy (firms that changed)", "axis.firms": "firms",
        "unchanged": "no change: {n} firms ({share})", "national": "National estimate",
        "chart.national": "National estimate of the subsidy total, before and after",
        "plain.national": "This population is not the applicants: it is {n} synthetic firms, every SME as if it applied. "
                          "applications/eligible is the official applications over the eligible firms scaled to the country (a take-up rate).",
        "national.eligible": "eligible (national estimate)", "gain": "gain", "loss": "loss", "net": "net",
        "chart.industry.moves": "Gains and losses by industry (right: gained, left: lost; the figure is the net change)",
    },
}
_GROUP_COLUMNS = ("group", "n", "eligible", "subsidy", "difference", "gainers", "losers")


def _w(lang: str, key: str, **values) -> str:
    return _WORDS[lang][key].format(**values)


def signed(v: int) -> str:
    """+1,234円 / −1,234円 (a true minus sign, as in print) / 0円."""
    return yen(0) if v == 0 else ("+" if v > 0 else "−") + yen(abs(v))


def _width(s: str) -> int:
    # Terminals give CJK (wide/fullwidth) characters two cells; ambiguous ones (→, −) one.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(header: list[str], rows: list[list]) -> list[str]:
    """Columns padded by display width: the first left-aligned, figures right-aligned. A cell may
    be a pair (left, separator, right), as "before → after": each side is right-aligned on its own,
    so the arrows of a column line up."""
    sides = [(max((_width(r[i][0]) for r in rows if isinstance(r[i], tuple)), default=0),
              max((_width(r[i][2]) for r in rows if isinstance(r[i], tuple)), default=0)) for i in range(len(header))]

    def text(cell, i):
        if not isinstance(cell, tuple):
            return cell
        left, sep, right = cell
        return " " * (sides[i][0] - _width(left)) + left + sep + " " * (sides[i][1] - _width(right)) + right

    rows = [[text(c, i) for i, c in enumerate(r)] for r in rows]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        out = [c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(out).rstrip()

    return [line(header), "-" * (sum(widths) + 2 * (len(widths) - 1)), *(line(r) for r in rows)]


def _frame_name(f: dict, lang: str) -> str:
    return f["frame"] + (_w(lang, "added") if not f["in_old"] else _w(lang, "removed") if not f["in_new"] else "")


def _frame_cells(f: dict, lang: str) -> list:
    before = (f"{f['eligible_before']:,}", yen(f["subsidy_before"])) if f["in_old"] else ("—", "—")
    after = (f"{f['eligible_after']:,}", yen(f["subsidy_after"])) if f["in_new"] else ("—", "—")
    return [_frame_name(f, lang), (before[0], " → ", after[0]), (before[1], " → ", after[1]), signed(f["difference"])]


def _group_cells(g: dict, name: str, lang: str) -> list:
    return [name, f"{g['cases']:,}", (f"{g['eligible_before']:,}", " → ", f"{g['eligible_after']:,}"),
            (yen(g["subsidy_before"]), " → ", yen(g["subsidy_after"])), signed(g["difference"]),
            (_w(lang, "count", n=format(g["gainers"], ",")), " ", signed(g["gained"])),
            (_w(lang, "count", n=format(g["losers"], ",")), " ", signed(-g["lost"]))]


def _clip(text: str, width: int = 90) -> str:
    """A clause short enough for a table cell (the JSON keeps it whole)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _attribution_rows(report: dict, lang: str) -> list[list[str]]:
    """One row per changed clause that moved a firm's subsidy, then what the changes did together."""
    rows = [[_clip(f"{a['where']}: {' / '.join(a['old']) or '—'} → {' / '.join(a['new']) or '—'}"), signed(a["difference"]),
             _w(lang, "count", n=format(a["gainers"], ",")), _w(lang, "count", n=format(a["losers"], ","))]
            for a in report.get("attribution") or ()]
    if report.get("attribution") is not None and report["interaction"]:
        rows.append([_w(lang, "interaction"), signed(report["interaction"]), "", ""])
    return rows


def _official_year(report: dict) -> tuple[str, int]:
    """Which side the 2024 applications are set beside: the side whose policy is 2024, else the old one."""
    side = tables.official_side(report)
    return side, report["new_year" if side == "after" else "old_year"]


def _official_table(report: dict, lang: str) -> tuple[list[str], list[list[str]], list[tuple[str, dict]]]:
    """(header, rows, (frame, official entry) for the notes): with a national scale, the eligible
    firms scaled to the country beside the sample's and the take-up over them."""
    _, year = _official_year(report)
    rows = tables.official_rows(report)
    scaled = bool(report.get("national"))
    header = [_w(lang, "frame"), _w(lang, "synthetic", year=year)] + ([_w(lang, "national.eligible")] if scaled else []) + \
        [_w(lang, "applications"), _w(lang, "ratio")]
    cells = [[r["frame"], "—" if r["sample"] == "" else f"{r['sample']:,}"] +
             (["—" if r["national"] == "" else f"{r['national']:,}"] if scaled else []) +
             [f"{r['applications']:,}", r["take_up"]] for r in rows]
    return header, cells, [(r["frame"], r["official"]) for r in rows]


def _note(o: dict, lang: str) -> str:
    return o.get("note_ja", o["note"]) if lang == "ja" else o["note"]


def _national_lines(report: dict, lang: str) -> list[str]:
    """The scaling stated, the national totals in 億円, and the budget beside them."""
    n = report.get("national")
    if not n:
        return []
    t = tables
    scaling = (t.w(lang, "national.scaling", sample=f"{n['sample']:,}", firms=f"{n['firms']:,}", factor=t.factor(n), source=n["source"])
               if n.get("source") else t.w(lang, "national.scaling.plain", sample=f"{n['sample']:,}", firms=f"{n['firms']:,}", factor=t.factor(n)))
    total = n["total"]
    lines = [scaling, t.w(lang, "national.caveat", applications=f"{sum(o['applications'] for o in report.get('official_applications_2024', {}).values()):,}")]
    rows = [[f["frame"], (f"{f['eligible_before']:,}", " → ", f"{f['eligible_after']:,}"),
             (t.oku(f["subsidy_before"]), " → ", t.oku(f["subsidy_after"])), signed_oku(f["subsidy_after"] - f["subsidy_before"]),
             (_w(lang, "count", n=format(f["gainers"], ",")), " ", signed_oku(f["gained"])),
             (_w(lang, "count", n=format(f["losers"], ",")), " ", signed_oku(-f["lost"]))] for f in n["frames"]]
    rows.append([_w(lang, "all"), (f"{total['eligible_before']:,}", " → ", f"{total['eligible_after']:,}"),
                 (t.oku(total["subsidy_before"]), " → ", t.oku(total["subsidy_after"])),
                 signed_oku(total["subsidy_after"] - total["subsidy_before"]),
                 (_w(lang, "count", n=format(total["gainers"], ",")), " ", signed_oku(total["gained"])),
                 (_w(lang, "count", n=format(total["losers"], ",")), " ", signed_oku(-total["lost"]))])
    lines += _table([_w(lang, k) for k in ("frame", "eligible", "subsidy", "difference", "gainers", "losers")], rows)
    if report.get("budget"):
        lines.append(budget_line(report, lang))
    return lines


def budget_line(report: dict, lang: str) -> str:
    total, budget = report["national"]["total"], report["budget"]
    return tables.w(lang, "budget", budget=tables.oku(budget), before=tables.oku(total["subsidy_before"]),
                    after=tables.oku(total["subsidy_after"]), before_share=tables.percent(total["subsidy_before"], budget),
                    after_share=tables.percent(total["subsidy_after"], budget))


def signed_oku(v: int) -> str:
    return tables.oku(0) if v == 0 else ("+" if v > 0 else "−") + tables.oku(abs(v))


def _moves_rows(report: dict, lang: str) -> list[list]:
    return [[_frame_name(f, lang), (_w(lang, "count", n=format(f["gainers"], ",")), " ", signed(f["gained"])),
             (_w(lang, "count", n=format(f["losers"], ",")), " ", signed(-f["lost"]))]
            for f in report["frames"] if "gainers" in f]


def _distribution_rows(report: dict, lang: str) -> list[list[str]]:
    return [[tables.bin_label(b["low"], b["high"], lang), _w(lang, "count", n=format(b["firms"], ",")),
             tables.percent(b["firms"], report["cases"]), signed(b["change"])] for b in report.get("distribution") or ()]


def _heading(report: dict, lang: str) -> tuple[str, str]:
    years = (f"{_w(lang, 'years', label=report['old'], year=report['old_year'])} → "
             f"{_w(lang, 'years', label=report['new'], year=report['new_year'])}")
    return years, f"{_w(lang, 'cases', n=format(report['cases'], ','))}  {_w(lang, 'engine')}: {report['engine']}"


def text(report: dict, lang: str = "ja") -> str:
    years, cases = _heading(report, lang)
    out = [f"{_w(lang, 'title')}: {years}", cases]
    national = _national_lines(report, lang)
    if national:
        out += ["", _w(lang, "national"), *national]
    out += ["", _w(lang, "frames")]
    out += _table([_w(lang, k) for k in ("frame", "eligible", "subsidy", "difference")],
                  [_frame_cells(f, lang) for f in report["frames"]])
    moves = _moves_rows(report, lang)
    if moves:
        out += ["", _w(lang, "moves"), *_table([_w(lang, k) for k in ("frame", "gainers", "losers")], moves)]
    header = [_w(lang, k) for k in _GROUP_COLUMNS]
    for title, rows in (("firms", [_group_cells(report["total"], _w(lang, "all"), lang)]),
                        ("by_industry", [_group_cells(g, g["group"], lang) for g in report["by_industry"]]),
                        ("by_size", [_group_cells(g, g["group"], lang) for g in report["by_size"]])):
        if rows:
            out += ["", _w(lang, title), *_table(header, rows)]
    distribution = _distribution_rows(report, lang)
    if distribution:
        out += ["", _w(lang, "distribution"), *_table([tables.w(lang, "bin"), _w(lang, "n"), _w(lang, "share"), _w(lang, "change.total")],
                                                      distribution)]
    if report.get("attribution") is not None:
        rows = _attribution_rows(report, lang)
        out += ["", _w(lang, "attribution")]
        out += _table([_w(lang, k) for k in ("change", "difference", "gainers", "losers")], rows) if rows else [
            f"  {_w(lang, 'attribution.none')}"]
    header, rows, notes = _official_table(report, lang)
    if rows:
        out += ["", _w(lang, "sanity"), _w(lang, "plain.national" if report.get("national") else "plain", n=format(report["cases"], ","))]
        out += _table(header, rows)
        out += [f"  {name}: {_w(lang, 'source')} {o['source']} [{o['tag']}] — {_note(o, lang)}" for name, o in notes]
    return "\n".join(out) + "\n"


def json_text(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
