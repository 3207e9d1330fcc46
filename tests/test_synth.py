"""The synthetic population (engine/population/synth.py): deterministic, in the case-table layout, calibrated
to the published shares, and every row a valid case for 2024 and 2025."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import pytest

duckdb = pytest.importorskip("duckdb")

from engine.sql import case_table
from engine.population import synth  # noqa: E402
from engine.evaluate.case import field_names, read_case  # noqa: E402
from engine.compile.pipeline import load_policy  # noqa: E402
from engine.population.synth_figures import CALIBRATION, OFFICIAL_APPLICATIONS_2024, measure, take_up  # noqa: E402

N = 20_000


@pytest.fixture(scope="module")
def policies():
    return [load_policy("policies/2024").policy, load_policy("policies/2025").policy]


@pytest.fixture(scope="module")
def population(policies, tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "population.parquet"
    synth.generate(policies, N, 11, path)
    return path


def _rows_hash(path) -> str:
    con = duckdb.connect()
    rel = con.read_parquet(str(path))
    text = rel.query("p", "SELECT string_agg(p::VARCHAR, '|' ORDER BY id) FROM p").fetchall()[0][0]
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_seed_same_bytes_whatever_the_threads(policies, tmp_path):
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    synth.generate(policies, 3_000, 5, one, threads=1)
    synth.generate(policies, 3_000, 5, two, threads=2)
    assert one.read_bytes() == two.read_bytes()
    assert _rows_hash(one) == _rows_hash(two)


def test_another_seed_other_rows(policies, tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    synth.generate(policies, 3_000, 5, a)
    synth.generate(policies, 3_000, 6, b)
    assert _rows_hash(a) != _rows_hash(b)


def test_layout_is_the_case_table_of_the_union(population, policies):
    described = duckdb.connect().read_parquet(str(population)).query("p", "DESCRIBE p").fetchall()
    got = [(name, type_.replace(" ", "").replace('"', "")) for name, type_, *_ in described]
    # 2025 extends 2024 with fields only: its case table is the union
    expected = [(c, t.replace('"', "").replace(" ", "")) for c, t in case_table.columns(policies[1])]
    assert got == expected
    ids = duckdb.connect().read_parquet(str(population)).query("p", "SELECT min(id), max(id), count(*) FROM p").fetchall()
    assert ids == [(0, N - 1, N)]


# target share -> absolute tolerance at N = 20,000 (about four binomial standard errors, or the documented gap)
TOLERANCE = {"large_share": Fraction(15, 10_000), "small_share_of_sme": Fraction(1, 100), "sole_share_of_small": Fraction(2, 100),
             "sole_share_of_medium": Fraction(3, 100), "no_employee_share_of_small": Fraction(2, 100),
             "industry.小売業": Fraction(15, 1000), "industry.建設業": Fraction(1, 100), "industry.製造業": Fraction(1, 100),
             "capital_upto_10m_share_of_companies": Fraction(2, 100), "capital_over_100m_share_of_companies": Fraction(4, 1000),
             "deficit_share_of_companies": Fraction(2, 100)}


def test_shares_match_the_calibration_targets(population):
    got = measure(population)
    assert set(TOLERANCE) <= set(CALIBRATION)
    misses = {k: (float(got[k]), float(CALIBRATION[k].value)) for k, tol in TOLERANCE.items()
              if abs(got[k] - CALIBRATION[k].value) > tol}
    assert misses == {}
    assert got["capital_null_share_of_sole"] == 1  # a sole proprietor has no capital


def test_firms_called_smes_meet_the_definition(population):
    """Sole proprietors and other legal forms have no capital; companies have no ownership group
    they do not need; dates stay within 2024's range. (The SME share itself: the calibration test.)"""
    rows = duckdb.connect().read_parquet(str(population)).query("p", """
        SELECT count(*) FILTER (WHERE 申請者.組織形態 = '個人事業主' AND 申請者.資本金 IS NOT NULL),
               count(*) FILTER (WHERE 申請者.組織形態 NOT IN ('会社', '個人事業主') AND 申請者.資本金 IS NOT NULL),
               count(*) FILTER (WHERE 申請者.組織形態 = '個人事業主' AND 資本関係 IS NOT NULL),
               count(*) FILTER (WHERE 申請日 < DATE '2024-02-16' OR 申請日 > DATE '2024-10-15'),
               count(*) FILTER (WHERE len(経費) = 0) <= 0.005 * count(*)
        FROM p""").fetchall()
    # the last: only the 0.5 % "no software" edge (docs/population.md) may leave the expense list empty
    assert rows == [(0, 0, 0, 0, True)]


