"""The SELECT that generates the synthetic population, one expression per input field.

Stages (CTEs): who the firm is (size tier, form, industry), its size (employees, capital,
ownership) and what it would buy (a scenario per frame); the final SELECT packs the values into
the case-table layout. Field and group names come from the policies, so they are always quoted;
the only other things in the SQL text are this module's own constants and validated integers."""

from __future__ import annotations

from engine.sql.case_table import _quote
from engine.population.synth_draws import (CAPITAL_CLASSES, DEFICIT, FUNCTION_PROCESS, FUNCTION_SETS, INDUSTRY, LARGE, MAIN_PROCESS,
                          MEDIUM_AT_LIMIT, MEDIUM_BY_CAPITAL, NO_EMPLOYEE_CORP, NO_EMPLOYEE_SOLE, OTHER_FORMS, PPM,
                          PROCESSES, ROUNDS, SCENARIO, SERVICE_FORMS, SMALL_LIMIT, SMALL_LIMIT_OTHER, SMALL_OF_SME,
                          SOLE_MEDIUM, SOLE_SMALL, Draws, lit, members)

# ownership kinds of a company, ppm [assumptions, docs/population.md]: the first seven make it a みなし大企業
# (or put it exactly on a boundary), "minority" has a large shareholder below every limit.
OWNERSHIP = (("single", 8_000), ("total", 3_000), ("officers", 2_000), ("all_shares", 1_000), ("all_officers", 500),
             ("income_over", 1_000), ("income_edge", 500), ("minority", 25_500), ("none", 958_500))
WAGE_EXEMPT_FORM = {"医療法人": "保険医療機関・保険薬局", "社会福祉法人": "社会福祉事業・更生保護事業", "学校法人": "学校等"}
LOW_WAGE_INDUSTRIES = ("小売業", "旅館業", "娯楽業", "サービス業")
REGISTER_INDUSTRIES = ("小売業", "旅館業", "娯楽業")


def _in(column: str, names) -> str:
    return f"{column} IN ({', '.join(lit(n) for n in names)})"


