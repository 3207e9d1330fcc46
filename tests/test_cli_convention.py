"""Issue 23, one CLI convention (docs/cli.md#one-convention): the policy folder is `--policy DIR` on
every command (the old positional spelling still read, with a deprecation note), `-` is standard
input wherever a case file is read, `explain` takes `--frame`, and `eval` exits 0 once it has
decided (`--fail`: 1 when no frame is eligible)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES, POLICY_2024, ROOT

SMALL = EXAMPLES / "seed_invoice_small_1m.json"
P2025 = ROOT / "policies" / "2025"


@pytest.mark.parametrize("command", ["check", "schema", "graph", "doc"])
def test_the_policy_folder_is_given_with_policy_and_the_old_spelling_still_works(run, command):
    english = ("--lang", "en") if command in ("check", "doc") else ()  # the commands that speak Japanese by default
    new = run(command, *english, "--policy", P2025)
    old = run(command, *english, P2025)
    assert new.exit_code == old.exit_code == 0, (new.output, old.output)
    assert new.stdout == old.stdout
    note = f"policy {command}: the policy folder as an argument is deprecated; write --policy {P2025}"
    assert old.stderr.splitlines()[0] == note and note not in new.stderr
    if command != "check":  # check speaks on standard error: the note comes first, then the same report
        assert new.stderr == "" and old.stderr == note + "\n"
    else:
        assert old.stderr == note + "\n" + new.stderr
    both = run(command, *english, "--policy", P2025, POLICY_2024)
    assert (both.exit_code, both.stderr) == (
        2, f"policy {command}: give the policy folder once, as --policy DIR (got --policy {P2025} and {POLICY_2024})\n")


def test_schema_with_policy_is_that_years_schema(run):
    schema_2025 = json.loads(run("schema", "--policy", P2025).stdout)
    schema_2024 = json.loads(run("schema").stdout)
    assert "最低賃金近傍事業者" in json.dumps(schema_2025, ensure_ascii=False)
    assert "最低賃金近傍事業者" not in json.dumps(schema_2024, ensure_ascii=False)


def _policy(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, input=stdin, capture_output=True, timeout=120)


def test_eval_and_explain_read_the_case_from_standard_input():
    from_file = _policy("eval", str(SMALL), "--format", "json")
    from_stdin = _policy("eval", "-", "--format", "json", stdin=SMALL.read_bytes())
    assert from_stdin.returncode == from_file.returncode == 0
    assert json.loads(from_stdin.stdout)["ranking"] == json.loads(from_file.stdout)["ranking"]
    page = _policy("explain", "-", "--lang", "en", stdin=SMALL.read_bytes())
    assert page.returncode == 0 and "<title>IT導入補助金2024 — standard input</title>" in page.stdout.decode()
    late = _policy("eval", "-", "--lang", "en", stdin=(ROOT / "examples" / "deadline_after_last_2024_10_16.json").read_bytes())
    assert late.returncode == 3 and late.stderr.decode().startswith("invalid case: standard input: 申請日: 2024-10-16 is in no")
    typo = _policy("eval", "-", "--lang", "en", "--policy", str(POLICY_2024), stdin=json.dumps({**json.loads(SMALL.read_text(encoding="utf-8")),
                                                                                 "frame": "通常"}).encode())
    assert typo.returncode == 3 and typo.stderr.decode().startswith("invalid case: standard input: frame: unknown frame 通常")
    bad = _policy("eval", "-", "--lang", "en", stdin=b'{"a":')
    assert (bad.returncode, bad.stderr.decode()) == (3, "invalid case: standard input: line 1 column 6: malformed JSON: "
                                                        "Expecting value\n")


def test_a_case_on_standard_input_is_read_no_further_than_the_limit():
    big = _policy("eval", "-", "--lang", "en", stdin=b'{"description": "' + b"x" * (1024 * 1024) + b'"}')
    assert (big.returncode, big.stderr.decode()) == (3, "invalid case: standard input: the case is larger than 1,048,576 bytes "
                                                        "(1,048,577); a case holds one applicant (POLICY_MAX_CASE_BYTES)\n")
    ja = _policy("eval", "-", stdin=b'{"description": "' + b"x" * (1024 * 1024) + b'"}')
    assert ja.stderr.decode().startswith("ケースに誤りがあります: 標準入力: ")


def test_explain_keeps_the_page_to_the_frames_asked(run, tmp_path):
    import re

    def sections(*options):
        return re.findall(r'<section class="frame" id="frame-([^"]+)">', run("explain", SMALL, *options).stdout)

    assert sections() == ["インボイス対応類型", "通常枠", "電子取引類型", "複数社連携IT導入枠", "セキュリティ対策推進枠"]
    assert sections("--frame", "通常枠") == ["通常枠"]
    assert sections("--frame", "インボイス枠（インボイス対応類型）", "--frame", "通常枠") == ["インボイス対応類型", "通常枠"]
    unknown = run("explain", SMALL, "--frame", "通常", "--lang", "en")
    assert (unknown.exit_code, unknown.stderr) == (2, "unknown frame 通常 (did you mean 通常枠?); the policy's frames are: 通常枠, "
                                                      "インボイス対応類型, 電子取引類型, 複数社連携IT導入枠, セキュリティ対策推進枠\n")


def test_eval_exits_0_once_decided_and_1_with_fail_when_no_frame_is_eligible(run):
    late = ROOT / "examples" / "deadline_after_last_2024_10_16.json"  # under 2024, every frame closed
    assert run("eval", late, "--policy", POLICY_2024).exit_code == 0
    assert run("eval", late, "--policy", POLICY_2024, "--fail").exit_code == 1
    assert run("eval", SMALL, "--fail").exit_code == 0  # eligible: --fail changes nothing
    assert run("eval", late).exit_code == 3  # not decided (no year is in force on its date): still an error


def _case(tmp_path, name: str, date: str, expected) -> Path:
    data = json.loads((ROOT / "examples" / "deadline_after_last_2024_10_16.json").read_text(encoding="utf-8"))
    data.pop("description")
    path = tmp_path / name
    path.write_text(json.dumps({**data, "申請日": date, "expected": expected}, ensure_ascii=False), encoding="utf-8")
    return path


def test_policy_test_picks_each_cases_year_by_its_date_as_eval_does(run, tmp_path):
    """Without --policy, a dated case is judged under the year `policy eval` picks for it; a date in
    no year's term is refused with eval's words; an expectation given per year names the years it is
    for (a boundary of one year's term, dated where no term, or another year's, holds it)."""
    closed = json.loads((ROOT / "examples" / "deadline_after_last_2024_10_16.json").read_text(encoding="utf-8"))["expected"]["2024"]
    late = _case(tmp_path, "late.json", "2024-10-16", closed)
    eval_words = run("eval", late, "--lang", "en").stderr.removeprefix(f"invalid case: {late}: ").rstrip("\n")
    result = run("test", "--lang", "en", late)
    assert (result.exit_code, result.stdout.splitlines()) == (3, [f"ERROR {late}: {eval_words}", "0 passed, 0 failed, 1 invalid"])
    assert eval_words.startswith("申請日: 2024-10-16 is in no policy year's term")
    early = _case(tmp_path, "early.json", "2024-02-15", closed)  # in 2023's term: eligible there
    result = run("test", "--lang", "en", early)
    assert result.exit_code == 1 and "  通常枠.status: expected not_eligible, got eligible" in result.stdout
    assert run("eval", early, "--format", "brief").stdout.splitlines()[0] == "IT導入補助金2023"
    assert run("test", "--lang", "en", early, "--policy", POLICY_2024).exit_code == 0  # under 2024's rules: not yet open
    for name, date in (("late_2024.json", "2024-10-16"), ("early_2024.json", "2024-02-15")):
        assert run("test", "--lang", "en", _case(tmp_path, name, date, {"2024": closed})).stdout == "1 passed, 0 failed\n"
    both = run("test", "--lang", "en", _case(tmp_path, "both.json", "2024-02-15", {"2024": closed, "2023": closed}), "-v")
    assert both.exit_code == 1
    assert [line for line in both.stdout.splitlines() if line.startswith(("PASS", "FAIL"))] == [
        f"PASS {tmp_path / 'both.json'} (2024)", f"FAIL {tmp_path / 'both.json'} (2023)"]


def test_batch_says_its_summary_in_japanese_or_in_english(run, tmp_path):
    source = tmp_path / "in.jsonl"
    case = {k: v for k, v in json.loads(SMALL.read_text(encoding="utf-8")).items() if k not in ("description", "expected")}
    source.write_text(json.dumps(case, ensure_ascii=False) + "\n{bad\n", encoding="utf-8")
    ja = run("batch", source, "-o", tmp_path / "out.jsonl")
    en = run("batch", source, "-o", tmp_path / "out.jsonl", "--lang", "en")
    assert ja.stderr.splitlines() == ["読み込んだ件数: 2件", "判定: 1件", "エラー: 1件", "通常枠の対象: 1件（補助額 500,000円）",
                                      "インボイス対応類型の対象: 1件（補助額 750,000円）", "各ケースの補助額が最も大きい枠の補助額の合計: 750,000円"]
    assert en.stderr.splitlines() == ["records read: 2", "decisions: 1", "errors: 1", "eligible for 通常枠: 1 (subsidy 500,000円)",
                                      "eligible for インボイス対応類型: 1 (subsidy 750,000円)", "total subsidy of each case's best frame: 750,000円"]


def test_policy_test_reads_a_case_from_standard_input():
    passed = _policy("test", "--lang", "en", "-", "-v", stdin=SMALL.read_bytes())
    assert (passed.returncode, passed.stdout.decode()) == (0, "PASS standard input\n1 passed, 0 failed\n")
    bad = _policy("test", "--lang", "en", "-", stdin=b"{\n")
    assert (bad.returncode, bad.stdout.decode()) == (
        3, "ERROR standard input: line 2 column 1: malformed JSON: Expecting property name enclosed in double quotes\n"
           "0 passed, 0 failed, 1 invalid\n")


def test_policy_diff_reads_a_case_from_standard_input():
    bad = _policy("diff", str(POLICY_2024), str(P2025), "-", stdin=b"[]")
    assert bad.returncode == 3 and "  standard input\n    ✗ the case: got a list, expected a JSON object\n" in bad.stdout.decode()
    same = _policy("diff", str(POLICY_2024), str(P2025), "-", "--format", "json", stdin=SMALL.read_bytes())
    assert same.returncode in (0, 1) and json.loads(same.stdout)["summary"]["cases"] == 1


def test_coverage_counts_the_cases_judged_under_the_covered_policy(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    named_2025 = [p for p in EXAMPLES.glob("*.json") if list(json.loads(p.read_text(encoding="utf-8")).get("expected") or {}) == ["2025"]]
    lines = run("test", "--lang", "en", "examples", "--coverage").stdout.splitlines()
    assert lines[2].startswith(f"coverage by {len(list(EXAMPLES.glob('*.json'))) - len(named_2025)} cases: ")
    assert named_2025  # judged under 2025, not counted in 2024's coverage