def _sample(path) -> list[dict]:
    """The first 300 rows and 10 of every rare purchase (security, e-trade, groups), as case JSON."""
    con = duckdb.connect()
    rel = con.read_parquet(str(path))
    cursor = rel.query("p", """
        (SELECT * FROM p WHERE id < 300)
        UNION ALL (SELECT * FROM p WHERE list_contains(list_transform(経費, lambda e: e.区分), 'お助け隊サービス利用料') ORDER BY id LIMIT 10)
        UNION ALL (SELECT * FROM p WHERE 電子取引 IS NOT NULL ORDER BY id LIMIT 10)
        UNION ALL (SELECT * FROM p WHERE 複数社連携 IS NOT NULL ORDER BY id LIMIT 10)""")
    names, rows = cursor.columns, cursor.fetchall()
    return [case_table.from_row(dict(zip(names, r))) for r in rows]


def test_every_sampled_row_is_a_valid_case_for_both_years(population, policies):
    cases = _sample(population)
    assert len(cases) >= 310  # security rows exist at N = 20,000; e-trade and groups may be rare
    known = field_names(policies[0]) | field_names(policies[1])
    for raw in cases:
        for policy in policies:
            values = read_case(policy, raw, also_known=known)
            assert values["申請者"]["業種"] in policy.tables["中小企業の範囲"].rows


def test_rare_purchases_are_present_at_population_scale(policies, tmp_path):
    path = tmp_path / "p.parquet"
    synth.generate(policies, 200_000, 1, path)
    counts = duckdb.connect().read_parquet(str(path)).query("p", """
        SELECT count(*) FILTER (WHERE 電子取引 IS NOT NULL), count(*) FILTER (WHERE 複数社連携 IS NOT NULL),
               min(len(複数社連携.構成員一覧)), max(len(複数社連携.構成員一覧)) FROM p""").fetchall()[0]
    assert 5 <= counts[0] <= 40 and 5 <= counts[1] <= 40  # 7 / 71,774 of 200,000 ≈ 19.5 each
    assert counts[2] >= 9 and counts[3] <= 15
    cases = _sample(path)
    for raw in cases[-20:]:
        for policy in policies:
            read_case(policy, raw, also_known=field_names(policies[0]) | field_names(policies[1]))


