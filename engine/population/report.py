"""A population comparison report (`subsidy-population-compare/1`, engine/population/compare.py)
-> terminal text, one self-contained HTML page with inline SVG charts, or JSON. Renderers only
read the report: every count and yen figure is printed as the report holds it, never recomputed,
except the sums' differences (already in the report) and the applications/eligible ratio."""

from __future__ import annotations

import json
import unicodedata
from html import escape

from engine.explain.render_text import yen
from engine.i18n import N_, catalogue, say

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
])
_GROUP_COLUMNS = ("group", "n", "eligible", "subsidy", "difference", "gainers", "losers")


def _w(lang: str, key: str, **values) -> str:
    return say(lang, "population", _WORDS, key, **values)


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
    return ("after", report["new_year"]) if report["old_year"] != 2024 and report["new_year"] == 2024 else ("before", report["old_year"])


def _official_rows(report: dict) -> list[tuple[str, str, str, str, dict]]:
    """(frame, synthetic eligible, applications, ratio, official entry) per official frame."""
    side, _ = _official_year(report)
    frames = {f["frame"]: f for f in report["frames"] if f["in_old" if side == "before" else "in_new"]}
    rows = []
    for name, o in report.get("official_applications_2024", {}).items():
        eligible = frames[name][f"eligible_{side}"] if name in frames else None
        ratio = f"{o['applications'] * 100 / eligible:.1f}%" if eligible else "—"
        rows.append((name, "—" if eligible is None else f"{eligible:,}", f"{o['applications']:,}", ratio, o))
    return rows


def _heading(report: dict, lang: str) -> tuple[str, str]:
    years = (f"{_w(lang, 'years', label=report['old'], year=report['old_year'])} → "
             f"{_w(lang, 'years', label=report['new'], year=report['new_year'])}")
    return years, f"{_w(lang, 'cases', n=format(report['cases'], ','))}  {_w(lang, 'engine')}: {report['engine']}"


def text(report: dict, lang: str = "ja") -> str:
    years, cases = _heading(report, lang)
    out = [f"{_w(lang, 'title')}: {years}", cases, "", _w(lang, "frames")]
    out += _table([_w(lang, k) for k in ("frame", "eligible", "subsidy", "difference")],
                  [_frame_cells(f, lang) for f in report["frames"]])
    header = [_w(lang, k) for k in _GROUP_COLUMNS]
    for title, rows in (("firms", [_group_cells(report["total"], _w(lang, "all"), lang)]),
                        ("by_industry", [_group_cells(g, g["group"], lang) for g in report["by_industry"]]),
                        ("by_size", [_group_cells(g, g["group"], lang) for g in report["by_size"]])):
        if rows:
            out += ["", _w(lang, title), *_table(header, rows)]
    if report.get("attribution") is not None:
        rows = _attribution_rows(report, lang)
        out += ["", _w(lang, "attribution")]
        out += _table([_w(lang, k) for k in ("change", "difference", "gainers", "losers")], rows) if rows else [
            f"  {_w(lang, 'attribution.none')}"]
    official = _official_rows(report)
    if official:
        _, year = _official_year(report)
        out += ["", _w(lang, "sanity"), _w(lang, "plain", n=format(report["cases"], ","))]
        out += _table([_w(lang, "frame"), _w(lang, "synthetic", year=year), _w(lang, "applications"), _w(lang, "ratio")],
                      [list(r[:4]) for r in official])
        out += [f"  {name}: {_w(lang, 'source')} {o['source']} [{o['tag']}] — {o['note']}" for name, *_, o in official]
    return "\n".join(out) + "\n"


def json_text(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


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
                    f'{escape(_w(lang, "years", label=report[side], year=report[side + "_year"]))}</text>')
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
    """Diverging bars: per industry the net change, gains to the right of zero and losses to the left."""
    groups = report["by_industry"]
    div, unit = _unit(max([abs(g["difference"]) for g in groups] + [0]))
    top, ticks = _ticks(max([abs(g["difference"]) / div for g in groups] + [0]))
    ticks = [-t for t in reversed(ticks[1:])] + ticks
    plot = _W - _LEFT - _RIGHT
    x = lambda v: _LEFT + (v + top) / (2 * top) * plot  # noqa: E731
    body, y = [], 44
    for g in groups:
        d = g["difference"]
        end = x(d / div)
        colour = _COLOURS["up" if d >= 0 else "down"]
        tip = f'{g["group"]} {signed(d)} ({_w(lang, "gainers")} {signed(g["gained"])}, {_w(lang, "losers")} {signed(-g["lost"])})'
        body.append(f'<text x="{_LEFT - 8}" y="{y + 13}" text-anchor="end">{escape(g["group"])}</text>')
        body.append(_bar(min(end, x(0)), y, abs(end - x(0)), 17, colour, tip))
        # The figure sits on the other side of zero, so it never runs into the names or the edge.
        anchor, at = ("end", x(0) - 5) if d >= 0 else ("start", x(0) + 5)
        body.append(f'<text x="{at:.1f}" y="{y + 13}" text-anchor="{anchor}">{escape(signed(d))}</text>')
        y += 25
    body.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="38" y2="{y}" stroke="#3d4751"/>')
    body += _axis(ticks, ticks[-1] - ticks[-2], x, y, signed_labels=True)
    return _svg(_w(lang, "chart.industry"), y + 50, body, _w(lang, "axis.difference", unit=unit))


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


def html(report: dict, lang: str = "ja") -> str:
    years, cases = _heading(report, lang)
    w = lambda key, **v: _w(lang, key, **v)  # noqa: E731
    before, after = w("years", label=report["old"], year=report["old_year"]), w("years", label=report["new"], year=report["new_year"])
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
            groups.append(f"<section><h2>{escape(w(title))}</h2>{chart}{table}</section>")
    if report.get("attribution") is not None:
        rows = _attribution_rows(report, lang)
        diffs = [a["difference"] for a in report["attribution"]] + ([report["interaction"]] if len(rows) > len(report["attribution"]) else [])
        table = (_html_table("attribution", w("attribution"), [w(k) for k in ("change", "difference", "gainers", "losers")], rows,
                             diffs, diff_col=1) if rows else f"<p>{escape(w('attribution.none'))}</p>")
        groups.append(f"<section><h2>{escape(w('attribution'))}</h2>{table}</section>")
    sanity = ""
    official = _official_rows(report)
    if official:
        _, year = _official_year(report)
        table = _html_table("official", w("sanity"), [w("frame"), w("synthetic", year=year), w("applications"), w("ratio")],
                            [list(r[:4]) for r in official], [None] * len(official))
        notes = "".join(f"<li>{escape(name)}: {escape(w('source'))} {escape(o['source'])} [{escape(o['tag'])}] — {escape(o['note'])}</li>"
                        for name, *_, o in official)
        sanity = (f'<section><h2>{escape(w("sanity"))}</h2><p class="plain">{escape(w("plain", n=format(report["cases"], ",")))}</p>'
                  f'{table}<ul class="cite">{notes}</ul></section>')
    title = f"{w('title')}: {report['old']} → {report['new']}"
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<style>{_CSS}</style></head><body><main><h1>{escape(w("title"))}</h1><p class="sub">{escape(years)}</p>'
            f'<p class="sub">{escape(cases)}</p><section><h2>{escape(w("frames"))}</h2>{_frames_chart(report, lang)}{frames}</section>'
            f'{"".join(groups)}{sanity}</main></body></html>\n')
