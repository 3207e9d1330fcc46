"""A population comparison report (`subsidy-population-compare/1`, engine/population/compare.py)
-> terminal text, or JSON (the HTML page: report_html.py). Renderers only
read the report: every count and yen figure is printed as the report holds it, never recomputed,
except the sums' differences (already in the report), the applications/eligible ratio and the shares
of the budget."""

from __future__ import annotations

import json

from engine.explain.render_text import yen
from engine.population import report_tables as tables
from engine.i18n import N_, catalogue, say
from engine.language.diagnostics import display_width as _width  # terminals give CJK characters two cells, ambiguous ones (→, −) one

# The report's own words (catalogue domain "population", engine/locale/<lang>/LC_MESSAGES/population.po):
# a key and the English source string; the catalogues give the Japanese.
_WORDS = catalogue([
    N_("title", "Policy comparison over a population"),
    N_("engine", "engine"),
    N_("cases", "firms: {n} (synthetic population)"),
    N_("years", "{label} ({year})"),
    N_("frames", "By frame (firms meeting each frame, and its subsidy total)"),
    N_("frame", "frame"),
    N_("eligible", "eligible before → after"),
    N_("subsidy", "subsidy total before → after"),
    N_("difference", "difference"),
    N_("firms", "By firm (each firm's best frame)"),
    N_("group", "group"),
    N_("n", "firms"),
    N_("gainers", "gainers"),
    N_("losers", "losers"),
    N_("all", "all"),
    N_("by_industry", "By industry"),
    N_("by_size", "By size"),
    N_("count", "{n}"),
    N_("added", " (new)"),
    N_("removed", " (removed)"),
    N_("sanity", "Check: official 2024 applications"),
    N_("plain", "This population is not the applicants: it is {n} synthetic firms, every SME as if it applied. applications/eligible reads as a take-up rate only when the population is of national size."),
    N_("synthetic", "eligible (synthetic, {year})"),
    N_("applications", "applications (official 2024)"),
    N_("ratio", "applications/eligible"),
    N_("source", "source"),
    N_("chart.frames", "Subsidy total by frame, before and after"),
    N_("chart.industry", "Net change in subsidy by industry"),
    N_("axis.subsidy", "subsidy total ({unit})"),
    N_("axis.difference", "change ({unit})"),
    N_("before", "before"),
    N_("after", "after"),
    N_("absent", "none"),
    N_("eligible.side", "eligible {side}"),
    N_("subsidy.side", "subsidy total {side}"),
    N_("attribution", "What each change accounts for (each firm's best frame)"),
    N_("change", "change"),
    N_("interaction", "the changes acting together"),
    N_("attribution.none", "no change moved a subsidy"),
    N_("side.before", 'before ({year})'),
    N_("side.after", 'after ({year})'),
    N_("moves", 'Gains and losses by frame (firms whose subsidy in the frame rose or fell)'),
    N_("gained", 'gained'),
    N_("lost", 'lost'),
    N_("distribution", "Distribution of the change per firm (each firm's best frame)"),
    N_("share", 'share'),
    N_("change.total", 'total change'),
    N_("chart.distribution", "Change of a firm's subsidy (firms that changed)"),
    N_("axis.firms", 'firms'),
    N_("unchanged", 'no change: {n} firms ({share})'),
    N_("national", 'National estimate'),
    N_("chart.national", 'National estimate of the subsidy total, before and after'),
    N_("plain.national", 'This population is not the applicants: it is {n} synthetic firms, every SME as if it applied. applications/eligible is the official applications over the eligible firms scaled to the country (a take-up rate).'),
    N_("national.eligible", 'eligible (national estimate)'),
    N_("gain", 'gain'),
    N_("loss", 'loss'),
    N_("net", 'net'),
    N_("chart.industry.moves", 'Gains and losses by industry (right: gained, left: lost; the figure is the net change)'),
])
_GROUP_COLUMNS = ("group", "n", "eligible", "subsidy", "difference", "gainers", "losers")


def _w(lang: str, key: str, **values) -> str:
    return say(lang, "population", _WORDS, key, **values)


def signed(v: int) -> str:
    """+1,234円 / −1,234円 (a true minus sign, as in print) / 0円."""
    return yen(0) if v == 0 else ("+" if v > 0 else "−") + yen(abs(v))


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