def test_jsonl_holds_case_json(policies, tmp_path):
    path = tmp_path / "p.jsonl"
    synth.generate(policies, 50, 2, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 50
    for line in lines:
        read_case(policies[1], json.loads(line))


def test_only_2024_gives_only_2024_fields(policies, tmp_path):
    path = tmp_path / "p.parquet"
    synth.generate(policies[:1], 100, 2, path)
    described = duckdb.connect().read_parquet(str(path)).query("p", "DESCRIBE p").fetchall()
    assert [name for name, *_ in described] == [c for c, _ in case_table.columns(policies[0])]
    assert "最低賃金近傍事業者" not in dict((n, t) for n, t, *_ in described)["申請者"]


@pytest.mark.parametrize("n, seed, message", [
    (0, 1, "the number of firms must be a whole number from 1 to 1,000,000,000 (got 0)"),
    (-5, 1, "the number of firms must be a whole number from 1 to 1,000,000,000 (got -5)"),
    (10, -1, "the seed must be a whole number from 0 to 9223372036854775807 (got -1)"),
])
def test_bad_arguments(policies, tmp_path, n, seed, message):
    with pytest.raises(synth.SynthError) as exc:
        synth.generate(policies, n, seed, tmp_path / "p.parquet")
    assert str(exc.value) == message
    assert not (tmp_path / "p.parquet").exists()


def test_official_figures_and_take_up():
    assert OFFICIAL_APPLICATIONS_2024["通常枠"].value == 25_140
    assert OFFICIAL_APPLICATIONS_2024["インボイス対応類型"].value == 46_394
    assert sum(f.value for f in OFFICIAL_APPLICATIONS_2024.values()) == 71_767
    ratios = take_up({"通常枠": 1_000_000, "インボイス対応類型": 0})
    assert ratios["通常枠"] == Fraction(25_140, 1_000_000) and ratios["インボイス対応類型"] is None
    assert CALIBRATION["firms"].value == synth.DEFAULT_N == 3_364_891


def test_cli_writes_the_file(run, tmp_path):
    out = tmp_path / "p.parquet"
    result = run("synth", "--lang", "en", "--n", "500", "--seed", "3", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"wrote 500 firms (seed 3) to {out} in ")
    count = duckdb.connect().read_parquet(str(out)).query("p", "SELECT count(*) FROM p").fetchall()
    assert count == [(500,)]


@pytest.mark.parametrize("args, code, message", [
    (["--n", "0"], 2, "the number of firms must be a whole number from 1 to 1,000,000,000 (got 0)\n"),
    (["--n", "-3"], 2, "the number of firms must be a whole number from 1 to 1,000,000,000 (got -3)\n"),
    (["--n", "5", "--seed", "-1"], 2, "the seed must be a whole number from 0 to 9223372036854775807 (got -1)\n"),
])
def test_cli_bad_numbers(run, tmp_path, args, code, message):
    result = run("synth", "--lang", "en", *args, "-o", tmp_path / "p.parquet")
    assert (result.exit_code, result.stderr) == (code, message)


def test_cli_unwritable_and_bad_policy(run, tmp_path):
    missing = tmp_path / "no" / "p.parquet"
    result = run("synth", "--lang", "en", "--n", "5", "-o", missing)
    assert (result.exit_code, result.stderr) == (2, f"cannot write {missing}: No such file or directory\n")
    result = run("synth", "--lang", "en", "--n", "5", "-o", tmp_path)
    assert (result.exit_code, result.stderr) == (2, f"cannot write {tmp_path}: Is a directory\n")
    result = run("synth", "--lang", "en", "--n", "5", "-o", tmp_path / "p.csv")
    assert (result.exit_code, result.stderr) == (2, "CSV cannot hold the nested case-table layout; write .parquet (or .jsonl)\n")
    for name in ("p.txt", "p.json", "-"):  # synth writes the case table or JSON Lines, and nothing else
        result = run("synth", "--lang", "en", "--n", "5", "-o", tmp_path / name)
        assert (result.exit_code, result.stderr) == (2, f"cannot tell what to write to {tmp_path / name}: name it .parquet "
                                                        "(the case table) or .jsonl (case JSON, one per line)\n")
        assert not (tmp_path / name).exists()
    result = run("synth", "--lang", "en", "--n", "5", "--policy", tmp_path / "nope", "-o", tmp_path / "p.parquet")
    assert result.exit_code == 4 and "does not exist" in result.stderr


def test_cli_says_its_refusals_in_japanese_by_default(run, tmp_path):
    for args, message in (
            (["--n", "5", "--seed", "-1", "-o", tmp_path / "p.parquet"], "シードは 0 から 9223372036854775807 までの整数にしてください（指定: -1）\n"),
            (["--n", "5000000000", "-o", tmp_path / "p.parquet"], "事業者の数は 1 から 1,000,000,000 までの整数にしてください（指定: 5000000000）\n"),
            (["--n", "5", "-o", tmp_path / "p.csv"], "CSV には入れ子になったケース表を書けません。.parquet（または .jsonl）に書いてください\n"),
            (["--n", "5", "-o", tmp_path / "p.txt"],
             f"{tmp_path / 'p.txt'} に何を書くのかわかりません。名前を .parquet（ケース表）か .jsonl（1行に1件のケースJSON）で終えてください\n"),
            (["--n", "5", "-o", tmp_path / "no" / "p.parquet"], f"{tmp_path / 'no' / 'p.parquet'} に書けません: そのファイルまたはフォルダはありません\n")):
        result = run("synth", *args)
        assert (result.exit_code, result.stderr) == (2, message), args
    with pytest.raises(synth.SynthError) as exc:
        synth.generate([], 5, 0, "")
    assert (str(exc.value), exc.value.said("ja")) == ("give at least one policy", "ポリシーを1つ以上指定してください")
