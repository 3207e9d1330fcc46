"""The benchmark slice (benchmarks/slice/policy.rules) written for the engines a user would
otherwise pick — zen-engine (GoRules) and rule-engine — and by hand in plain Python. The tier on
the subsidy has to be hand-converted into a cost formula for all three; our DSL states it as the
guidelines do."""

from __future__ import annotations

import json

LIMITS = {  # 業種: (資本金上限, 従業員上限, 小規模上限)
    "製造業": (300_000_000, 300, 20), "建設業": (300_000_000, 300, 20), "運輸業": (300_000_000, 300, 20), "卸売業": (100_000_000, 100, 5),
    "サービス業": (50_000_000, 100, 5), "娯楽業": (50_000_000, 100, 20), "小売業": (50_000_000, 50, 5), "ゴム製品製造業": (300_000_000, 900, 20),
    "ソフトウェア業・情報処理サービス業": (300_000_000, 300, 5), "旅館業": (50_000_000, 200, 20), "その他の業種": (300_000_000, 300, 20),
}


def flat(case: dict) -> dict:
    """The peers' input: the case's fields, the ratio as a whole percent scaled ×10,000 (no floats)."""
    a = case["申請者"]
    share = a.get("持株比率", 0)
    return {"industry": a["業種"], "capital": a.get("資本金"), "employees": a["従業員数"],
            "share_e4": int(share * 10_000) if share else 0, "normal_cost": a["通常枠経費"], "invoice_cost": a["インボイス経費"]}


def handwritten(x: dict) -> tuple[int, int]:
    cap_limit, emp_limit, small_limit = LIMITS[x["industry"]]
    ok = ((x["capital"] is not None and x["capital"] <= cap_limit) or x["employees"] <= emp_limit) and x["share_e4"] < 5_000
    normal = min(x["normal_cost"] // 2, 4_500_000)
    cost = x["invoice_cost"]
    if x["employees"] <= small_limit:
        invoice = cost * 4 // 5 if cost * 4 <= 2_500_000 else (2 * cost + 250_000) // 3
    else:
        invoice = cost * 3 // 4 if cost * 3 <= 2_000_000 else (6 * cost + 500_000) // 9
    invoice = min(invoice, 3_500_000)
    return (normal if ok and normal >= 50_000 else 0, invoice if ok and invoice > 0 else 0)


_TIER = ("(employees <= small_limit ? (invoice_cost * 4 <= 2500000 ? {f}(invoice_cost * 4 / 5) : {f}((2 * invoice_cost + 250000) / 3))"
         " : (invoice_cost * 3 <= 2000000 ? {f}(invoice_cost * 3 / 4) : {f}((6 * invoice_cost + 500000) / 9)))")


class RuleEngine:
    def __init__(self):
        import rule_engine

        table = "{" + ", ".join(f"'{k}': [{c}, {e}, {s}]" for k, (c, e, s) in LIMITS.items()) + "}"
        ok = (f"((capital != null and capital <= {table}[industry][0]) or employees <= {table}[industry][1]) and share_e4 < 5000")
        self.ok = rule_engine.Rule(ok)
        self.normal = rule_engine.Rule("$min([normal_cost // 2, 4500000])")
        tier = (f"(employees <= {table}[industry][2] ? (invoice_cost * 4 <= 2500000 ? invoice_cost * 4 // 5 : (2 * invoice_cost + 250000) // 3)"
                " : (invoice_cost * 3 <= 2000000 ? invoice_cost * 3 // 4 : (6 * invoice_cost + 500000) // 9))")
        self.invoice = rule_engine.Rule(f"$min([{tier}, 3500000])")

    def __call__(self, x: dict) -> tuple[int, int]:
        ok = self.ok.evaluate(x)
        normal, invoice = int(self.normal.evaluate(x)), int(self.invoice.evaluate(x))
        return (normal if ok and normal >= 50_000 else 0, invoice if ok and invoice > 0 else 0)


class Zen:
    def __init__(self):
        import zen

        rules = [{"_id": f"r{i}", "i1": json.dumps(k, ensure_ascii=False), "o1": str(c), "o2": str(e), "o3": str(s)}
                 for i, (k, (c, e, s)) in enumerate(LIMITS.items())]
        expressions = [
            ("ok", "((capital != null and capital <= cap_limit) or employees <= emp_limit) and share_e4 < 5000"),
            ("normal_raw", "min([floor(normal_cost / 2), 4500000])"),
            ("invoice_raw", "min([" + _TIER.format(f="floor") + ", 3500000])"),
        ]
        graph = {
            "nodes": [
                {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
                {"id": "t", "type": "decisionTableNode", "name": "limits", "position": {"x": 0, "y": 0},
                 "content": {"hitPolicy": "first", "passThrough": True,
                             "inputs": [{"id": "i1", "name": "industry", "field": "industry"}],
                             "outputs": [{"id": "o1", "name": "cap", "field": "cap_limit"}, {"id": "o2", "name": "emp", "field": "emp_limit"},
                                         {"id": "o3", "name": "small", "field": "small_limit"}],
                             "rules": rules}},
                {"id": "e", "type": "expressionNode", "name": "e", "position": {"x": 0, "y": 0},
                 "content": {"expressions": [{"id": k, "key": k, "value": v} for k, v in expressions]}},
                {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}},
            ],
            "edges": [{"id": "1", "sourceId": "in", "targetId": "t", "type": "edge"}, {"id": "2", "sourceId": "t", "targetId": "e", "type": "edge"},
                      {"id": "3", "sourceId": "e", "targetId": "out", "type": "edge"}],
        }
        self.decision = zen.ZenEngine().create_decision(json.dumps(graph, ensure_ascii=False))

    def __call__(self, x: dict) -> tuple[int, int]:
        r = self.decision.evaluate(x)["result"]
        normal, invoice = int(r["normal_raw"]), int(r["invoice_raw"])
        return (normal if r["ok"] and normal >= 50_000 else 0, invoice if r["ok"] and invoice > 0 else 0)


def ours(summary: dict) -> tuple[int, int]:
    frames = {f["frame"]: f["subsidy"] for f in summary["frames"]}
    return (frames["通常枠"], frames["インボイス対応類型"])
