"""The IT導入補助金2024 written by hand in plain Python with exact integer arithmetic: the practical
speed limit the benchmark compares the engine with. It takes a case as `engine.evaluate.case.read_case`
returns it and gives the same decision summary as the engine's fast form (checked by run.py on
every generated case before anything is timed)."""

from __future__ import annotations

import datetime
from fractions import Fraction

SME_LIMITS = {  # 業種: (資本金上限, 従業員上限)
    "製造業": (300_000_000, 300), "建設業": (300_000_000, 300), "運輸業": (300_000_000, 300), "卸売業": (100_000_000, 100),
    "サービス業": (50_000_000, 100), "娯楽業": (50_000_000, 100), "小売業": (50_000_000, 50), "ゴム製品製造業": (300_000_000, 900),
    "ソフトウェア業・情報処理サービス業": (300_000_000, 300), "旅館業": (50_000_000, 200), "その他の業種": (300_000_000, 300),
}
SMALL_LIMIT = {"卸売業": 5, "小売業": 5, "サービス業": 5, "娯楽業": 20, "旅館業": 20, "ソフトウェア業・情報処理サービス業": 5}
COMMON = {"顧客対応・販売支援", "決済・債権債務・資金回収管理", "供給・在庫・物流", "会計・財務・経営", "総務・人事・給与・労務等", "業務固有プロセス"}
D = datetime.date
START = D(2024, 2, 16)
NORMAL_DEADLINES = (D(2024, 3, 15), D(2024, 4, 15), D(2024, 5, 20), D(2024, 6, 19), D(2024, 7, 19), D(2024, 8, 23), D(2024, 10, 15))
INVOICE_DEADLINES = (D(2024, 6, 19), D(2024, 7, 3), D(2024, 7, 19), D(2024, 8, 2), D(2024, 8, 23), D(2024, 10, 15))
MULTI_DEADLINES = (D(2024, 4, 15), D(2024, 6, 19), D(2024, 8, 23), D(2024, 10, 15))
BETWEEN = (D(2024, 8, 23), D(2024, 9, 20))  # after 6次 (11次) closed, before 追加公募 opened: no round (not 複数社連携's rounds)
FEES = {"ソフトウェア": 24, "オプション": 12, "役務": 24, "受発注クラウド利用料": 24, "お助け隊サービス利用料": 24}  # months counted
EXCLUSIONS = ("みなし大企業", "IT導入支援事業者", "指定停止措置", "風俗営業者", "労働関係法令違反", "反社会的勢力", "宗教法人である",
              "任意団体である", "不正行為", "目的・趣旨に不適切")


def tier(cost: int, small: bool) -> int:
    """インボイス対応類型: 4/5 (3/4) until the subsidy reaches 500,000円, then 2/3; rounded down."""
    if small:
        return cost * 4 // 5 if cost * 4 <= 2_500_000 else (2 * cost + 250_000) // 3
    return cost * 3 // 4 if cost * 3 <= 2_000_000 else (6 * cost + 500_000) // 9


