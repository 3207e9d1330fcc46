"""An invalid case names the field, what it got and what was expected; exit code 3."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, changed_case

GOOD = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))


def with_change(path, value):
    return changed_case(GOOD, path, value)


CASES = [
    ("enum member", with_change(["申請者", "業種"], "製造"),
     'invalid case: CASE: 申請者.業種: got "製造", expected one of: 製造業, 建設業, 運輸業, 卸売業, サービス業, 娯楽業, 小売業, '
     "ゴム製品製造業, ソフトウェア業・情報処理サービス業, 旅館業, その他の業種 (did you mean 製造業?)"),
    ("string for yen", with_change(["申請者", "資本金"], "1000万"),
     'invalid case: CASE: 申請者.資本金: got "1000万", expected a whole number of yen (e.g. 500000)'),
    ("boolean for yen", with_change(["経費", 0, "金額"], True),
     "invalid case: CASE: 経費[0].金額: got true, expected a whole number of yen (e.g. 500000)"),
    ("fractional yen", with_change(["経費", 0, "金額"], 1000.5),
     "invalid case: CASE: 経費[0].金額: got 1000.5, expected a whole number of yen (e.g. 500000); fractions of a yen or a person are not allowed"),
    ("negative count", with_change(["申請者", "従業員数"], -1),
     "invalid case: CASE: 申請者.従業員数: got -1, expected a whole number (e.g. 12); it must not be negative"),
    ("missing field", with_change(["申請者", "従業員数"], KeyError),
     "invalid case: CASE: 申請者.従業員数: missing; expected a whole number (e.g. 12)"),
    ("misspelt field", with_change(["申請者", "従業員"], 5),
     "invalid case: CASE: 申請者.従業員: unknown field (did you mean 従業員数?); expected one of: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"),
    ("impossible date", with_change(["申請日"], "2024-02-30"),
     'invalid case: CASE: 申請日: got "2024-02-30", expected a date "YYYY-MM-DD" that exists'),
    ("bad ratio", with_change(["資本関係"], {"最大大企業株主の持株比率": "3/2"}),
     'invalid case: CASE: 資本関係.最大大企業株主の持株比率: got "3/2", expected a ratio: "1/2", "50%" or a number from 0 to 1'),
]


@pytest.mark.parametrize("name, case, message", CASES, ids=[c[0] for c in CASES])
def test_invalid_case(name, case, message, run, write_case):
    path = write_case(case)
    result = run("eval", path, "--lang", "en")
    assert result.exit_code == 3
    assert result.stderr.strip() == message.replace("CASE", str(path))
    assert result.stdout == ""


def test_every_problem_is_listed(run, write_case):
    case = with_change(["申請者", "業種"], "製造")
    case["申請者"]["従業員数"] = "五人"
    path = write_case(case)
    result = run("eval", path, "--lang", "en")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "invalid case:",
        f'{path}: 申請者.業種: got "製造", expected one of: 製造業, 建設業, 運輸業, 卸売業, サービス業, 娯楽業, 小売業, ゴム製品製造業, '
        "ソフトウェア業・情報処理サービス業, 旅館業, その他の業種 (did you mean 製造業?)",
        f'{path}: 申請者.従業員数: got "五人", expected a whole number (e.g. 12)',
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"申請者": {', "line 1 column 10: malformed JSON: Expecting property name enclosed in double quotes"),
        ("[]", "the case: got a list, expected a JSON object"),
        ("   \n", "the case is empty; expected a JSON object"),
        ('{"a": 1, "a": 2}', "the key 'a' appears twice in one object"),
        ('{"経費": [{"区分": "ソフトウェア", "金額": NaN}]}', "malformed JSON: NaN is not a number a case may hold"),
    ],
)
def test_malformed_json(text, message, run, write_case):
    path = write_case(text)
    result = run("eval", path, "--lang", "en")
    assert result.exit_code == 3
    assert result.stderr.strip() == f"invalid case: {path}: {message}"


def test_not_a_file(run, tmp_path):
    result = run("eval", tmp_path, "--lang", "en")
    assert (result.exit_code, result.stderr.strip()) == (3, f"invalid case: {tmp_path} is a folder; give a case file (.json)")
    result = run("eval", tmp_path / "none.json", "--lang", "en")
    assert (result.exit_code, result.stderr.strip()) == (3, f"invalid case: no such file {tmp_path / 'none.json'}")


def test_an_unknown_top_level_field_is_told_the_groups_too(tmp_path, run):
    path = tmp_path / "typo.json"
    path.write_text('{"申請社": {}, "申請日": "2024-07-01", "経費": []}', encoding="utf-8")
    result = run("eval", str(path), "--lang", "en")
    assert result.exit_code == 3
    assert (f"{path}: 申請社: unknown field (did you mean 申請者?); expected one of: 経費, 申請日, 申請者, 資本関係, "
            "対象外事由, 申請要件, ITツール, 電子取引, 複数社連携") in result.stderr


def test_explain_to_standard_output_with_a_dash(tmp_path, run, monkeypatch):
    from conftest import EXAMPLES

    monkeypatch.chdir(tmp_path)
    result = run("explain", str(EXAMPLES / "seed_invoice_small_1m.json"), "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("<!DOCTYPE html>") and not (tmp_path / "-").exists()


def test_a_number_past_40_digits_is_shortened_with_its_length_in_the_commands_language(run, write_case):
    path = write_case(with_change(["申請者", "資本金"], int("9" * 45)))
    for lang, said in (("ja", f"ケースに誤りがあります: {path}: 「申請者」の「資本金」: 99999999999999999999…（全45桁） は大きすぎます"
                              "（1,000,000,000,000,000まで）。桁を確かめてください"),
                       ("en", f"invalid case: {path}: 申請者.資本金: got 99999999999999999999… (45 digits), which is larger than "
                              "1,000,000,000,000,000; is it a typo?")):
        result = run("eval", path, "--lang", lang)
        assert (result.exit_code, result.stderr.strip()) == (3, said), lang
