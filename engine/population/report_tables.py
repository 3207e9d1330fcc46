"""The what-if report's tables as plain rows (figures as whole numbers, words in the report's
language), for the downloads: each table as CSV (in the HTML page) and all of them as one .xlsx
workbook (`policy population --compare … -o report.xlsx`). Also the words and number forms the
report's new sections share: 億円 / 万円, the bins of the change per firm, the national scaling."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

from engine.explain.render_text import yen
from engine.i18n import N_, catalogue, say

# The tables' words (catalogue domain "population", beside the report's own in report.py): a key and
# the English source; ja/…/population.po gives the Japanese.
_WORDS = catalogue([
    N_("table.frame", "frame"),
    N_("table.group", "group"),
    N_("table.firms", "firms"),
    N_("table.eligible_before", "eligible before"),
    N_("table.eligible_after", "eligible after"),
    N_("table.subsidy_before", "subsidy total before (yen)"),
    N_("table.subsidy_after", "subsidy total after (yen)"),
    N_("table.difference", "difference (yen)"),
    N_("table.gainers", "gainers"),
    N_("table.gained", "gained (yen)"),
    N_("table.losers", "losers"),
    N_("table.lost", "lost (yen)"),
    N_("table.bin", "change of a firm's subsidy"),
    N_("table.change", "total change (yen)"),
    N_("table.share", "share (%)"),
    N_("table.clause", "change"),
    N_("table.applications", "applications (official 2024)"),
    N_("table.eligible_sample", "eligible (synthetic)"),
    N_("table.eligible_national", "eligible (national estimate)"),
    N_("table.take_up", "applications/eligible (national, %)"),
    N_("table.t.frames", "By frame"),
    N_("table.t.firms", "By firm (all)"),
    N_("table.t.by_industry", "By industry"),
    N_("table.t.by_size", "By size"),
    N_("table.t.distribution", "Distribution of the change per firm"),
    N_("table.t.national", "National estimate (by frame)"),
    N_("table.t.attribution", "What each change accounts for"),
    N_("table.t.official", "Official applications"),
    N_("table.all", "all"),
    N_("table.interaction", "the changes acting together"),
    N_("table.bin.none", "no change"),
    N_("table.bin.up", "gain"),
    N_("table.bin.down", "loss"),
    N_("table.bin.range", "{way} of {low} to under {high}"),
    N_("table.bin.above", "{way} of {low} or more"),
    N_("table.national.title", "National estimate"),
    N_("table.download", "CSV"),
    N_("table.national.scaling", "the synthetic {sample} firms scaled to Japan's {firms} SMEs (×{firms}/{sample}, about {factor}×); source: {source}"),
    N_("table.national.scaling.plain", "the synthetic {sample} firms scaled to {firms} (×{firms}/{sample}, about {factor}×)"),
    N_("table.national.caveat", "as if every eligible firm applied (2024 saw {applications} applications); estimates are rounded to a firm and a yen."),
    N_("table.budget", "budget {budget}: estimate before {before} ({before_share} of it) → after {after} ({after_share} of it)"),
    N_("table.budget.line", "budget {budget}"),
])
_GROUP_KEYS = ("firms", "eligible_before", "eligible_after", "subsidy_before", "subsidy_after", "difference",
               "gainers", "gained", "losers", "lost")


def w(lang: str, key: str, **values) -> str:
    return say(lang, "population", _WORDS, "table." + key, **values)


def _rounded(v: Fraction, places: int) -> str:
    """An exact value shown with `places` decimals, rounded half to even (display only)."""
    q = round(v * 10**places)
    whole, part = divmod(abs(q), 10**places)
    return ("−" if q < 0 else "") + f"{whole:,}" + (f".{part:0{places}d}" if places else "")


def oku(v: int) -> str:
    """An amount as a person reads a large one: 2,377.4億円, 3,121万円, or in yen below 1万円."""
    if abs(v) >= 10**8:
        return _rounded(Fraction(v, 10**8), 1) + "億円"
    if abs(v) >= 10**4:
        return _rounded(Fraction(v, 10**4), 0) + "万円"
    return ("−" if v < 0 else "") + yen(abs(v))


def percent(part: int, whole: int) -> str:
    return _rounded(Fraction(part * 100, whole), 1) + "%" if whole else "—"


def factor(national: dict) -> str:
    return _rounded(Fraction(national["firms"], national["sample"]), 2)


def bin_label(low: int | None, high: int | None, lang: str) -> str:
    """A bin of the change per firm in words: `(−999,999, −500,000)` → 「50万円以上100万円未満の減」."""
    if low == high == 0:
        return w(lang, "bin.none")
    gain = (low or 0) > 0
    way = w(lang, "bin.up" if gain else "bin.down")
    least, most = (low, high) if gain else (-high, None if low is None else -low)  # the size of the change
    if most is None:
        return w(lang, "bin.above", low=oku(least), way=way)
    return w(lang, "bin.range", low=oku(least), high=oku(most + 1), way=way)


class Table:
    def __init__(self, tid: str, title: str, header: list[str], rows: list[list]):
        self.id, self.title, self.header, self.rows = tid, title, header, rows

    def csv(self) -> str:
        """The table as CSV text, with a BOM so Excel reads it as UTF-8."""
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer, lineterminator="\r\n").writerows([self.header, *self.rows])
        return buffer.getvalue()


def _group_row(name: str, g: dict) -> list:
    return [name] + [g["cases"] if k == "firms" else g[k] for k in _GROUP_KEYS]


def tables(report: dict, lang: str = "ja") -> list[Table]:
    """Every table of the report, figures whole (yen in yen), in the order the page shows them."""
    frame_keys = ("eligible_before", "eligible_after", "subsidy_before", "subsidy_after", "difference", "gainers", "gained",
                  "losers", "lost")
    out = [Table("frames", w(lang, "t.frames"), [w(lang, "frame"), *(w(lang, k) for k in frame_keys)],
                 [[f["frame"], *(f.get(k, "") for k in frame_keys)] for f in report["frames"]])]
    group_header = [w(lang, "group"), *(w(lang, k) for k in _GROUP_KEYS)]
    out.append(Table("firms", w(lang, "t.firms"), group_header, [_group_row(w(lang, "all"), report["total"])]))
    for key in ("by_industry", "by_size"):
        if report.get(key):
            out.append(Table(key.replace("_", "-"), w(lang, f"t.{key}"), group_header, [_group_row(g["group"], g) for g in report[key]]))
    if report.get("distribution"):
        total = report["cases"]
        out.append(Table("distribution", w(lang, "t.distribution"), [w(lang, k) for k in ("bin", "firms", "share", "change")],
                         [[bin_label(b["low"], b["high"], lang), b["firms"], percent(b["firms"], total).rstrip("%"), b["change"]]
                          for b in report["distribution"]]))
    national = report.get("national")
    if national:
        keys = ("eligible_before", "eligible_after", "subsidy_before", "subsidy_after", "gainers", "gained", "losers", "lost")
        rows = [[f["frame"], *(f[k] for k in keys)] for f in national["frames"]]
        rows.append([w(lang, "all"), *(national["total"][k] for k in keys)])
        out.append(Table("national", w(lang, "t.national"), [w(lang, "frame"), *(w(lang, k) for k in keys)], rows))
    if report.get("attribution") is not None:
        rows = [[f"{a['where']}: {' / '.join(a['old']) or '—'} → {' / '.join(a['new']) or '—'}", a["difference"], a["gainers"], a["losers"]]
                for a in report["attribution"]]
        if report.get("interaction"):
            rows.append([w(lang, "interaction"), report["interaction"], "", ""])
        out.append(Table("attribution", w(lang, "t.attribution"), [w(lang, k) for k in ("clause", "difference", "gainers", "losers")], rows))
    official = official_rows(report)
    if official:
        out.append(Table("official", w(lang, "t.official"),
                         [w(lang, k) for k in ("frame", "eligible_sample", "eligible_national", "applications", "take_up")],
                         [[r["frame"], r["sample"], r["national"], r["applications"], r["take_up"].rstrip("%")] for r in official]))
    return out


def official_side(report: dict) -> str:
    """Which side the 2024 applications are set beside: the side whose policy is 2024, else the old one."""
    return "after" if report["old_year"] != 2024 and report["new_year"] == 2024 else "before"


def official_rows(report: dict) -> list[dict]:
    """Per official frame: eligible firms in the sample and, scaled, in the country; the official
    applications; and applications ÷ national eligible (the take-up, readable only at national scale)."""
    side = official_side(report)
    present = "in_old" if side == "before" else "in_new"
    frames = {f["frame"]: f for f in report["frames"] if f[present]}
    national = {f["frame"]: f for f in (report.get("national") or {}).get("frames", ())}
    rows = []
    for name, o in report.get("official_applications_2024", {}).items():
        sample = frames[name][f"eligible_{side}"] if name in frames else ""
        scaled = national[name][f"eligible_{side}"] if name in national and name in frames else ""
        base = scaled if national else sample  # without a national scale, the old reading: applications ÷ sample
        rows.append({"frame": name, "sample": sample, "national": scaled, "applications": o["applications"],
                     "take_up": percent(o["applications"], base) if base else "—", "official": o})
    return rows


def write_xlsx(report: dict, out: Path, lang: str = "ja") -> None:
    """Every table on its own sheet of one workbook, headers bold and frozen."""
    from engine.population.sheets import needs_openpyxl

    openpyxl = needs_openpyxl(lang)
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables(report, lang):
        sheet = book.create_sheet(table.title[:31].replace("（", "(").replace("）", ")"))
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 40
    book.save(out)