def decide(c: dict) -> dict:
    a, own, excl, req, tool = c["申請者"], c["資本関係"], c["対象外事由"], c["申請要件"], c["ITツール"]
    expenses = c["経費"]
    form, industry, capital, employees = a["組織形態"], a["業種"], a["資本金"], a["従業員数"]
    cap_limit, emp_limit = SME_LIMITS[industry]
    if form in ("医療法人", "社会福祉法人", "学校法人"):
        sme = employees <= 300
    elif form == "商工会等":
        sme = employees <= 100
    elif form in ("中小企業団体", "特別法組合", "財団法人", "社団法人", "特定非営利活動法人"):
        sme = employees <= emp_limit
    else:
        sme = (capital is not None and capital <= cap_limit) or employees <= emp_limit
    small = form in ("会社", "個人事業主") and employees <= SMALL_LIMIT.get(industry, 20)
    income = own["直近3年の課税所得の年平均"]
    deemed_large = (own["最大大企業株主の持株比率"] >= Fraction(1, 2) or own["大企業の持株比率合計"] >= Fraction(2, 3)
                    or own["大企業役員兼務者の割合"] >= Fraction(1, 2) or own["全株式をみなし大企業が所有"]
                    or own["全役員がみなし大企業の役員等"] or (income is not None and income > 1_500_000_000))
    excluded = dict(zip(EXCLUSIONS, (deemed_large, excl["IT導入支援事業者として登録"], excl["指定停止措置等"], excl["風俗営業"],
                                     excl["労働関係法令違反で送検"], excl["反社会的勢力との関係"], form == "宗教法人", form == "任意団体",
                                     excl["補助金の不正行為"], excl["目的・趣旨に適さない"])))
    common = {"国内事業者": req["国内で事業を営む"], "最低賃金": req["最低賃金以上"], "補助金の重複なし": req["他の補助金と重複しない"]}
    by_kind: dict = {}
    eligible: dict = {}  # 区分 -> eligible cost of fees: at most 2 years (オプション 1), exact (C-1)
    for item in expenses:
        kind, months = item["区分"], item["利用月数"]
        by_kind[kind] = by_kind.get(kind, 0) + item["金額"]
        if kind in FEES:
            term = FEES[kind]
            eligible[kind] = eligible.get(kind, 0) + (Fraction(item["金額"] * term, months) if months and months > term else item["金額"])
    has_software = any(item["区分"] == "ソフトウェア" for item in expenses)
    functions = tool["インボイス機能"] or ()
    n_functions = sum(1 for f in ("会計", "受発注", "決済") if f in functions)
    processes = tool["プロセス"] or ()
    n_common = sum(1 for p in COMMON if p in processes)
    n_processes = n_common + (1 if "汎用プロセス" in processes and n_common >= 1 else 0)
    wage = req["賃上げ計画策定済"] or small or a["賃上げ特例"] != "該当なし"
    steps = {"gBizIDプライム": req["gBizIDプライム取得済"], "SECURITY_ACTION": req["SECURITY_ACTION宣言済"],
             "みらデジ経営チェック": req["みらデジ経営チェック実施済"], "労働生産性計画": req["労働生産性計画策定済"]}
    applied = c["申請日"]
    frames = []

    def frame(name, requirements, exclusions, step_names, subsidy, deadlines, floors=(), gap=BETWEEN):
        reasons = [("requirement", n) for n, ok in requirements if not ok]
        reasons += [("exclusion", n) for n in exclusions if excluded[n]]
        if applied is not None and applied < START:
            reasons.append(("not_open", None))
        elif deadlines and applied is not None and not any(applied <= d for d in deadlines):
            reasons.append(("deadline", None))
        elif gap and applied is not None and gap[0] < applied < gap[1]:
            reasons.append(("between_rounds", None))
        reasons += [("floor", n) for n, limit in floors if subsidy < limit]
        if not reasons and subsidy <= 0:
            reasons.append(("no_subsidy", name))
        pending = [n for n in step_names if not steps[n]]
        status = "not_eligible" if reasons else ("eligible_after_steps" if pending else "eligible")
        frames.append({"frame": name, "status": status, "subsidy": subsidy if status != "not_eligible" else 0,
                       "reasons": reasons, "pending_steps": pending})

    base = eligible.get("ソフトウェア", 0) + eligible.get("オプション", 0) + eligible.get("役務", 0)
    normal = min(base // 2, 4_500_000)
    if not (n_processes >= 4 and wage):
        normal = min(normal, 1_499_999)
    frame("通常枠", [("中小企業", sme), *common.items(), ("役務費用が妥当", not req["役務費用が著しく高額"]), ("ソフトウェアを含む", has_software),
                   ("一プロセス以上", n_processes >= 1)],
          EXCLUSIONS, ("gBizIDプライム", "SECURITY_ACTION", "みらデジ経営チェック", "労働生産性計画"), normal, NORMAL_DEADLINES,
          (("通常枠", 50_000),))
    software = min(tier(base, small), 3_500_000)
    if n_functions < 2:
        software = min(software, 500_000)
    invoice = software + min(by_kind.get("PC等", 0) // 2, 100_000) + min(by_kind.get("レジ等", 0) // 2, 200_000)
    frame("インボイス対応類型", [("中小企業", sme), *common.items(), ("役務費用が妥当", not req["役務費用が著しく高額"]),
                          ("ソフトウェアを含む", has_software), ("インボイス対応の機能", n_functions >= 1)],
          EXCLUSIONS, ("gBizIDプライム", "SECURITY_ACTION"), invoice, INVOICE_DEADLINES)
    ordering = eligible.get("受発注クラウド利用料", 0)
    etrade = min(ordering * 2 // 3 if sme and not deemed_large else ordering // 2, 3_500_000)
    frame("電子取引類型", [*common.items(), ("取引先要件", c["電子取引"]["取引先が適格請求書発行事業者"] and c["電子取引"]["取引先の同意"]),
                       ("受発注ソフトの利用料がある", ordering_present(expenses))],
          EXCLUSIONS[1:], ("gBizIDプライム", "SECURITY_ACTION"), etrade, NORMAL_DEADLINES)
    members = c["複数社連携"]["構成員一覧"] or ()
    steps["構成員のSECURITY_ACTION"] = all(m["SECURITY_ACTION宣言済"] for m in members)
    part_a = 0
    for m in members:
        if m["インボイス機能数"] < 1 or m["ソフトウェア等費"] <= 0:  # hardware only alongside such software (C-5)
            continue
        sw = min(tier(m["ソフトウェア等費"] + m["役務費"], m["小規模事業者"]), 3_500_000)
        if m["インボイス機能数"] < 2:
            sw = min(sw, 500_000)
        part_a += sw + min(m["PC等費"] // 2, 100_000) + min(m["レジ等費"] // 2, 200_000)
    analysis = by_kind.get("消費動向等分析経費", 0)
    part_b = min(analysis * 2 // 3, 500_000 * sum(1 for m in members if m["分析ツールを導入"]))
    cost_ab = sum(m["ソフトウェア等費"] + m["役務費"] + (m["PC等費"] + m["レジ等費"] if m["インボイス機能数"] >= 1 and m["ソフトウェア等費"] > 0 else 0)
                  for m in members) + analysis
    part_c = min(by_kind.get("事務費・専門家費", 0) * 2 // 3, 2_000_000, cost_ab // 15)
    representative = (sme or form == "商工会等"
                      or c["複数社連携"]["代表事業者の区分"] in ("商店街組織", "まちづくり会社・DMO", "中小企業コンソーシアム"))
    frame("複数社連携IT導入枠", [("代表事業者が対象", representative), *common.items(), ("構成員10者以上", len(members) >= 10),
                            ("構成員が中小企業等", all(m["中小企業者"] for m in members))],
          EXCLUSIONS, ("gBizIDプライム", "SECURITY_ACTION", "構成員のSECURITY_ACTION"), min(part_a + part_b, 30_000_000) + part_c,
          MULTI_DEADLINES, gap=None)
    security = min(eligible.get("お助け隊サービス利用料", 0) // 2, 1_000_000)
    frame("セキュリティ対策推進枠", [("中小企業", sme), *common.items(), ("お助け隊サービスの利用料がある", "お助け隊サービス利用料" in by_kind)],
          EXCLUSIONS, ("gBizIDプライム", "SECURITY_ACTION", "労働生産性計画"), security, NORMAL_DEADLINES, (("セキュリティ対策推進枠", 50_000),))
    granted = [f for f in frames if f["status"] != "not_eligible"]
    best = max(granted, key=lambda f: f["subsidy"], default=None)
    return {"best_frame": best["frame"] if best else None, "frames": frames}


def ordering_present(expenses) -> bool:
    return any(item["区分"] == "受発注クラウド利用料" for item in expenses)