def stages(d: Draws, n: int, limits: dict) -> str:
    """The CTEs up to `c4`: one row per firm with the hidden columns the fields are built from."""
    large = round(LARGE * PPM)
    small = large + round((1 - LARGE) * SMALL_OF_SME * PPM)
    tier = f"CASE WHEN {d.u('tier')} < {large} THEN 'L' WHEN {d.u('tier')} < {small} THEN 'S' ELSE 'M' END"
    sole = lambda share: f"CASE WHEN {d.chance('form.sole', share * PPM)} THEN '個人事業主' ELSE '会社' END"  # noqa: E731
    form = (f"CASE WHEN tier = 'L' THEN '会社' WHEN {d.u('form.other')} < {sum(OTHER_FORMS.values())} "
            f"THEN {d.pick('form.which', [(w, lit(f)) for f, w in OTHER_FORMS.items()])} "
            f"WHEN tier = 'S' THEN {sole(SOLE_SMALL)} ELSE {sole(SOLE_MEDIUM)} END")
    industry = f"CASE WHEN {_in('form', SERVICE_FORMS)} THEN 'サービス業' ELSE {d.pick('industry', [(w, lit(i)) for i, w in INDUSTRY.items()])} END"

    def by_industry(value) -> str:
        return "CASE industry " + " ".join(f"WHEN {lit(i)} THEN {value(i)}" for i in INDUSTRY) + " END"

    small_limit = lambda i: SMALL_LIMIT.get(i, SMALL_LIMIT_OTHER)  # noqa: E731
    edge = (f"CASE WHEN tier = 'M' AND {d.u('edge')} < {MEDIUM_AT_LIMIT} THEN 'at_limit' "
            f"WHEN tier = 'M' AND form = '会社' AND {d.u('edge')} < {MEDIUM_AT_LIMIT + MEDIUM_BY_CAPITAL} THEN 'by_capital' END")
    zero = (f"CASE WHEN form = '個人事業主' THEN {d.chance('emp.zero', NO_EMPLOYEE_SOLE * PPM)} "
            f"ELSE {d.chance('emp.zero', NO_EMPLOYEE_CORP * PPM)} END")
    employees = (f"CASE tier WHEN 'L' THEN emp_limit + 1 + (CASE WHEN {d.chance('emp.large.edge', 250_000)} THEN 0 "
                 f"ELSE {d.u('emp.large')} % emp_limit END) "
                 f"WHEN 'S' THEN CASE WHEN {zero} THEN 0 WHEN small_limit = 5 THEN {d.employees('emp.s5', 1, 5)} "
                 f"ELSE {d.employees('emp.s20', 1, 20)} END "
                 f"ELSE CASE edge WHEN 'at_limit' THEN emp_limit WHEN 'by_capital' THEN emp_limit + 1 + {d.u('emp.over')} % emp_limit "
                 f"ELSE {by_industry(lambda i: d.employees('emp.m', small_limit(i) + 1, limits[i][1]))} END END")
    capital = (f"CASE WHEN form <> '会社' THEN NULL WHEN tier = 'L' THEN cap_limit + 10000000 * (1 + {d.u('cap.large')} % 30) "
               f"WHEN edge = 'by_capital' THEN LEAST({d.capital('cap')}, cap_limit) ELSE {d.capital('cap')} END")
    own = f"CASE WHEN form = '会社' THEN {d.pick('own', [(w, lit(k)) for k, w in OWNERSHIP])} END"
    # shares in 300ths, so that 1/3, 1/2 and 2/3 are exact
    s_num = (f"CASE own WHEN 'single' THEN CASE WHEN {d.chance('own.edge', 250_000)} THEN 150 ELSE 150 + 3 * ({d.u('own.s')} % 51) END "
             f"WHEN 'total' THEN CASE WHEN {d.chance('own.edge', 400_000)} THEN 100 ELSE 120 END "
             f"WHEN 'minority' THEN 3 * (1 + {d.u('own.s')} % 49) END")
    t_num = (f"CASE own WHEN 'total' THEN CASE WHEN {d.chance('own.edge', 400_000)} THEN 200 ELSE 210 END "
             f"WHEN 'single' THEN s_num WHEN 'minority' THEN s_num END")
    o_num = (f"CASE own WHEN 'officers' THEN CASE WHEN {d.chance('own.edge', 300_000)} THEN 150 ELSE 200 + 100 * ({d.u('own.o')} % 2) END "
             f"WHEN 'minority' THEN 100 * ({d.u('own.o')} % 2) END")
    scenario = d.pick("scenario", [(w, lit(s)) for s, w in SCENARIO.items()])
    main = d.pick("proc.main", [(w, lit(p)) for p, w in zip(PROCESSES, MAIN_PROCESS)])
    funcs = d.pick("funcs", [(w, members(f)) for f, w in FUNCTION_SETS])
    limit_case = lambda col: "CASE industry " + " ".join(f"WHEN {lit(i)} THEN {limits[i][col]}" for i in INDUSTRY) + " END"  # noqa: E731
    small_case = "CASE industry " + " ".join(f"WHEN {lit(i)} THEN {small_limit(i)}" for i in INDUSTRY) + " END"
    return (f"c1 AS (SELECT id, {tier} AS tier FROM range({int(n)}) t(id)),\n"
            f"c2 AS (SELECT *, {form} AS form FROM c1),\n"
            f"c3 AS (SELECT *, {industry} AS industry FROM c2),\n"
            f"c4 AS (SELECT *, {limit_case(0)} AS cap_limit, {limit_case(1)} AS emp_limit, {small_case} AS small_limit, "
            f"{edge} AS edge, {own} AS own, {scenario} AS scenario, {main} AS main_proc, {funcs} AS funcs FROM c3),\n"
            f"c5 AS (SELECT *, {employees} AS employees, {capital} AS capital, {s_num} AS s_num FROM c4),\n"
            f"c6 AS (SELECT *, {t_num} AS t_num, {o_num} AS o_num FROM c5)")


