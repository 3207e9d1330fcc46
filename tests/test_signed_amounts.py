"""Signed yen inputs (issue 22, item 1): `課税所得: 円, signed` accepts a loss; every other amount stays
non-negative. The case reader, the case's JSON Schema, the SQL form's checks of a table of cases and
the self-check page agree on it; the tree, the fast form and the SQL form decide negatives alike
(⌊…⌋ of a negative rounds towards −∞ everywhere)."""

from __future__ import annotations

import json
from fractions import Fraction

import jsonschema
import pytest

from engine.authoring import corpus
from engine.authoring.schema import case_schema
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.explain import render_text
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import CaseError, PolicyError
from engine.language.fmt import format_text
from browser_support import browser_only, start_chromium
from policy_support import load, policy_fixtures
from sql_support import arrow_table, duckdb_rows, mismatches
from test_serve_support import Server

POLICY = """\
programme "赤字の事業者への補助"
  year 2024
  source 要領 "例示の補助金 公募要領"

record 決算期 "決算期":
  所得: 円, signed "課税所得（赤字はマイナス）"

input 申請者 "申請者":
  課税所得: 円, signed "直近の課税所得（赤字はマイナス）"
  資本金: 円 "資本金"

input 決算: list of 決算期 "過去の決算"
input 経費: 円 "補助対象経費"

value 平均所得 "過去の決算期の平均課税所得（1円未満切り捨て）":
  source 要領 "過去の決算期の平均"
  round down (total of 所得 in 決算 ÷ number of 決算)

rule 赤字 "直近期が赤字":
  source 要領 "赤字の事業者"
  課税所得 < 0円

rule 資本金の要件 "資本金1億円以下":
  source 要領 "対象者"
  資本金 ≤ 1億円

frame 枠 "枠":
  source 要領 "補助率"
  requires 資本金の要件
  amount 補助 "補助":
    on 経費
    rate 2/3 if 赤字 or 平均所得 < 0円 else 1/2
    round down
    at most 100万円 + 平均所得 unless 赤字
"""


folder, policy = policy_fixtures(POLICY, "signed")


def case(income, years, cost=3_000_000, capital=1_000_000):
    return {"申請者": {"課税所得": income, "資本金": capital}, "決算": [{"所得": y} for y in years], "経費": cost}


def test_a_loss_is_read_and_the_average_rounds_down_below_zero(policy):
    values = read_case(policy, case(-200_000, [-200_000, 100_000, 2]))
    assert values["申請者"]["課税所得"] == -200_000 and values["決算"][0]["所得"] == -200_000
    d = evaluate(policy, values)
    # the average is −99,998/3 = −33,332 2/3, rounded down to −33,333 (not towards 0); a loss: 2/3, no cap
    assert d.frames[0].subsidy == 2_000_000
    d = evaluate(policy, read_case(policy, case(1, [-200_000, 100_000, 2])))
    assert d.frames[0].subsidy == 1_000_000 - 33_333  # the cap 100万円 + the average, since 1円 is no loss


def test_every_other_amount_stays_non_negative(policy):
    with pytest.raises(CaseError) as error:
        read_case(policy, case(-1, [], capital=-1))
    assert error.value.problems == ["申請者.資本金: got -1, expected a whole number of yen (e.g. 500000); it must not be negative"]
    with pytest.raises(CaseError) as error:
        read_case(policy, case(-10**15 - 1, [-(10**16)]))
    assert error.value.problems == [
        "決算[0].所得: got -10000000000000000, which is below -1,000,000,000,000,000; is it a typo?",
        "申請者.課税所得: got -1000000000000001, which is below -1,000,000,000,000,000; is it a typo?"]


@pytest.mark.parametrize("declaration, message", [
    ("従業員数: 人, signed", "従業員数 is 人 (count): only an amount in 円 can be `signed` (a loss, a negative income)"),
    ("比率: ratio, signed", "比率 is ratio: only an amount in 円 can be `signed` (a loss, a negative income)"),
])
def test_signed_is_for_yen_only(tmp_path, declaration, message):
    text = POLICY.replace('  資本金: 円 "資本金"', f'  資本金: 円 "資本金"\n  {declaration}')
    with pytest.raises(PolicyError) as error:
        load(tmp_path, text)
    assert f"error: {message}" in str(error.value)


def test_the_schema_agrees_with_the_reader(policy):
    schema = case_schema(policy)
    group = schema["properties"]["申請者"]["properties"]
    assert group["課税所得"]["minimum"] == -10**15 and group["資本金"]["minimum"] == 0
    assert schema["properties"]["決算"]["items"]["properties"]["所得"]["minimum"] == -10**15
    jsonschema.validate(case(-200_000, [-5]), schema)
    for bad in (case(-200_000, [], capital=-1), case(-(10**15) - 1, [])):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(CaseError):
            read_case(policy, bad)


