"""policy fmt: canonical layout, comments kept, idempotent, meaning unchanged; --check for CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from engine.language.fmt import format_file_text, format_text

MESSY = '''# header comment
programme "T"
    year 2024
    source doc "D"
input 申請者:
    業種: 業種   # trailing comment
    資本金: 円, optional
  # comment before a rule, oddly indented
rule R "r":
    source doc
    資本金<=50000000円 and 資本金>=1000000
table T by 業種:
    source doc
    | 業種 | 上限 |
    | 製造業 | 3000人 |
    | 小売業|50人|


frame F "f":
    source doc
    amount A "a":
        on 5000万円*1/2
        rate 1/2
        round down
'''

TIDY = '''# header comment
programme "T"
  year 2024
  source doc "D"

input 申請者:
  業種: 業種  # trailing comment
  資本金: 円, optional

# comment before a rule, oddly indented
rule R "r":
  source doc
  資本金 ≤ 50,000,000円 and 資本金 ≥ 1,000,000

table T by 業種:
  source doc
  | 業種   | 上限    |
  | 製造業 | 3,000人 |
  | 小売業 | 50人    |

frame F "f":
  source doc
  amount A "a":
    on 5,000万円 × 1/2
    rate 1/2
    round down
'''


def test_canonical_layout_keeps_comments():
    assert format_file_text(MESSY, "x.rules") == TIDY


def test_idempotent():
    assert format_text(TIDY) == TIDY


@pytest.mark.parametrize("path", sorted((ROOT / "policies").rglob("*.rules")), ids=lambda p: str(p.relative_to(ROOT)))
def test_policies_are_formatted(path):
    text = path.read_text(encoding="utf-8")
    assert format_file_text(text, str(path)) == text


def test_fmt_check_and_write(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.rules").write_text(MESSY, encoding="utf-8")
    Path("b.rules").write_text(TIDY, encoding="utf-8")
    result = run("fmt", "--lang", "en", "--check", "a.rules", "b.rules")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "would reformat a.rules\n", "2 file(s), 1 to reformat\n")
    assert Path("a.rules").read_text(encoding="utf-8") == MESSY
    result = run("fmt", "--lang", "en", "a.rules", "b.rules")
    assert (result.exit_code, result.stdout) == (0, "reformatted a.rules\n")
    assert Path("a.rules").read_text(encoding="utf-8") == TIDY
    assert run("fmt", "--lang", "en", "--check", ".").exit_code == 0


def test_fmt_reports_a_file_it_cannot_read(run, tmp_path, monkeypatch):
    """A file with a syntax error is shown with its error, and counted apart: the summary must not
    read like success."""
    monkeypatch.chdir(tmp_path)
    Path("a.rules").write_text(TIDY, encoding="utf-8")
    Path("b.rules").write_text('rule R "r:\n', encoding="utf-8")
    result = run("fmt", "--lang", "en", "--check", ".")
    assert result.exit_code == 4 and result.stdout == ""
    assert result.stderr.startswith('b.rules:1:8: error: syntax error: this quoted text is never closed')
    assert result.stderr.endswith("2 file(s), 0 to reformat, 1 not formatted: fix the error(s) above\n")


def test_fmt_reads_a_byte_order_mark_as_the_loader_does_and_skips_a_folder_named_rules(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.rules").write_text("\ufeff" + TIDY, encoding="utf-8")
    Path("sub.rules").mkdir()
    result = run("fmt", "--lang", "en", "--check", ".")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 file(s), 0 to reformat\n")
    result = run("fmt", "--lang", "en", "--check", ".", "a.rules", "./a.rules")  # one file, however often it is named
    assert (result.exit_code, result.stderr) == (0, "1 file(s), 0 to reformat\n")


def test_fmt_check_of_the_repository_policies(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("fmt", "--lang", "en", "--check", "policies")
    assert result.exit_code == 0 and result.stdout == ""


def test_digits_inside_names_and_parentheses_inside_labels_are_left_alone():
    text = 'rule 要件2024 "(a 要件":\n  source doc\n  従業員数 ≤ 3000人\n'
    assert format_text(text) == 'rule 要件2024 "(a 要件":\n  source doc\n  従業員数 ≤ 3,000人\n'
    assert format_text("  on 1億5000万円\n") == "  on 1億5,000万円\n"


def test_fmt_refuses_a_layout_that_would_change_the_meaning_in_the_commands_language(run, tmp_path, monkeypatch):
    """fmt re-parses what it wrote and compares meanings; if they differ (a bug in fmt) it leaves the
    file as it is and says so in --lang. The bug is simulated by a comparison that always differs."""
    from engine.language import fmt

    meanings = iter(range(1000))
    monkeypatch.setattr(fmt, "_meaning", lambda module: next(meanings))
    monkeypatch.chdir(tmp_path)
    Path("a.rules").write_text(MESSY, encoding="utf-8")
    for lang, said in (("en", "fmt would change the meaning of a.rules; left as it is"),
                       ("ja", "a.rules は、整形すると意味が変わってしまうため、そのままにしました（fmt の不具合です）")):
        result = run("fmt", "--lang", lang, "a.rules")
        assert result.exit_code == 4
        assert result.stderr.splitlines()[0] == said
    assert Path("a.rules").read_text(encoding="utf-8") == MESSY