def fields(d: Draws) -> dict:
    """(group or None, field) -> SQL expression over the hidden columns of the last stage."""
    ratio = lambda col: f"CASE WHEN {col} IS NOT NULL THEN {d.ratio(col, '300')} END"  # noqa: E731
    wage = (f"CASE WHEN {_in('form', WAGE_EXEMPT_FORM)} THEN CASE WHEN {d.chance('wage.form', 900_000)} THEN "
            f"CASE form {' '.join(f'WHEN {lit(f)} THEN {lit(v)}' for f, v in WAGE_EXEMPT_FORM.items())} END ELSE '該当なし' END "
            f"WHEN industry = 'サービス業' THEN {d.pick('wage', [(30, lit('保険医療機関・保険薬局')), (30, lit('介護サービス事業者')), (940, lit('該当なし'))])} "
            f"ELSE '該当なし' END")
    income = (f"CASE own WHEN 'income_over' THEN 1500000000 + 100000000 * (1 + {d.u('income.over')} % 20) "
              f"WHEN 'income_edge' THEN 1500000000 ELSE CASE WHEN {d.chance('income.deficit', DEFICIT)} THEN 0 "
              f"ELSE {d.amount('income', [(600, 10_000, 10_000_000), (300, 10_000_000, 100_000_000), (100, 100_000_000, 1_000_000_000)])} END END")
    by_industry = lambda name, ppm_in, ppm_out, names: (  # noqa: E731
        f"CASE WHEN {_in('industry', names)} THEN {d.chance(name, ppm_in)} ELSE {d.chance(name, ppm_out)} END")
    months = lambda name, weights: d.pick(name, [(w, str(m)) for m, w in weights])  # noqa: E731

    def item(condition: str, kind: str, amount: str, months_sql: str = "NULL") -> str:
        return (f"CASE WHEN {condition} THEN {{'区分': {lit(kind)}, '金額': CAST({amount} AS BIGINT), "
                f"'利用月数': CAST({months_sql} AS BIGINT)}} END")

    normal, invoice = "scenario = 'normal'", "scenario = 'invoice'"
    software = (f"CASE WHEN {normal} THEN {d.amount('sw.n', [(300, 200_000, 1_000_000), (400, 1_000_000, 3_000_000), (220, 3_000_000, 7_000_000), (80, 7_000_000, 15_000_000)])} "
                f"ELSE {d.amount('sw.i', [(300, 50_000, 200_000), (400, 200_000, 650_000), (200, 650_000, 1_500_000), (80, 1_500_000, 4_000_000), (20, 4_000_000, 6_000_000)])} END")
    cloud = f"CASE WHEN {d.chance('sw.cloud', 700_000)} THEN {months('sw.months', [(12, 350), (24, 600), (36, 50)])} END"
    security_months = months("sec.months", [(12, 400), (24, 550), (36, 50)])
    expenses = [
        item(f"scenario IN ('normal', 'invoice') AND NOT {d.chance('sw.none', 5_000)}", "ソフトウェア", software, cloud),
        item(f"({normal} AND {d.chance('opt', 300_000)}) OR ({invoice} AND {d.chance('opt', 200_000)})", "オプション", d.between("opt.amount", 50_000, 500_000)),
        item(f"({normal} AND {d.chance('svc', 700_000)}) OR ({invoice} AND {d.chance('svc', 600_000)})", "役務",
             f"CASE WHEN {normal} THEN {d.between('svc.n', 100_000, 3_000_000)} ELSE {d.between('svc.i', 50_000, 1_000_000)} END"),
        item(f"{invoice} AND {d.chance('pc', 300_000)}", "PC等", d.between("pc.amount", 50_000, 400_000)),
        item(f"{invoice} AND {by_industry('reg', 350_000, 50_000, REGISTER_INDUSTRIES)}", "レジ等", d.between("reg.amount", 100_000, 800_000)),
        item(f"{normal} AND {d.chance('ec', 5_000)}", "ECサイト制作", d.between("ec.amount", 300_000, 2_000_000)),
        item(f"{invoice} AND {d.chance('hw', 10_000)}", "その他ハードウェア", d.between("hw.amount", 50_000, 500_000)),
        item("scenario = 'security'", "お助け隊サービス利用料", f"{d.between('sec.fee', 10_000, 50_000)} * {security_months}", security_months),
        item("scenario = 'etrade'", "受発注クラウド利用料", d.between("etrade.amount", 1_000_000, 7_000_000),
             months("etrade.months", [(24, 900), (12, 70), (36, 30)])),
        item("scenario = 'multi'", "消費動向等分析経費", d.between("multi.analysis", 1_000_000, 10_000_000)),
        item("scenario = 'multi'", "事務費・専門家費", d.between("multi.admin", 500_000, 3_000_000)),
    ]
    core = members(PROCESSES)
    normal_processes = (f"CASE WHEN {d.chance('proc.generic_only', 5_000)} THEN ['汎用プロセス']::VARCHAR[] ELSE "
                        f"list_concat(list_filter({core}, lambda p: p = main_proc OR {d.u('proc.more', 'p')} < 250000), "
                        f"CASE WHEN {d.chance('proc.generic', 100_000)} THEN ['汎用プロセス']::VARCHAR[] ELSE []::VARCHAR[] END) END")
    invoice_processes = "list_transform(funcs, lambda f: CASE f " + " ".join(
        f"WHEN {lit(k)} THEN {lit(v)}" for k, v in FUNCTION_PROCESS.items()) + " END)"
    member = (f"{{'小規模事業者': {d.chance('m.small', 800_000, 'i')}, '中小企業者': {d.chance('m.sme', 990_000, 'i')}, "
              f"'ソフトウェア等費': CAST({d.between('m.sw', 100_000, 2_000_000, index='i')} AS BIGINT), "
              f"'役務費': CAST(CASE WHEN {d.chance('m.services', 300_000, 'i')} THEN {d.between('m.services.amount', 50_000, 2_500_000, index='i')} ELSE 0 END AS BIGINT), "
              f"'インボイス機能数': CAST(1 + {d.u('m.funcs', 'i')} % 3 AS BIGINT), "
              f"'PC等費': CAST(CASE WHEN {d.chance('m.pc', 400_000, 'i')} THEN {d.between('m.pc.amount', 50_000, 200_000, index='i')} ELSE 0 END AS BIGINT), "
              f"'レジ等費': CAST(CASE WHEN {d.chance('m.reg', 300_000, 'i')} THEN {d.between('m.reg.amount', 100_000, 400_000, index='i')} ELSE 0 END AS BIGINT), "
              f"'分析ツールを導入': {d.chance('m.analysis', 500_000, 'i')}, "
              f"'SECURITY_ACTION宣言済': {d.chance('m.security_action', 900_000, 'i')}}}")
    group_size = f"CASE WHEN {d.chance('multi.nine', 50_000)} THEN 9 ELSE 10 + {d.u('multi.size')} % 6 END"
    date = d.pick("date", [(w, f"CAST({lit(start)} AS DATE) + CAST({d.u('date.' + start)} % {days} AS INTEGER)") for start, days, w in ROUNDS])
    company = "form = '会社'"
    return {
        ("申請者", "組織形態"): "form", ("申請者", "業種"): "industry", ("申請者", "資本金"): "capital",
        ("申請者", "従業員数"): "employees", ("申請者", "賃上げ特例"): wage,
        ("申請者", "最低賃金近傍事業者"): by_industry("minwage", 150_000, 50_000, LOW_WAGE_INDUSTRIES),
        ("資本関係", "最大大企業株主の持株比率"): ratio("s_num"), ("資本関係", "大企業の持株比率合計"): ratio("t_num"),
        ("資本関係", "大企業役員兼務者の割合"): ratio("o_num"),
        ("資本関係", "全株式をみなし大企業が所有"): f"CASE WHEN {company} THEN own = 'all_shares' END",
        ("資本関係", "全役員がみなし大企業の役員等"): f"CASE WHEN {company} THEN own = 'all_officers' END",
        ("資本関係", "直近3年の課税所得の年平均"): income,
        ("対象外事由", "IT導入支援事業者として登録"): by_industry("ex.vendor", 50_000, 200, ("ソフトウェア業・情報処理サービス業",)),
        ("対象外事由", "指定停止措置等"): d.chance("ex.suspended", 100),
        ("対象外事由", "風俗営業"): f"CASE industry WHEN '娯楽業' THEN {d.chance('ex.adult', 30_000)} WHEN '小売業' THEN {d.chance('ex.adult', 10_000)} ELSE false END",
        ("対象外事由", "労働関係法令違反で送検"): d.chance("ex.labour", 300),
        ("対象外事由", "反社会的勢力との関係"): d.chance("ex.antisocial", 100),
        ("対象外事由", "補助金の不正行為"): d.chance("ex.fraud", 100),
        ("対象外事由", "目的・趣旨に適さない"): d.chance("ex.unsuitable", 500),
        ("対象外事由", "みなし同一法人の他社が申請"): f"({company} AND {d.chance('ex.group', 10_000)})",
        ("申請要件", "国内で事業を営む"): d.chance("req.domestic", 999_000),
        ("申請要件", "最低賃金以上"): d.chance("req.minwage", 980_000),
        ("申請要件", "他の補助金と重複しない"): d.chance("req.no_double", 990_000),
        ("申請要件", "役務費用が著しく高額"): d.chance("req.costly", 10_000),
        ("申請要件", "gBizIDプライム取得済"): d.chance("req.gbiz", 700_000),
        ("申請要件", "SECURITY_ACTION宣言済"): d.chance("req.security_action", 650_000),
        ("申請要件", "みらデジ経営チェック実施済"): d.chance("req.miradigi", 500_000),
        ("申請要件", "労働生産性計画策定済"): d.chance("req.productivity", 800_000),
        ("申請要件", "賃上げ計画策定済"): d.chance("req.wage_plan", 300_000),
        ("ITツール", "プロセス"): f"CASE scenario WHEN 'normal' THEN {normal_processes} WHEN 'invoice' THEN {invoice_processes} END",
        ("ITツール", "インボイス機能"): f"CASE scenario WHEN 'normal' THEN CASE WHEN {d.chance('funcs.normal', 300_000)} THEN ['会計']::VARCHAR[] END WHEN 'invoice' THEN funcs END",
        (None, "経費"): f"list_filter([{', '.join(expenses)}], lambda e: e IS NOT NULL)",
        (None, "申請日"): date,
        ("電子取引", "取引先が適格請求書発行事業者"): d.chance("etrade.registered", 950_000),
        ("電子取引", "取引先の同意"): d.chance("etrade.consent", 950_000),
        ("複数社連携", "構成員一覧"): f"list_transform(range({group_size}), lambda i: {member})",
    }