def test_tree_fast_and_sql_agree_on_losses(policy):
    raws = list(corpus.generate(policy, 400, seed=22))
    values = [read_case(policy, raw) for raw in raws]
    assert sum(v["申請者"]["課税所得"] < 0 for v in values) > 50  # the corpus crosses 0 from below too
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_a_table_of_cases_accepts_a_loss_and_refuses_a_negative_capital(policy, folder, tmp_path, run):
    import duckdb

    values = [read_case(policy, case(-200_000, [-200_000, 100_000, 2])), read_case(policy, case(5, [7]))]
    import pyarrow.parquet as pq

    good = tmp_path / "good.parquet"
    pq.write_table(arrow_table(policy, values), good)
    result = run("population", good, "-o", tmp_path / "out.csv", "--policy", folder)
    assert result.exit_code == 0, result.stderr
    bad = tmp_path / "bad.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE u AS SELECT * FROM '{good}'")
    con.execute("UPDATE u SET 申請者 = struct_update(申請者, 資本金 := -5) WHERE id = 1")
    con.execute(f"COPY u TO '{bad}'")
    result = run("population", bad, "-o", tmp_path / "bad.csv", "--policy", folder, "--lang", "en")
    assert result.exit_code == 3
    assert "申請者.資本金: got -5, expected a whole number of yen (e.g. 500000); it must not be negative (case id 1)" in result.stderr


def test_what_if_may_go_below_zero_and_the_text_shows_the_sign(policy, folder, tmp_path, run):
    values = read_case(policy, case(200_000, [-200_000, 100_000, 2]))
    offers = what_if(policy, values, evaluate(policy, values)).frames[0].what_if
    changes = [(c.path, c.old, c.new) for w in offers for c in w.changes]
    assert (("申請者", "課税所得"), 200_000, -1) in changes
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case(200_000, [-200_000, 100_000, 2]), ensure_ascii=False), encoding="utf-8")
    out = run("eval", path, "--policy", folder, "--trace").stdout
    assert "「直近の課税所得（赤字はマイナス）」を20万円から-1円にすると" in out
    assert render_text.yen(-33_333) == "-33,333円" and render_text.yen(Fraction(-99_998, 3)) == "-33,333円"  # rounded down


def test_fmt_keeps_signed():
    text = 'programme "p"\n  year 2024\n  source s "s"\n\ninput 申請者:\n  課税所得:  円,   signed, optional "所得"\n'
    assert '  課税所得: 円, signed, optional "所得"\n' in format_text(text)


@browser_only
def test_the_page_reads_a_loss_only_where_the_policy_allows_one(folder, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from test_serve_page import _by_id, settle, submit_and_wait, type_into

    server = Server("--policies", str(folder.parent), "--workers", "1")  # the one year in its folder
    browser = start_chromium(tmp_path / "profile", 1200, 1800)
    try:
        browser.get(server.url + "/")
        settle(browser)
        parse = lambda s, signed: browser.execute_script("return window.policyPage.parseYen(arguments[0], arguments[1])", s, signed)  # noqa: E731
        assert [parse(s, True) for s in ("▲20万円", "−1,000", "-0", "△1億")] == [
            {"value": -200000}, {"value": -1000}, {"value": 0}, {"value": -100000000}]
        assert parse("-5", False) == {"error": "金額として読めません（例: 1,000,000 または 100万円）"}
        assert _by_id(browser, "h-q-申請者.課税所得").text == "例: 1,000,000 ／ 赤字は -200,000 または ▲20万円"
        type_into(browser, "q-申請者.課税所得", "▲20万円")
        type_into(browser, "q-申請者.資本金", "-5")
        type_into(browser, "q-経費", "300万円")
        _by_id(browser, "submit").click()
        assert WebDriverWait(browser, 30).until(lambda b: _by_id(b, "e-q-申請者.資本金").text) == "金額として読めません（例: 1,000,000 または 100万円）"
        type_into(browser, "q-申請者.資本金", "100万")
        submit_and_wait(browser)
        assert _by_id(browser, "q-申請者.課税所得").get_attribute("value") == "-200,000"
        assert _by_id(browser, "result-verdict").text == "補助額が最も大きい枠: 枠 2,000,000円"  # a loss: 2/3 and no cap
        row = [c.text for c in _by_id(browser, "result-frame-枠").find_elements(By.CSS_SELECTOR, "table.calc tbody tr:first-child > *")]
        assert row[:4] == ["補助", "3,000,000円", "2/3", "2,000,000円"]
    finally:
        browser.quit()
        server.stop()
