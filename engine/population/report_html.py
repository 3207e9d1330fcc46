"""The what-if report as one self-contained HTML page: inline CSS, inline SVG charts, each table
downloadable as CSV through a data: link (nothing is fetched and nothing runs). Reads the report
only; words and the text tables' cells come from engine/population/report.py."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from engine.explain.render_text import yen
from engine.population import report_tables as tables
from engine.population.report import (_attribution_rows, _distribution_rows, _frame_cells, _frame_name, _group_cells, _heading,
                                      _moves_rows, _national_lines, _note, _official_table, _w, _GROUP_COLUMNS, budget_line,
                                      signed, signed_oku)

# --- HTML: one page, inline CSS, inline SVG; nothing is fetched and nothing runs. ---

_CSS = """
body{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",sans-serif;margin:0;background:#f6f7f9;color:#1b1f24;line-height:1.55}
main{max-width:76rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.sub{color:#3d4751;margin:0}
section{overflow-x:auto;background:#fff;border:1px solid #d0d7de;border-radius:.5rem;margin:1rem 0;padding:.6rem 1.2rem 1rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums;font-size:.85rem}
caption{position:absolute;left:-9999px}  /* for screen readers: the section's heading already shows it */
td,th{border:1px solid #d0d7de;padding:.2rem .4rem;text-align:right;white-space:nowrap}
thead th{white-space:normal}
th{background:#eef1f4}td.l,th.l{text-align:left}
.up{color:#0b6e2a}.down{color:#a3231b}
.plain{background:#fff4d6;border-left:.3rem solid #b07d00;padding:.5rem .8rem}
svg{display:block;width:100%;height:auto;margin:.6rem 0}
svg text{font-size:12px;fill:#1b1f24}svg .ct{font-size:15px;font-weight:bold}svg .ax{fill:#3d4751}
.cite{color:#3d4751;font-size:.85rem}
.dl{font-size:.85rem;margin:.3rem 0}h3{font-size:1rem;margin:1rem 0 .2rem}.scale{margin:.3rem 0}.budget{font-weight:bold}
"""
_COLOURS = {"before": "#7a8591", "after": "#1f5fa8", "up": "#0b6e2a", "down": "#b3261e"}
_W, _LEFT, _RIGHT = 900, 230, 170  # chart width, room for names on the left and exact figures on the right


def _unit(largest: int) -> tuple[int, str]:
    return (10**8, "億円") if largest >= 10**8 else (10**4, "万円")


def _ticks(largest: float) -> tuple[float, list[float]]:
    """A 1-2-5 step giving about four ticks up to the largest value (in chart units)."""
    if largest <= 0:
        return 1.0, [0.0, 1.0]
    step = largest / 4
    base = 10 ** (len(str(int(step))) - 1) if step >= 1 else _small_base(step)
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= step)
    top = step * -(-largest // step)
    return top, [i * step for i in range(int(round(top / step)) + 1)]


def _small_base(step: float) -> float:
    base = 1.0
    while base > step:
        base /= 10
    return base


def _num(v: float, step: float) -> str:
    decimals = 0 if step >= 1 else len(f"{step:.10f}".rstrip("0").split(".")[1])
    return f"{v:,.{decimals}f}"


def _svg(title: str, height: int, body: list[str], axis: str) -> str:
    return (f'<svg role="img" viewBox="0 0 {_W} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'<text class="ct" x="10" y="22">{escape(title)}</text>{"".join(body)}'
            f'<text class="ax" x="{_LEFT + (_W - _LEFT - _RIGHT) / 2:.0f}" y="{height - 8}" text-anchor="middle">{escape(axis)}</text></svg>')


def _axis(ticks: list[float], step: float, x, y: int, signed_labels: bool = False) -> list[str]:
    out = [f'<line x1="{x(ticks[0]):.1f}" x2="{x(ticks[-1]):.1f}" y1="{y}" y2="{y}" stroke="#3d4751"/>']
    for t in ticks:
        label = ("+" if t > 0 and signed_labels else "−" if t < 0 else "") + _num(abs(t), step)
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y}" y2="{y + 5}" stroke="#3d4751"/>'
                   f'<text class="ax" x="{x(t):.1f}" y="{y + 18}" text-anchor="middle">{label}</text>')
    return out


def _bar(x: float, y: float, w: float, h: int, colour: str, tip: str) -> str:
    return f'<rect x="{x:.1f}" y="{y}" width="{max(w, 0):.1f}" height="{h}" fill="{colour}"><title>{escape(tip)}</title></rect>'


def _frames_chart(report: dict, lang: str) -> str:
    """Grouped horizontal bars: per frame the subsidy total before (grey) and after (blue)."""
    frames = report["frames"]
    div, unit = _unit(max([f["subsidy_before"] for f in frames] + [f["subsidy_after"] for f in frames] + [0]))
    top, ticks = _ticks(max([f["subsidy_before"] / div for f in frames] + [f["subsidy_after"] / div for f in frames] + [0]))
    plot = _W - _LEFT - _RIGHT
    x = lambda v: _LEFT + v / top * plot  # noqa: E731 — v in chart units
    body, y = [], 60
    for key, cx, side in (("before", _LEFT, "old"), ("after", _LEFT + 260, "new")):  # legend: circles, so every rect is a bar
        body.append(f'<circle cx="{cx}" cy="40" r="6" fill="{_COLOURS[key]}"/><text x="{cx + 10}" y="44">'
                    f'{escape(_w(lang, "side." + key, year=report[side + "_year"]))}</text>')
    for f in frames:
        body.append(f'<text x="{_LEFT - 8}" y="{y + 19}" text-anchor="end">{escape(_frame_name(f, lang))}</text>')
        for i, key in enumerate(("before", "after")):
            top_y = y + i * 17
            if not f["in_old" if key == "before" else "in_new"]:
                body.append(f'<text class="ax" x="{_LEFT + 4}" y="{top_y + 12}">{escape(_w(lang, "absent"))}</text>')
                continue
            v = f[f"subsidy_{key}"]
            label = f'{_w(lang, key)} {yen(v)}'
            body.append(_bar(_LEFT, top_y, x(v / div) - _LEFT, 15, _COLOURS[key], f'{f["frame"]} {label}'))
            body.append(f'<text x="{x(v / div) + 5:.1f}" y="{top_y + 12}">{escape(yen(v))}</text>')
        y += 44
    body += _axis(ticks, ticks[1] - ticks[0], x, y)
    return _svg(_w(lang, "chart.frames"), y + 50, body, _w(lang, "axis.subsidy", unit=unit))


def _industry_chart(report: dict, lang: str) -> str:
    """Diverging bars, gains and losses apart: per industry the yen gained to the right of zero and the
    yen lost to the left (a net figure alone hides a large gain offset by a large loss); the figure
    beside each row is the net change."""
    groups = report["by_industry"]
    div, unit = _unit(max([g["gained"] for g in groups] + [g["lost"] for g in groups] + [0]))
    top, ticks = _ticks(max([g["gained"] / div for g in groups] + [g["lost"] / div for g in groups] + [0]))
    ticks = [-t for t in reversed(ticks[1:])] + ticks
    plot = _W - _LEFT - _RIGHT
    x = lambda v: _LEFT + (v + top) / (2 * top) * plot  # noqa: E731
    body, y = [], 44
    for key, cx in (("up", _LEFT), ("down", _LEFT + 200)):  # legend: circles, so every rect is a bar
        body.append(f'<circle cx="{cx}" cy="40" r="6" fill="{_COLOURS[key]}"/><text x="{cx + 10}" y="44">'
                    f'{escape(_w(lang, "gained" if key == "up" else "lost"))}</text>')
    y = 60
    for g in groups:
        tip = f'{g["group"]} {_w(lang, "net")} {signed(g["difference"])} ({_w(lang, "gained")} {signed(g["gained"])}, {_w(lang, "lost")} {signed(-g["lost"])})'
        body.append(f'<text x="{_LEFT - 8}" y="{y + 13}" text-anchor="end">{escape(g["group"])}</text>')
        if g["lost"]:
            body.append(_bar(x(-g["lost"] / div), y, x(0) - x(-g["lost"] / div), 17, _COLOURS["down"], tip))
        if g["gained"]:
            body.append(_bar(x(0), y, x(g["gained"] / div) - x(0), 17, _COLOURS["up"], tip))
        body.append(f'<text x="{_W - _RIGHT + 8}" y="{y + 13}">{escape(_w(lang, "net"))} {escape(signed(g["difference"]))}</text>')
        y += 25
    body.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="54" y2="{y}" stroke="#3d4751"/>')
    body += _axis(ticks, ticks[-1] - ticks[-2], x, y, signed_labels=True)
    return _svg(_w(lang, "chart.industry.moves"), y + 50, body, _w(lang, "axis.difference", unit=unit))


def _distribution_chart(report: dict, lang: str) -> str:
    """Horizontal bars: firms per bin of the change, losses red and gains green; the unchanged
    firms (usually most) are said in words, not drawn, so the changed ones can be seen."""
    bins = [b for b in report["distribution"] if not (b["low"] == b["high"] == 0)]
    top, ticks = _ticks(max([b["firms"] for b in bins] + [0]))
    plot = _W - _LEFT - _RIGHT
    x = lambda v: _LEFT + v / top * plot  # noqa: E731
    same = next((b["firms"] for b in report["distribution"] if b["low"] == b["high"] == 0), 0)
    body = [f'<text x="10" y="44">{escape(_w(lang, "unchanged", n=format(same, ","), share=tables.percent(same, report["cases"])))}</text>']
    y = 56
    for b in bins:
        label = tables.bin_label(b["low"], b["high"], lang)
        body.append(f'<text x="{_LEFT - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
        body.append(_bar(_LEFT, y, x(b["firms"]) - _LEFT, 17, _COLOURS["up" if (b["low"] or 0) > 0 else "down"],
                         f'{label} {b["firms"]:,}'))
        body.append(f'<text x="{x(b["firms"]) + 5:.1f}" y="{y + 13}">{escape(_w(lang, "count", n=format(b["firms"], ",")))}</text>')
        y += 25
    body += _axis(ticks, ticks[1] - ticks[0], x, y)
    return _svg(_w(lang, "chart.distribution"), y + 50, body, _w(lang, "axis.firms"))


def _national_chart(report: dict, lang: str) -> str:
    """The national estimate's totals before and after, in 億円, with the budget as a dashed line."""
    total, budget = report["national"]["total"], report.get("budget")
    values = [total["subsidy_before"], total["subsidy_after"]] + ([budget] if budget else [])
    div, unit = _unit(max(values))
    top, ticks = _ticks(max(v / div for v in values))
    plot = _W - _LEFT - _RIGHT
    x = lambda v: _LEFT + v / top * plot  # noqa: E731
    body, y = [], 44
    for key, side in (("before", "old"), ("after", "new")):
        v = total[f"subsidy_{key}"]
        label = _w(lang, "side." + key, year=report[side + "_year"])
        body.append(f'<text x="{_LEFT - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        body.append(_bar(_LEFT, y, x(v / div) - _LEFT, 20, _COLOURS[key], f"{label} {tables.oku(v)}"))
        body.append(f'<text x="{x(v / div) + 5:.1f}" y="{y + 15}">{escape(tables.oku(v))}</text>')
        y += 30
    if budget:
        bx = x(budget / div)
        body.append(f'<line class="budget" x1="{bx:.1f}" x2="{bx:.1f}" y1="36" y2="{y}" stroke="#b07d00" stroke-width="2" stroke-dasharray="6 4"/>'
                    f'<text x="{bx + 4:.1f}" y="34">{escape(tables.w(lang, "budget.line", budget=tables.oku(budget)))}</text>')
    body += _axis(ticks, ticks[1] - ticks[0], x, y)
    return _svg(_w(lang, "chart.national"), y + 50, body, _w(lang, "axis.subsidy", unit=unit))


def _downloads(report: dict, lang: str) -> dict:
    """table id -> a link that saves the table as CSV (a data: URL: nothing is fetched, nothing runs)."""
    return {t.id: f'<p class="dl"><a download="{escape(t.id)}.csv" href="data:text/csv;charset=utf-8,{quote(t.csv())}">'
                  f'{escape(t.title)}: {escape(tables.w(lang, "download"))}</a></p>' for t in tables.tables(report, lang)}


def _cls(v: int) -> str:
    return ' class="up"' if v > 0 else ' class="down"' if v < 0 else ""


def _html_table(tid: str, caption: str, header: list[str], rows: list[list[str]], diffs: list[int] | None = None,
                diff_col: int = 4) -> str:
    """rows are already text; the difference column (diff_col) is coloured by the sign of diffs."""
    left = ' class="l"'
    head = "".join(f'<th scope="col"{left if i == 0 else ""}>{escape(h)}</th>' for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<th scope="row" class="l">{escape(c)}</th>' if i == 0 else
                                    f"<td{_cls(d) if diffs and i == diff_col else ''}>{escape(c)}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r, d in zip(rows, diffs or [0] * len(rows)))
    return f'<table id="{tid}"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page(report: dict, lang: str = "ja") -> str:
    years, cases = _heading(report, lang)
    w = lambda key, **v: _w(lang, key, **v)  # noqa: E731
    before, after = w("side.before", year=report["old_year"]), w("side.after", year=report["new_year"])
    links = _downloads(report, lang)
    rows = []
    for f in report["frames"]:
        name, _, _, diff = _frame_cells(f, lang)
        b = [f"{f['eligible_before']:,}", yen(f["subsidy_before"])] if f["in_old"] else ["—", "—"]
        a = [f"{f['eligible_after']:,}", yen(f["subsidy_after"])] if f["in_new"] else ["—", "—"]
        rows.append([name, b[0], a[0], b[1], a[1], diff])
    frames = _html_table("frames", w("frames"), [w("frame"), w("eligible.side", side=before), w("eligible.side", side=after),
                                                 w("subsidy.side", side=before), w("subsidy.side", side=after), w("difference")],
                         rows, [f["difference"] for f in report["frames"]], diff_col=5)
    header = [w(k) for k in _GROUP_COLUMNS]
    groups = []
    for tid, title, items in (("firms", "firms", [dict(report["total"], group=w("all"))]),
                              ("by-industry", "by_industry", report["by_industry"]), ("by-size", "by_size", report["by_size"])):
        chart = _industry_chart(report, lang) if tid == "by-industry" and items else ""
        if items:
            cells = [[c if isinstance(c, str) else "".join(c) for c in _group_cells(g, g["group"], lang)] for g in items]
            table = _html_table(tid, w(title), header, cells, [g["difference"] for g in items])
            groups.append(f"<section><h2>{escape(w(title))}</h2>{chart}{table}{links.get(tid, '')}</section>")
        if tid == "firms" and report.get("distribution"):
            table = _html_table("distribution", w("distribution"), [tables.w(lang, "bin"), w("n"), w("share"), w("change.total")],
                                _distribution_rows(report, lang), [b["change"] for b in report["distribution"]], diff_col=3)
            groups.append(f'<section><h2>{escape(w("distribution"))}</h2>{_distribution_chart(report, lang)}{table}'
                          f'{links["distribution"]}</section>')
    if report.get("attribution") is not None:
        rows = _attribution_rows(report, lang)
        diffs = [a["difference"] for a in report["attribution"]] + ([report["interaction"]] if len(rows) > len(report["attribution"]) else [])
        table = (_html_table("attribution", w("attribution"), [w(k) for k in ("change", "difference", "gainers", "losers")], rows,
                             diffs, diff_col=1) if rows else f"<p>{escape(w('attribution.none'))}</p>")
        groups.append(f"<section><h2>{escape(w('attribution'))}</h2>{table}{links.get('attribution', '')}</section>")
    sanity = ""
    header, official, notes = _official_table(report, lang)
    if official:
        table = _html_table("official", w("sanity"), header, official)
        cites = "".join(f"<li>{escape(name)}: {escape(w('source'))} {escape(o['source'])} [{escape(o['tag'])}] — {escape(_note(o, lang))}</li>"
                        for name, o in notes)
        plain = w("plain.national" if report.get("national") else "plain", n=format(report["cases"], ","))
        sanity = (f'<section><h2>{escape(w("sanity"))}</h2><p class="plain">{escape(plain)}</p>'
                  f'{table}<ul class="cite">{cites}</ul>{links["official"]}</section>')
    national = _national_section(report, lang, links)
    moves = _moves_rows(report, lang)
    moves_table = _html_table("moves", w("moves"), [w(k) for k in ("frame", "gainers", "gained", "losers", "lost")],
                              [[r[0], r[1][0], r[1][2], r[2][0], r[2][2]] for r in moves],
                              [f.get("gained", 0) - f.get("lost", 0) for f in report["frames"] if "gainers" in f], diff_col=-1) if moves else ""
    moves_table = moves_table and f'<h3>{escape(w("moves"))}</h3>{moves_table}'

    title = f"{w('title')}: {report['old']} → {report['new']}"
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<style>{_CSS}</style></head><body><main><h1>{escape(w("title"))}</h1><p class="sub">{escape(years)}</p>'
            f'<p class="sub">{escape(cases)}</p>{national}<section><h2>{escape(w("frames"))}</h2>{_frames_chart(report, lang)}{frames}'
            f'{moves_table}{links["frames"]}</section>{"".join(groups)}{sanity}</main></body></html>\n')


def _national_section(report: dict, lang: str, links: dict) -> str:
    """The scaling stated, a chart of the national totals with the budget line, the table in 億円."""
    n = report.get("national")
    if not n:
        return ""
    lines = _national_lines(report, lang)  # scaling, caveat, then the text table (header, rule, rows), then the budget
    scaling, caveat = lines[0], lines[1]
    rows = []
    for f in [*n["frames"], dict(n["total"], frame=_w(lang, "all"))]:
        rows.append([f["frame"], f"{f['eligible_before']:,}", f"{f['eligible_after']:,}", tables.oku(f["subsidy_before"]),
                     tables.oku(f["subsidy_after"]), signed_oku(f["subsidy_after"] - f["subsidy_before"]),
                     f"{f['gainers']:,}", signed_oku(f["gained"]), f"{f['losers']:,}", signed_oku(-f["lost"])])
    w = lambda key, **v: _w(lang, key, **v)  # noqa: E731
    before, after = w("side.before", year=report["old_year"]), w("side.after", year=report["new_year"])
    header = [w("frame"), w("eligible.side", side=before), w("eligible.side", side=after), w("subsidy.side", side=before),
              w("subsidy.side", side=after), w("difference"), w("gainers"), w("gained"), w("losers"), w("lost")]
    table = _html_table("national", w("national"), header, rows,
                        [f["subsidy_after"] - f["subsidy_before"] for f in [*n["frames"], n["total"]]], diff_col=5)
    budget = f'<p class="budget">{escape(budget_line(report, lang))}</p>' if report.get("budget") else ""
    return (f'<section><h2>{escape(w("national"))}</h2><p class="scale">{escape(scaling)}</p><p class="plain">{escape(caveat)}</p>'
            f'{budget}{_national_chart(report, lang)}{table}{links["national"]}</section>')

