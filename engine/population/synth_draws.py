"""The draws of the synthetic population as DuckDB SQL (engine/population/synth.py assembles and runs them).

Every random draw is `hash(id, seed, 'draw-name'[, i]) % 1,000,000`: an integer "uniform" in
0…999,999 that depends only on the row, the seed and the draw's name, so the data is the same
whatever the number of threads (DuckDB's random()/setseed are per thread and are never used).
Shares are integer thresholds in parts per million (ppm); amounts are whole yen (BIGINT), so no
float touches money. Every figure and assumption is explained in docs/population.md; the
constants here carry the same names."""

from __future__ import annotations

from fractions import Fraction

PPM = 1_000_000

# ---------------------------------------------------------------- who (docs/population.md §1–3)
# Share of rows: 大企業 10,364 / 3,375,255 [C, derived]; 小規模 285.3 / 336.5 of the SMEs [C, derived].
LARGE = Fraction(10_364, 3_375_255)
SMALL_OF_SME = Fraction(2853, 3365)

# 業種 mix (weights, ‰ of rows). 2016 counts [S]: 小売 17.4 %, 宿泊・飲食 14.0 %, 建設 12.0 %, 製造 10.6 %;
# 飲食 (12.8 %) is 小売業 under the 中小企業基本法 classification [I]; the rest is assumed.
INDUSTRY = {"製造業": 105, "ゴム製品製造業": 1, "建設業": 120, "運輸業": 20, "卸売業": 55, "小売業": 302,
            "旅館業": 12, "ソフトウェア業・情報処理サービス業": 15, "娯楽業": 10, "サービス業": 260, "その他の業種": 100}
# 小規模事業者: employees ≤ 5 (商業・サービス業), ≤ 20 otherwise (rules-2024.md R-SMALL-1).
SMALL_LIMIT = {"卸売業": 5, "小売業": 5, "サービス業": 5, "ソフトウェア業・情報処理サービス業": 5}
SMALL_LIMIT_OTHER = 20

# 個人事業主 share: of 小規模 197.3 / 325.2 (2014) [C, derived]; of 中規模 3.3 / 14.8 (2016 shares of all firms) [S, derived].
SOLE_SMALL = Fraction(1973, 3252)
SOLE_MEDIUM = Fraction(33, 148)
# 常用雇用者なし (2014): 個人 57.3 %, 法人 24.1 % of 小規模 [C].
NO_EMPLOYEE_SOLE = Fraction(573, 1000)
NO_EMPLOYEE_CORP = Fraction(241, 1000)

# Forms the census leaves out (会社以外の法人), ppm of rows [assumption]: present so their rules are exercised.
OTHER_FORMS = {"医療法人": 4000, "社会福祉法人": 1500, "学校法人": 500, "商工会等": 500, "中小企業団体": 1000,
               "特別法組合": 1000, "財団法人": 500, "社団法人": 1500, "特定非営利活動法人": 4000, "宗教法人": 1000,
               "任意団体": 1000}
# Judged by a fixed employee limit (300 / 100), not by industry: put them in サービス業 (limit 100).
SERVICE_FORMS = ("医療法人", "社会福祉法人", "学校法人", "商工会等", "宗教法人", "任意団体")

# Establishment-level 常用雇用者規模 (2021, 全事業所) [C], a PROXY for the firm-level shape above 0:
# (lowest, highest, establishments). 200+ is a remainder (26,160, derived); spread over 200–999 [assumption].
EMPLOYEE_CLASSES = ((1, 1, 730_542), (2, 2, 483_132), (3, 3, 366_386), (4, 4, 291_279), (5, 9, 804_997),
                    (10, 19, 570_906), (20, 29, 226_510), (30, 49, 172_203), (50, 99, 109_758),
                    (100, 199, 42_954), (200, 999, 26_160))
MEDIUM_AT_LIMIT = 10_000  # ppm of 中規模: exactly at the employee limit (edge, still an SME) [assumption]
MEDIUM_BY_CAPITAL = 30_000  # ppm of 中規模 会社: over the employee limit, SME by capital ≤ limit [assumption]

# 資本金 classes of companies (yen, lowest exclusive, highest inclusive, weight ‱, step, ppm at the top).
# ≤1千万 87.5 % / 1千万超~1億 12.0 % / 1億超 0.6 % (FY2022, all companies) [S], split inside by FY2016 [S] and
# 2004 [S] shares; 1億超 among SMEs cut to 0.13 % so that, with the 大企業 rows, 0.6 % of companies are over 1億.
CAPITAL_CLASSES = ((0, 1_000_000, 1300, 10_000, 400_000), (1_000_000, 2_000_000, 230, 100_000, 400_000),
                   (2_000_000, 5_000_000, 4467, 100_000, 400_000), (5_000_000, 10_000_000, 2800, 100_000, 600_000),
                   (10_000_000, 30_000_000, 820, 1_000_000, 300_000), (30_000_000, 50_000_000, 260, 1_000_000, 400_000),
                   (50_000_000, 100_000_000, 120, 1_000_000, 400_000), (100_000_000, 300_000_000, 10, 10_000_000, 300_000),
                   (300_000_000, 1_000_000_000, 3, 10_000_000, 100_000))
DEFICIT = 610_000  # ppm of companies with no taxable income: 欠損法人 61.0 % (令和5年度分) [C]

