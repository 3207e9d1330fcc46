"""The published figures the synthetic population is calibrated to (CALIBRATION) and the real 2024
application counts a report can set beside it (OFFICIAL_APPLICATIONS_2024), each with its source and
confidence tag from shared/domain/population.md: [C] official or quoting it, [S] one secondary
page, [D] derived by arithmetic from those, [A] our assumption where no statistic exists.

`measure(relation)` computes the same shares from a generated population (a DuckDB relation or
the name of a Parquet file), so a report or a test can print target against generated."""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

A_CENSUS = "中小企業庁「中小企業・小規模事業者の数（2021年6月時点）の集計結果」2023-12-13 (population.md §1a)"
SMRJ = "中小機構「日本を支える中小企業3,364,891社」令和3年経済センサスより (population.md §1a)"
WHITE_2016 = "2016年版 小規模企業白書 第1-1-28/29図, 2014年 (population.md §1c)"
ANKI = "ankimaker flashcards, 2016 (population.md §1b, §1c)"
TAX = "abetakayuki.site, 令和4年 法人税申告実績 (population.md §3b)"
DEFICIT = "国税庁 会社標本調査 令和5年度分 via aibrain.or.jp (population.md §3a)"
G1 = "g1info.jp「IT導入補助金2024採択結果」(population.md §4a)"
SOICHIRO = "soichiro.co.jp blog it-hojo-saitaku-2024 (population.md §4a)"


class Figure(NamedTuple):
    value: int | Fraction
    source: str
    tag: str  # C S D A, as in the module docstring
    note: str = ""


SME_2016 = 3_578_000  # 357.8万者 [C], the denominator of the 2016 industry counts
CALIBRATION = {
    "firms": Figure(3_364_891, SMRJ, "C", "the default n: 中小企業 (incl. 小規模) in 2021"),
    "large_share": Figure(Fraction(10_364, 3_375_255), A_CENSUS, "D", "大企業 1万364者 of 337.5万 (3,364,891 + 10,364); the rows that are no SME"),
    "small_share_of_sme": Figure(Fraction(2853, 3365), A_CENSUS, "D", "小規模事業者 285.3万 / 中小企業 336.5万 = 84.8 %"),
    "sole_share_of_small": Figure(Fraction(1973, 3252), WHITE_2016, "D", "個人事業者 197.3万 / 小規模 325.2万 = 60.7 % (2014; among 会社 and 個人 only)"),
    "sole_share_of_medium": Figure(Fraction(33, 148), ANKI, "D", "2016 shares of all firms: 中規模・個人 3.3 % / 中規模 14.8 % = 22.3 % [S]"),
    "no_employee_share_of_small": Figure(Fraction(1439, 3252), WHITE_2016, "C", "常用雇用者なし 143.9万 / 325.2万 = 44.2 % (2014)"),
    "industry.小売業": Figure(Fraction(302, 1000), ANKI, "A",
                           "小売 623,072 / 357.8万 = 17.4 % [S] plus 飲食 12.8 % (宿泊・飲食 ~500,000 [S] less 旅館業 1.2 % [A]): 飲食店 is 小売業 in the SME definition [A]"),
    "industry.建設業": Figure(Fraction(430_727, SME_2016), ANKI, "S", "430,727 / 357.8万 = 12.0 % (2016)"),
    "industry.製造業": Figure(Fraction(380_517, SME_2016), ANKI, "S", "380,517 / 357.8万 = 10.6 % (2016); ゴム製品製造業 is 0.1 % of it [A]"),
    "capital_upto_10m_share_of_companies": Figure(Fraction(2_556_157, 2_922_972), TAX, "S", "資本金 ≤1,000万 87.5 % of 申告法人 (FY2022, large included)"),
    "capital_over_100m_share_of_companies": Figure(Fraction(16_362, 2_922_972), TAX, "S", "資本金 >1億 0.56 % of 申告法人 (FY2022, large included)"),
    "deficit_share_of_companies": Figure(Fraction(1_803_203, 2_956_717), DEFICIT, "C", "欠損法人 61.0 %: used as the share with no taxable income"),
}