# a group is NULL (not given) unless its condition holds: its fields then take their defaults
GROUP_WHEN = {"資本関係": "form = '会社'", "ITツール": "scenario IN ('normal', 'invoice')",
              "電子取引": "scenario = 'etrade'", "複数社連携": "scenario = 'multi'"}


def select(layout, d: Draws, n: int, limits: dict) -> str:
    """The whole query: `layout` is [(group or None, [(field, type, nullable)])] in column order."""
    known = fields(d)
    out = ["id"]
    for group, group_fields in layout:
        exprs = []
        for name, type_, nullable in group_fields:
            expr = known.get((group, name))
            if expr is None:
                if not nullable:
                    raise ValueError(f"the generator cannot fill {group + '.' if group else ''}{name}: it is required and unknown to engine/synth")
                expr = "NULL"
            exprs.append((name, type_, expr))
        if group is None:
            out += [f"CAST({e} AS {t}) AS {_quote(name)}" for name, t, e in exprs]
            continue
        struct_type = f"STRUCT({', '.join(f'{_quote(name)} {t}' for name, t, _ in exprs)})"
        packed = f"struct_pack({', '.join(f'{_quote(name)} := {e}' for name, _, e in exprs)})"
        when = GROUP_WHEN.get(group)
        packed = f"CASE WHEN {when} THEN {packed} END" if when else packed
        out.append(f"CAST({packed} AS {struct_type}) AS {_quote(group)}")
    return f"WITH {stages(d, n, limits)}\nSELECT {', '.join(out)} FROM c6"

