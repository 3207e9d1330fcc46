-- The IT導入補助金2024, all five frames, written by hand for DuckDB: the yardstick for the generated
-- query (issue 11: "within 2× of a hand-written DuckDB query of the same rules"). Same table in
-- (the case-table layout, engine/case_table.py), same columns out as `policy sql` writes, checked
-- equal to it row by row by benchmarks/population.py before anything is timed. Written the way a
-- careful analyst would: one pass per list measure, BIGINT where the product cannot leave 64 bits
-- (every yen amount × 6 stays below 2^63 only for amounts below 1.5e18 yen, so the two tier
-- products use HUGEINT), masks of bits for the reasons, and the names only in the last step.
-- Fees (§7 C-1): an item of ソフトウェア, 役務, 受発注クラウド利用料 or お助け隊サービス利用料 for more than
-- 24 months (オプション: 12) counts 金額 × 24 / 利用月数, exactly: each such cost is a fraction {n, d},
-- summed with list_reduce and reduced by gcd, and rounded down only where the subsidy is taken.
WITH c AS NOT MATERIALIZED (
  SELECT
    id,
    申請者.組織形態 AS form,
    申請者.業種 AS industry,
    申請者.資本金 AS capital,
    申請者.従業員数 AS employees,
    COALESCE(申請者.賃上げ特例, '該当なし') AS wage_special,
    資本関係 AS own,
    対象外事由 AS excl,
    申請要件 AS req,
    COALESCE(ITツール.プロセス, []) AS processes,
    COALESCE(ITツール.インボイス機能, []) AS functions,
    COALESCE(経費, []) AS expenses,
    申請日 AS applied,
    COALESCE(電子取引.取引先が適格請求書発行事業者, FALSE) AND COALESCE(電子取引.取引先の同意, FALSE) AS trade_partner,
    COALESCE(複数社連携.構成員一覧, []) AS members,
    COALESCE(複数社連携.代表事業者の区分, '該当なし') AS representative
  FROM cases
), m AS (
  SELECT
    *,
    CASE industry
      WHEN '卸売業' THEN 100000000 WHEN 'サービス業' THEN 50000000 WHEN '娯楽業' THEN 50000000
      WHEN '小売業' THEN 50000000 WHEN '旅館業' THEN 50000000 ELSE 300000000 END AS cap_limit,
    CASE industry
      WHEN '卸売業' THEN 100 WHEN 'サービス業' THEN 100 WHEN '娯楽業' THEN 100 WHEN '小売業' THEN 50
      WHEN 'ゴム製品製造業' THEN 900 WHEN '旅館業' THEN 200 ELSE 300 END AS emp_limit,
    form IN ('会社', '個人事業主') AND employees <= CASE industry
      WHEN '卸売業' THEN 5 WHEN '小売業' THEN 5 WHEN 'サービス業' THEN 5
      WHEN 'ソフトウェア業・情報処理サービス業' THEN 5 ELSE 20 END AS small,
    COALESCE(own.最大大企業株主の持株比率.num * 2 >= own.最大大企業株主の持株比率.den, FALSE)
      OR COALESCE(own.大企業の持株比率合計.num * 3 >= own.大企業の持株比率合計.den * 2, FALSE)
      OR COALESCE(own.大企業役員兼務者の割合.num * 2 >= own.大企業役員兼務者の割合.den, FALSE)
      OR COALESCE(own.全株式をみなし大企業が所有, FALSE) OR COALESCE(own.全役員がみなし大企業の役員等, FALSE)
      OR COALESCE(own.直近3年の課税所得の年平均 > 1500000000, FALSE) AS deemed_large,
    list_reduce(list_transform(list_filter(expenses, lambda e: e.区分 IN ('ソフトウェア', 'オプション', '役務')),
      lambda e: CASE WHEN e.利用月数 > CASE WHEN e.区分 = 'オプション' THEN 12 ELSE 24 END
                     THEN {'n': e.金額::HUGEINT * CASE WHEN e.区分 = 'オプション' THEN 12 ELSE 24 END, 'd': e.利用月数::HUGEINT}
                     ELSE {'n': e.金額::HUGEINT, 'd': 1::HUGEINT} END),
      lambda a, b: {'n': (a.n * b.d + b.n * a.d) // gcd(a.n * b.d + b.n * a.d, a.d * b.d),
                    'd': (a.d * b.d) // gcd(a.n * b.d + b.n * a.d, a.d * b.d)}, {'n': 0::HUGEINT, 'd': 1::HUGEINT}) AS base_q,
    list_sum(list_transform(expenses, lambda e: CASE WHEN e.区分 = 'PC等' THEN e.金額 ELSE 0 END)) AS pc,
    list_sum(list_transform(expenses, lambda e: CASE WHEN e.区分 = 'レジ等' THEN e.金額 ELSE 0 END)) AS register,
    list_reduce(list_transform(list_filter(expenses, lambda e: e.区分 = '受発注クラウド利用料'),
      lambda e: CASE WHEN e.利用月数 > 24 THEN {'n': e.金額::HUGEINT * 24, 'd': e.利用月数::HUGEINT} ELSE {'n': e.金額::HUGEINT, 'd': 1::HUGEINT} END),
      lambda a, b: {'n': (a.n * b.d + b.n * a.d) // gcd(a.n * b.d + b.n * a.d, a.d * b.d),
                    'd': (a.d * b.d) // gcd(a.n * b.d + b.n * a.d, a.d * b.d)}, {'n': 0::HUGEINT, 'd': 1::HUGEINT}) AS ordering_q,
    list_sum(list_transform(expenses, lambda e: CASE WHEN e.区分 = '消費動向等分析経費' THEN e.金額 ELSE 0 END)) AS analysis,
    list_sum(list_transform(expenses, lambda e: CASE WHEN e.区分 = '事務費・専門家費' THEN e.金額 ELSE 0 END)) AS office,
    list_reduce(list_transform(list_filter(expenses, lambda e: e.区分 = 'お助け隊サービス利用料'),
      lambda e: CASE WHEN e.利用月数 > 24 THEN {'n': e.金額::HUGEINT * 24, 'd': e.利用月数::HUGEINT} ELSE {'n': e.金額::HUGEINT, 'd': 1::HUGEINT} END),
      lambda a, b: {'n': (a.n * b.d + b.n * a.d) // gcd(a.n * b.d + b.n * a.d, a.d * b.d),
                    'd': (a.d * b.d) // gcd(a.n * b.d + b.n * a.d, a.d * b.d)}, {'n': 0::HUGEINT, 'd': 1::HUGEINT}) AS security_q,
    list_bool_or(list_transform(expenses, lambda e: e.区分 = 'ソフトウェア')) AS has_software,
    list_bool_or(list_transform(expenses, lambda e: e.区分 = '受発注クラウド利用料')) AS has_ordering,
    list_bool_or(list_transform(expenses, lambda e: e.区分 = 'お助け隊サービス利用料')) AS has_security,
    (list_contains(functions, '会計')::INT + list_contains(functions, '受発注')::INT + list_contains(functions, '決済')::INT) AS n_functions,
    length(list_intersect(processes, ['顧客対応・販売支援', '決済・債権債務・資金回収管理', '供給・在庫・物流', '会計・財務・経営',
                                      '総務・人事・給与・労務等', '業務固有プロセス'])) AS n_common,
    -- (a) per member: nothing without one of 会計・受発注・決済 and some software (C-5); the tier on software and 役務
    list_sum(list_transform(members, lambda x: CASE WHEN x.インボイス機能数 < 1 OR x.ソフトウェア等費 <= 0 THEN 0 ELSE
      LEAST(CASE WHEN x.小規模事業者
                 THEN CASE WHEN (x.ソフトウェア等費 + COALESCE(x.役務費, 0)) * 4 <= 2500000
                           THEN (x.ソフトウェア等費 + COALESCE(x.役務費, 0)) * 4 // 5
                           ELSE (2 * (x.ソフトウェア等費::HUGEINT + COALESCE(x.役務費, 0)) + 250000) // 3 END
                 ELSE CASE WHEN (x.ソフトウェア等費 + COALESCE(x.役務費, 0)) * 3 <= 2000000
                           THEN (x.ソフトウェア等費 + COALESCE(x.役務費, 0)) * 3 // 4
                           ELSE (6 * (x.ソフトウェア等費::HUGEINT + COALESCE(x.役務費, 0)) + 500000) // 9 END END,
            CASE WHEN x.インボイス機能数 < 2 THEN 500000 ELSE 3500000 END)
      + LEAST(x.PC等費 // 2, 100000) + LEAST(x.レジ等費 // 2, 200000) END)) AS part_a,
    length(list_filter(members, lambda x: x.分析ツールを導入)) AS n_analysis,
    list_sum(list_transform(members, lambda x: x.ソフトウェア等費::HUGEINT + COALESCE(x.役務費, 0)
      + CASE WHEN x.インボイス機能数 >= 1 AND x.ソフトウェア等費 > 0 THEN x.PC等費 + x.レジ等費 ELSE 0 END)) AS member_costs,
    list_bool_and(list_transform(members, lambda x: x.中小企業者)) AS members_sme,
    list_bool_and(list_transform(members, lambda x: COALESCE(x.SECURITY_ACTION宣言済, FALSE))) AS members_security
  FROM c
), f AS (
  SELECT
    id, applied, small, deemed_large, has_software, has_ordering, has_security, n_functions,
    CASE WHEN form IN ('医療法人', '社会福祉法人', '学校法人') THEN employees <= 300
         WHEN form = '商工会等' THEN employees <= 100
         WHEN form IN ('中小企業団体', '特別法組合', '財団法人', '社団法人', '特定非営利活動法人') THEN employees <= emp_limit
         ELSE COALESCE(capital <= cap_limit, FALSE) OR employees <= emp_limit END AS sme,
    -- 代表事業者が対象 besides an SME (C-4)
    form = '商工会等' OR representative IN ('商店街組織', 'まちづくり会社・DMO', '中小企業コンソーシアム') AS representative_other,
    COALESCE(base_q.n, 0) AS base_n, COALESCE(base_q.d, 1) AS base_d, COALESCE(pc, 0) AS pc, COALESCE(register, 0) AS register,
    COALESCE(ordering_q.n, 0) AS ordering_n, COALESCE(ordering_q.d, 1) AS ordering_d, COALESCE(analysis, 0) AS analysis,
    COALESCE(office, 0) AS office, COALESCE(security_q.n, 0) AS security_n, COALESCE(security_q.d, 1) AS security_d,
    n_common + CASE WHEN list_contains(processes, '汎用プロセス') AND n_common >= 1 THEN 1 ELSE 0 END AS n_processes,
    COALESCE(req.賃上げ計画策定済, FALSE) OR small OR wage_special <> '該当なし' AS wage,
    -- bits: 0 国内事業者, 1 最低賃金, 2 補助金の重複なし, 3 役務費用が妥当, 4 ソフトウェアを含む
    (NOT req.国内で事業を営む)::INT + (NOT req.最低賃金以上)::INT * 2 + (NOT COALESCE(req.他の補助金と重複しない, TRUE))::INT * 4
      + COALESCE(req.役務費用が著しく高額, FALSE)::INT * 8 + (NOT COALESCE(has_software, FALSE))::INT * 16 AS req_bits,
    -- exclusions in the policy's order, bit 0 みなし大企業 … bit 9 目的・趣旨に不適切
    deemed_large::INT + COALESCE(excl.IT導入支援事業者として登録, FALSE)::INT * 2 + COALESCE(excl.指定停止措置等, FALSE)::INT * 4
      + COALESCE(excl.風俗営業, FALSE)::INT * 8 + COALESCE(excl.労働関係法令違反で送検, FALSE)::INT * 16
      + COALESCE(excl.反社会的勢力との関係, FALSE)::INT * 32 + (form = '宗教法人')::INT * 64 + (form = '任意団体')::INT * 128
      + COALESCE(excl.補助金の不正行為, FALSE)::INT * 256 + COALESCE(excl.目的・趣旨に適さない, FALSE)::INT * 512 AS excl_bits,
    -- steps: 0 gBizIDプライム, 1 SECURITY_ACTION, 2 みらデジ経営チェック, 3 労働生産性計画, 4 構成員のSECURITY_ACTION
    (NOT COALESCE(req.gBizIDプライム取得済, FALSE))::INT + (NOT COALESCE(req.SECURITY_ACTION宣言済, FALSE))::INT * 2
      + (NOT COALESCE(req.みらデジ経営チェック実施済, FALSE))::INT * 4 + (NOT COALESCE(req.労働生産性計画策定済, FALSE))::INT * 8
      + (NOT COALESCE(members_security, TRUE))::INT * 16 AS step_bits,
    trade_partner, len(members) AS n_members, COALESCE(members_sme, TRUE) AS members_sme,
    COALESCE(part_a, 0) AS part_a, n_analysis, COALESCE(member_costs, 0) AS member_costs
  FROM m
), amounts AS (
  SELECT
    *,
    CASE WHEN applied < DATE '2024-02-16' THEN 'not_open' END AS opened,
    CASE WHEN n_processes >= 4 AND wage THEN LEAST(base_n // (2 * base_d), 4500000) ELSE LEAST(base_n // (2 * base_d), 1499999) END AS a_normal,
    LEAST(CASE WHEN small
               THEN CASE WHEN base_n * 4 <= 2500000 * base_d THEN base_n * 4 // (5 * base_d) ELSE (2 * base_n + 250000 * base_d) // (3 * base_d) END
               ELSE CASE WHEN base_n * 3 <= 2000000 * base_d THEN base_n * 3 // (4 * base_d) ELSE (6 * base_n + 500000 * base_d) // (9 * base_d) END END,
          CASE WHEN n_functions >= 2 THEN 3500000 ELSE 500000 END)
      + LEAST(pc // 2, 100000) + LEAST(register // 2, 200000) AS a_invoice,
    LEAST(CASE WHEN sme AND NOT deemed_large THEN ordering_n * 2 // (3 * ordering_d) ELSE ordering_n // (2 * ordering_d) END, 3500000) AS a_etrade,
    LEAST(part_a + LEAST(analysis * 2 // 3, 500000 * n_analysis), 30000000)
      + LEAST(office * 2 // 3, 2000000, (member_costs + analysis) // 15) AS a_multi,
    LEAST(security_n // (2 * security_d), 1000000) AS a_security
  FROM f
), unmet AS MATERIALIZED (
  SELECT
    id, a_normal, a_invoice, a_etrade, a_multi, a_security, step_bits,
    -- per frame: bit 0 中小企業, then the frame's own requirements, exclusions from bit 16, the date at bit 30, floor at 31
    (NOT sme)::BIGINT | ((req_bits & 7) << 1) | ((req_bits & 8) << 1) | ((req_bits & 16) << 1) | ((n_processes < 1)::BIGINT << 6)
      | (excl_bits::BIGINT << 16)
      | (COALESCE(applied < DATE '2024-02-16' OR applied > DATE '2024-10-15' OR (applied > DATE '2024-08-23' AND applied < DATE '2024-09-20'), FALSE)::BIGINT << 30) | ((a_normal < 50000)::BIGINT << 31) AS u_normal,
    (NOT sme)::BIGINT | ((req_bits & 7) << 1) | ((req_bits & 8) << 1) | ((req_bits & 16) << 1) | ((n_functions < 1)::BIGINT << 6)
      | (excl_bits::BIGINT << 16)
      | (COALESCE(applied < DATE '2024-02-16' OR applied > DATE '2024-10-15' OR (applied > DATE '2024-08-23' AND applied < DATE '2024-09-20'), FALSE)::BIGINT << 30) AS u_invoice,
    (req_bits & 7)::BIGINT | ((NOT trade_partner)::BIGINT << 3) | ((NOT COALESCE(has_ordering, FALSE))::BIGINT << 4)
      | ((excl_bits >> 1)::BIGINT << 16)
      | (COALESCE(applied < DATE '2024-02-16' OR applied > DATE '2024-10-15' OR (applied > DATE '2024-08-23' AND applied < DATE '2024-09-20'), FALSE)::BIGINT << 30) AS u_etrade,
    (NOT (sme OR representative_other))::BIGINT | ((req_bits & 7) << 1) | ((n_members < 10)::BIGINT << 4)
      | ((NOT members_sme)::BIGINT << 5) | (excl_bits::BIGINT << 16)
      | (COALESCE(applied < DATE '2024-02-16' OR applied > DATE '2024-10-15', FALSE)::BIGINT << 30) AS u_multi,
    (NOT sme)::BIGINT | ((req_bits & 7) << 1) | ((NOT COALESCE(has_security, FALSE))::BIGINT << 4)
      | (excl_bits::BIGINT << 16)
      | (COALESCE(applied < DATE '2024-02-16' OR applied > DATE '2024-10-15' OR (applied > DATE '2024-08-23' AND applied < DATE '2024-09-20'), FALSE)::BIGINT << 30)
      | ((a_security < 50000)::BIGINT << 31) AS u_security,
    COALESCE(applied < DATE '2024-02-16', FALSE) AS before_open,
    COALESCE(applied > DATE '2024-08-23' AND applied < DATE '2024-09-20', FALSE) AS in_gap,
    a_normal <= 0 AS z_normal, a_invoice <= 0 AS z_invoice, a_etrade <= 0 AS z_etrade, a_multi <= 0 AS z_multi,
    a_security <= 0 AS z_security
  FROM amounts
), outcome AS (
  SELECT
    *,
    CASE WHEN u_normal <> 0 OR a_normal <= 0 THEN 'not_eligible' WHEN step_bits & 15 <> 0 THEN 'eligible_after_steps' ELSE 'eligible' END AS s_normal,
    CASE WHEN u_invoice <> 0 OR a_invoice <= 0 THEN 'not_eligible' WHEN step_bits & 3 <> 0 THEN 'eligible_after_steps' ELSE 'eligible' END AS s_invoice,
    CASE WHEN u_etrade <> 0 OR a_etrade <= 0 THEN 'not_eligible' WHEN step_bits & 3 <> 0 THEN 'eligible_after_steps' ELSE 'eligible' END AS s_etrade,
    CASE WHEN u_multi <> 0 OR a_multi <= 0 THEN 'not_eligible' WHEN step_bits & 19 <> 0 THEN 'eligible_after_steps' ELSE 'eligible' END AS s_multi,
    CASE WHEN u_security <> 0 OR a_security <= 0 THEN 'not_eligible' WHEN step_bits & 11 <> 0 THEN 'eligible_after_steps' ELSE 'eligible' END AS s_security
  FROM unmet
), named AS (
  -- names of the bits, per frame; applied only to the few distinct masks, then joined back
  SELECT
    ['requirement:中小企業', 'requirement:国内事業者', 'requirement:最低賃金', 'requirement:補助金の重複なし', 'requirement:役務費用が妥当',
     'requirement:ソフトウェアを含む'] AS common_names,
    ['exclusion:みなし大企業', 'exclusion:IT導入支援事業者', 'exclusion:指定停止措置', 'exclusion:風俗営業者', 'exclusion:労働関係法令違反',
     'exclusion:反社会的勢力', 'exclusion:宗教法人である', 'exclusion:任意団体である', 'exclusion:不正行為', 'exclusion:目的・趣旨に不適切'] AS excl_names
), masks AS (
  SELECT DISTINCT u_normal, u_invoice, u_etrade, u_multi, u_security, step_bits, before_open, in_gap,
    z_normal, z_invoice, z_etrade, z_multi, z_security
  FROM unmet
), reasons AS (
  SELECT
    masks.*,
    list_filter(['requirement:中小企業', 'requirement:国内事業者', 'requirement:最低賃金', 'requirement:補助金の重複なし',
                 'requirement:役務費用が妥当', 'requirement:ソフトウェアを含む', 'requirement:一プロセス以上'],
                lambda n, i: (u_normal >> (i - 1)) & 1 = 1)
      || list_filter(excl_names, lambda n, i: (u_normal >> (i + 15)) & 1 = 1)
      || CASE WHEN (u_normal >> 30) & 1 = 1 THEN [CASE WHEN before_open THEN 'not_open' WHEN in_gap THEN 'between_rounds' ELSE 'deadline' END] ELSE [] END
      || CASE WHEN (u_normal >> 31) & 1 = 1 THEN ['floor:通常枠'] ELSE [] END AS r_normal,
    list_filter(['requirement:中小企業', 'requirement:国内事業者', 'requirement:最低賃金', 'requirement:補助金の重複なし',
                 'requirement:役務費用が妥当', 'requirement:ソフトウェアを含む', 'requirement:インボイス対応の機能'],
                lambda n, i: (u_invoice >> (i - 1)) & 1 = 1)
      || list_filter(excl_names, lambda n, i: (u_invoice >> (i + 15)) & 1 = 1)
      || CASE WHEN (u_invoice >> 30) & 1 = 1 THEN [CASE WHEN before_open THEN 'not_open' WHEN in_gap THEN 'between_rounds' ELSE 'deadline' END] ELSE [] END AS r_invoice,
    list_filter(['requirement:国内事業者', 'requirement:最低賃金', 'requirement:補助金の重複なし', 'requirement:取引先要件',
                 'requirement:受発注ソフトの利用料がある'],
                lambda n, i: (u_etrade >> (i - 1)) & 1 = 1)
      || list_filter(excl_names[2:], lambda n, i: (u_etrade >> (i + 15)) & 1 = 1)
      || CASE WHEN (u_etrade >> 30) & 1 = 1 THEN [CASE WHEN before_open THEN 'not_open' WHEN in_gap THEN 'between_rounds' ELSE 'deadline' END] ELSE [] END AS r_etrade,
    list_filter(['requirement:代表事業者が対象', 'requirement:国内事業者', 'requirement:最低賃金', 'requirement:補助金の重複なし',
                 'requirement:構成員10者以上', 'requirement:構成員が中小企業等'],
                lambda n, i: (u_multi >> (i - 1)) & 1 = 1)
      || list_filter(excl_names, lambda n, i: (u_multi >> (i + 15)) & 1 = 1)
      || CASE WHEN (u_multi >> 30) & 1 = 1 THEN [CASE WHEN before_open THEN 'not_open' WHEN in_gap THEN 'between_rounds' ELSE 'deadline' END] ELSE [] END AS r_multi,
    list_filter(['requirement:中小企業', 'requirement:国内事業者', 'requirement:最低賃金', 'requirement:補助金の重複なし',
                 'requirement:お助け隊サービスの利用料がある'],
                lambda n, i: (u_security >> (i - 1)) & 1 = 1)
      || list_filter(excl_names, lambda n, i: (u_security >> (i + 15)) & 1 = 1)
      || CASE WHEN (u_security >> 30) & 1 = 1 THEN [CASE WHEN before_open THEN 'not_open' WHEN in_gap THEN 'between_rounds' ELSE 'deadline' END] ELSE [] END
      || CASE WHEN (u_security >> 31) & 1 = 1 THEN ['floor:セキュリティ対策推進枠'] ELSE [] END AS r_security,
    list_filter(['gBizIDプライム', 'SECURITY_ACTION', 'みらデジ経営チェック', '労働生産性計画'], lambda n, i: (step_bits >> (i - 1)) & 1 = 1) AS p_normal,
    list_filter(['gBizIDプライム', 'SECURITY_ACTION'], lambda n, i: (step_bits >> (i - 1)) & 1 = 1) AS p_two,
    list_filter(['gBizIDプライム', 'SECURITY_ACTION', '構成員のSECURITY_ACTION'],
                lambda n, i: (((step_bits & 3) | ((step_bits & 16) >> 2)) >> (i - 1)) & 1 = 1) AS p_multi,
    list_filter(['gBizIDプライム', 'SECURITY_ACTION', '労働生産性計画'], lambda n, i: (((step_bits & 3) | ((step_bits & 8) >> 1)) >> (i - 1)) & 1 = 1) AS p_security
  FROM masks, named
), best AS (
  SELECT
    *,
    CASE WHEN s_normal = 'not_eligible' THEN 0 ELSE a_normal END AS v_normal,
    CASE WHEN s_invoice = 'not_eligible' THEN 0 ELSE a_invoice END AS v_invoice,
    CASE WHEN s_etrade = 'not_eligible' THEN 0 ELSE a_etrade END AS v_etrade,
    CASE WHEN s_multi = 'not_eligible' THEN 0 ELSE a_multi END AS v_multi,
    CASE WHEN s_security = 'not_eligible' THEN 0 ELSE a_security END AS v_security
  FROM outcome
)
SELECT
  b.id,
  CASE GREATEST(v_normal, v_invoice, v_etrade, v_multi, v_security)
    WHEN 0 THEN NULL WHEN v_normal THEN '通常枠' WHEN v_invoice THEN 'インボイス対応類型' WHEN v_etrade THEN '電子取引類型'
    WHEN v_multi THEN '複数社連携IT導入枠' ELSE 'セキュリティ対策推進枠' END AS best_frame,
  GREATEST(v_normal, v_invoice, v_etrade, v_multi, v_security)::BIGINT AS best_subsidy,
  s_normal AS "通常枠.status", v_normal::BIGINT AS "通常枠.subsidy",
  CASE WHEN r_normal = [] AND z_normal THEN ['no_subsidy:通常枠'] ELSE r_normal END AS "通常枠.reasons", p_normal AS "通常枠.pending_steps",
  s_invoice AS "インボイス対応類型.status", v_invoice::BIGINT AS "インボイス対応類型.subsidy",
  CASE WHEN r_invoice = [] AND z_invoice THEN ['no_subsidy:インボイス対応類型'] ELSE r_invoice END AS "インボイス対応類型.reasons",
  p_two AS "インボイス対応類型.pending_steps",
  s_etrade AS "電子取引類型.status", v_etrade::BIGINT AS "電子取引類型.subsidy",
  CASE WHEN r_etrade = [] AND z_etrade THEN ['no_subsidy:電子取引類型'] ELSE r_etrade END AS "電子取引類型.reasons",
  p_two AS "電子取引類型.pending_steps",
  s_multi AS "複数社連携IT導入枠.status", v_multi::BIGINT AS "複数社連携IT導入枠.subsidy",
  CASE WHEN r_multi = [] AND z_multi THEN ['no_subsidy:複数社連携IT導入枠'] ELSE r_multi END AS "複数社連携IT導入枠.reasons",
  p_multi AS "複数社連携IT導入枠.pending_steps",
  s_security AS "セキュリティ対策推進枠.status", v_security::BIGINT AS "セキュリティ対策推進枠.subsidy",
  CASE WHEN r_security = [] AND z_security THEN ['no_subsidy:セキュリティ対策推進枠'] ELSE r_security END AS "セキュリティ対策推進枠.reasons",
  p_security AS "セキュリティ対策推進枠.pending_steps"
FROM best b JOIN reasons r
  USING (u_normal, u_invoice, u_etrade, u_multi, u_security, step_bits, before_open, in_gap, z_normal, z_invoice, z_etrade, z_multi, z_security)