# ---------------------------------------------------------------- the purchase (no statistics: assumptions)
# The mix of what each firm would apply for mirrors the 2024 applications (g1info [S]); 電子取引類型 is raised
# from 1 to 7 applications so that it appears at population scale.
SCENARIO = {"normal": 25_140, "invoice": 46_394, "security": 225, "etrade": 7, "multi": 7}
# 申請日: the 通常枠 round windows weighted by that round's applications (§4b [S]); 追加公募 opened 2024-09-20.
ROUNDS = (("2024-02-16", 29, 1_576), ("2024-03-16", 31, 2_335), ("2024-04-16", 35, 2_912), ("2024-05-21", 30, 3_286),
          ("2024-06-20", 30, 3_577), ("2024-07-20", 35, 5_881), ("2024-09-20", 26, 5_573))
PROCESSES = ("顧客対応・販売支援", "決済・債権債務・資金回収管理", "供給・在庫・物流", "会計・財務・経営", "総務・人事・給与・労務等", "業務固有プロセス")
MAIN_PROCESS = (20, 10, 15, 20, 20, 15)
FUNCTION_SETS = ((("会計",), 440), (("受発注",), 55), (("決済",), 55), (("会計", "受発注"), 150), (("会計", "決済"), 150),
                 (("会計", "受発注", "決済"), 145), ((), 5))
FUNCTION_PROCESS = {"会計": "会計・財務・経営", "受発注": "供給・在庫・物流", "決済": "決済・債権債務・資金回収管理"}

# Every enum member the draws can emit, by (group, field): checked against every policy before a run.
EMITTED = {("申請者", "組織形態"): ("会社", "個人事業主", *OTHER_FORMS), ("申請者", "業種"): tuple(INDUSTRY),
           ("申請者", "賃上げ特例"): ("該当なし", "保険医療機関・保険薬局", "介護サービス事業者", "社会福祉事業・更生保護事業", "学校等"),
           ("ITツール", "プロセス"): (*PROCESSES, "汎用プロセス"), ("ITツール", "インボイス機能"): ("会計", "受発注", "決済"),
           (None, "経費"): ("ソフトウェア", "オプション", "役務", "PC等", "レジ等", "受発注クラウド利用料", "お助け隊サービス利用料",
                            "消費動向等分析経費", "事務費・専門家費", "ECサイト制作", "その他ハードウェア")}


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def members(names) -> str:
    return "[" + ", ".join(lit(m) for m in names) + "]::VARCHAR[]"


class Draws:
    def __init__(self, seed: int):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError("seed must be an int")
        self.seed = int(seed)

    def u(self, name: str, index: str | None = None) -> str:
        extra = f", {index}" if index else ""
        return f"CAST(hash(id, {self.seed}, {lit(name)}{extra}) % {PPM} AS BIGINT)"

    def pick(self, name: str, weighted, index: str | None = None) -> str:
        """CASE choosing one SQL value by its weight (any positive numbers: normalised to ppm exactly)."""
        weighted = [(Fraction(w), v) for w, v in weighted if w]
        total, cum, parts = sum(w for w, _ in weighted), Fraction(0), []
        for w, v in weighted[:-1]:
            cum += w
            parts.append(f"WHEN {self.u(name, index)} < {round(cum / total * PPM)} THEN {v}")
        return f"(CASE {' '.join(parts)} ELSE {weighted[-1][1]} END)" if parts else f"({weighted[-1][1]})"

    def chance(self, name: str, ppm, index: str | None = None) -> str:
        return f"({self.u(name, index)} < {round(Fraction(ppm))})"

    def between(self, name: str, low: int, high: int, step: int = 1_000, index: str | None = None) -> str:
        """A whole multiple of `step` from low to high (yen or people)."""
        return f"({low} + {step} * ({self.u(name, index)} % {(high - low) // step + 1}))"

    def amount(self, name: str, classes) -> str:
        """Yen in one of several ranges chosen by weight: ((weight, low, high), …), in steps of 1,000円."""
        return self.pick(f"{name}.class", [(w, self.between(f"{name}.{i}", lo, hi)) for i, (w, lo, hi) in enumerate(classes)])

    def employees(self, name: str, low: int, high: int) -> str:
        """Employees from low to high, shaped by the establishment classes (uniform inside a class)."""
        options = []
        for i, (clo, chi, count) in enumerate(EMPLOYEE_CLASSES):
            a, b = max(low, clo), min(high, chi)
            if a <= b:
                options.append((Fraction(count * (b - a + 1), chi - clo + 1), f"({a} + {self.u(f'{name}.{i}')} % {b - a + 1})"))
        if high > EMPLOYEE_CLASSES[-1][1]:
            options.append((Fraction(1), self.between(f"{name}.top", max(low, 1_000), high, 1)))
        return self.pick(f"{name}.class", options)

    def capital(self, name: str) -> str:
        options = []
        for i, (lo, hi, weight, step, top) in enumerate(CAPITAL_CLASSES):
            inner = f"(CASE WHEN {self.chance(f'{name}.top{i}', top)} THEN {hi} ELSE {self.between(f'{name}.{i}', lo + step, hi, step)} END)"
            options.append((weight, inner))
        return self.pick(f"{name}.class", options)

    def ratio(self, num: str, den: str) -> str:
        """An exact ratio in lowest terms (num/den are SQL integers)."""
        return f"{{'num': ({num}) // gcd({num}, {den}), 'den': ({den}) // gcd({num}, {den})}}"
