"""Properties of the 2024 policy over generated cases (hypothesis, derandomized and bounded)."""

from __future__ import annotations

import copy
import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.authoring.corpus import generate
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.compile.pipeline import load_policy

POLICY = load_policy(ROOT / "policies" / "2024").policy
FAST = FastPolicy(POLICY)
OTHER_YEARS = field_names(load_policy(ROOT / "policies" / "2025").policy) | field_names(load_policy(ROOT / "policies" / "2023").policy)
SEEDS = [read_case_file(p) for p in sorted(EXAMPLES.glob("*.json"))]
CASES = st.integers(min_value=0, max_value=2**32).map(lambda seed: next(generate(POLICY, 1, seed=seed, seeds=SEEDS[seed % 7:])))
PROFILE = settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The most each frame can grant, and its highest rates, from the guidelines (rules-2024.md §3).
MOST = {"通常枠": 4_500_000, "インボイス対応類型": 3_500_000 + 100_000 + 200_000, "電子取引類型": 3_500_000,
        "複数社連携IT導入枠": 30_000_000 + 2_000_000, "セキュリティ対策推進枠": 1_000_000}


def costs(raw: dict) -> dict:
    totals: dict = {}
    for item in raw.get("経費", []):
        totals[item["区分"]] = totals.get(item["区分"], 0) + item["金額"]
    return totals


def rate_bound(frame: str, raw: dict) -> float:
    c = costs(raw)
    members = (raw.get("複数社連携") or {}).get("構成員一覧") or []
    bounds = {
        "通常枠": (c.get("ソフトウェア", 0) + c.get("オプション", 0) + c.get("役務", 0)) * 1 / 2,
        "インボイス対応類型": (c.get("ソフトウェア", 0) + c.get("オプション", 0) + c.get("役務", 0)) * 4 / 5
        + (c.get("PC等", 0) + c.get("レジ等", 0)) / 2,
        "電子取引類型": c.get("受発注クラウド利用料", 0) * 2 / 3,
        "複数社連携IT導入枠": sum(m.get("ソフトウェア等費", 0) * 4 / 5 + (m.get("PC等費", 0) + m.get("レジ等費", 0)) / 2 for m in members)
        + (c.get("消費動向等分析経費", 0) + c.get("事務費・専門家費", 0)) * 2 / 3,
        "セキュリティ対策推進枠": c.get("お助け隊サービス利用料", 0) / 2,
    }
    return bounds[frame]


@PROFILE
@given(CASES)
def test_subsidy_within_cap_and_cost_times_highest_rate_whole_yen_never_negative(raw):
    for f in evaluate(POLICY, read_case(POLICY, raw, also_known=OTHER_YEARS)).frames:
        assert isinstance(f.subsidy, int) and f.subsidy >= 0
        assert f.subsidy <= MOST[f.name]
        assert f.subsidy <= rate_bound(f.name, raw) + 1e-6  # (a float bound is fine for an inequality of whole yen)


@PROFILE
@given(CASES, st.integers(min_value=1, max_value=3_000_000))
def test_more_cost_never_gives_less_subsidy(raw, more):
    values = read_case(POLICY, raw, also_known=OTHER_YEARS)
    if not values["経費"]:
        return
    richer = copy.deepcopy(raw)
    richer["経費"][0]["金額"] += more
    before = {f["frame"]: f for f in FAST.decide(values)["frames"]}
    after = {f["frame"]: f for f in FAST.decide(read_case(POLICY, richer, also_known=OTHER_YEARS))["frames"]}
    for name, f in before.items():
        if f["status"] != "not_eligible" and after[name]["status"] != "not_eligible":
            assert after[name]["subsidy"] >= f["subsidy"]


@PROFILE
@given(CASES, st.integers(min_value=0, max_value=2**16))
def test_deterministic_and_independent_of_key_order_and_unread_fields(raw, shuffle_seed):
    first = summary(evaluate(POLICY, read_case(POLICY, raw, also_known=OTHER_YEARS)))
    rng = random.Random(shuffle_seed)

    def shuffled(value):
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffled(v) for k, v in items}
        if isinstance(value, list):
            return [shuffled(v) for v in value]
        return value

    again = shuffled(json.loads(json.dumps(raw, ensure_ascii=False)))
    again["description"] = "a field the policy does not read"
    again.setdefault("申請者", {})["最低賃金近傍事業者"] = True  # a 2025 field: not read by 2024
    second = summary(evaluate(POLICY, read_case(POLICY, again, also_known=OTHER_YEARS)))
    assert first == second == FAST.decide(read_case(POLICY, again, also_known=OTHER_YEARS))