# frame -> applications in 2024 (the synthetic population is every firm as if it applied; these are the applicants)
OFFICIAL_APPLICATIONS_2024 = {
    "通常枠": Figure(25_140, G1, "S", f"the same in {SOICHIRO}; 16,540 交付決定 (65.8 %)"),
    "インボイス対応類型": Figure(46_394, G1, "S", f"{SOICHIRO} gives 44,198: unresolved, a difference of 2,196"),
    "電子取引類型": Figure(1, G1, "S", "1 application, 1 adopted"),
    "セキュリティ対策推進枠": Figure(225, G1, "S", "chusho-dx.bcnretail.com gives 255"),
    "複数社連携IT導入枠": Figure(7, G1, "S", "4 adopted"),
}
APPLICATIONS_TOTAL_2024 = Figure(71_767, G1, "S", f"{SOICHIRO}: 69,571")
# the notes above in Japanese, for the Japanese report
OFFICIAL_NOTES_JA = {
    "通常枠": f"{SOICHIRO} も同数。交付決定 16,540件（65.8%）",
    "インボイス対応類型": f"{SOICHIRO} は 44,198件（差 2,196件、未解決）",
    "電子取引類型": "申請1件、採択1件",
    "セキュリティ対策推進枠": "chusho-dx.bcnretail.com は 255件",
    "複数社連携IT導入枠": "採択4件",
}


def take_up(synthetic: dict[str, int]) -> dict[str, Fraction | None]:
    """Official applications ÷ synthetic count per frame (e.g. the firms eligible in a population run):
    the share of the population that actually applied, as an exact fraction (None where the count is 0)."""
    return {frame: (Fraction(fig.value, synthetic[frame]) if synthetic.get(frame) else None)
            for frame, fig in OFFICIAL_APPLICATIONS_2024.items()}


_SMALL = ("CASE WHEN 申請者.業種 IN ('卸売業', '小売業', 'サービス業', 'ソフトウェア業・情報処理サービス業') "
          "THEN 申請者.従業員数 <= 5 ELSE 申請者.従業員数 <= 20 END")
_LIMITS = {"製造業": (300_000_000, 300), "建設業": (300_000_000, 300), "運輸業": (300_000_000, 300), "卸売業": (100_000_000, 100),
           "サービス業": (50_000_000, 100), "娯楽業": (50_000_000, 100), "小売業": (50_000_000, 50), "ゴム製品製造業": (300_000_000, 900),
           "ソフトウェア業・情報処理サービス業": (300_000_000, 300), "旅館業": (50_000_000, 200), "その他の業種": (300_000_000, 300)}
# SME by capital OR employees (R-SME-1); the census universe (会社 and 個人) only, as in CALIBRATION
_SME = "(" + " OR ".join(f"(申請者.業種 = '{i}' AND (申請者.従業員数 <= {e} OR coalesce(申請者.資本金 <= {c}, false)))"
                         for i, (c, e) in _LIMITS.items()) + ")"
_CENSUS = "申請者.組織形態 IN ('会社', '個人事業主')"
_SOLE = "申請者.組織形態 = '個人事業主'"
_CO = "申請者.組織形態 = '会社'"
# share name -> (numerator condition, denominator condition), over the case table
MEASURES = {
    "large_share": (f"NOT {_SME}", _CENSUS),
    "small_share_of_sme": (_SMALL, f"{_CENSUS} AND {_SME}"),
    "sole_share_of_small": (_SOLE, f"{_CENSUS} AND {_SMALL}"),
    "sole_share_of_medium": (_SOLE, f"{_CENSUS} AND {_SME} AND NOT {_SMALL}"),
    "no_employee_share_of_small": ("申請者.従業員数 = 0", f"{_CENSUS} AND {_SMALL}"),
    "industry.小売業": ("申請者.業種 = '小売業'", _CENSUS),
    "industry.建設業": ("申請者.業種 = '建設業'", _CENSUS),
    "industry.製造業": ("申請者.業種 IN ('製造業', 'ゴム製品製造業')", _CENSUS),
    "capital_upto_10m_share_of_companies": ("申請者.資本金 <= 10000000", _CO),
    "capital_over_100m_share_of_companies": ("申請者.資本金 > 100000000", _CO),
    "deficit_share_of_companies": ("資本関係.直近3年の課税所得の年平均 = 0", _CO),
    "capital_null_share_of_sole": ("申請者.資本金 IS NULL", _SOLE),
}


def measure(source, con=None) -> dict[str, Fraction]:
    """The generated shares of MEASURES (exact fractions) from a Parquet file name or a DuckDB relation name."""
    import duckdb

    if con is None:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    table = con.read_parquet(str(source)) if not isinstance(source, duckdb.DuckDBPyRelation) else source
    sums = ", ".join(f"count(*) FILTER (WHERE {num} AND {den}), count(*) FILTER (WHERE {den})" for num, den in MEASURES.values())
    counts = table.query("population", f"SELECT {sums} FROM population").fetchall()[0]
    return {name: Fraction(counts[2 * i], counts[2 * i + 1]) if counts[2 * i + 1] else Fraction(0)
            for i, name in enumerate(MEASURES)}
