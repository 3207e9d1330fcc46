"""A policy that extends another: override, amend, remove, and the errors an author can make."""

from __future__ import annotations

import textwrap

import pytest

from conftest import ROOT
from engine.evaluate.case import read_case
from engine.language.diagnostics import PolicyError
from engine.evaluate.evaluator import evaluate
from engine.compile.pipeline import load_policy

BASE = """\
programme "Base"
  year 2024
  in force 2024-01-01 .. 2024-12-31
  source doc "Base doc"

enum 業種:
  製造業
  小売業

input 申請者:
  業種: 業種
  従業員数: 人
  小規模: bool, default false

table 上限 by 業種:
  source doc
  | 業種 | 従業員上限 |
  | 製造業 | 300人 |
  | 小売業 | 50人 |

rule 中小企業 "中小企業":
  source doc
  従業員数 ≤ 上限.従業員上限

frame F "枠F":
  source doc
  requires 中小企業
  amount A "A":
    on 100万円
    rate 1/2
    round down
    at most 40万円
  amount B "B":
    on 10万円
    rate 1/2
    round down

frame G "枠G":
  source doc
  amount A "A":
    on 10万円
    rate 1/2
    round down
"""


@pytest.fixture
def folders(tmp_path):
    base = tmp_path / "2024"
    base.mkdir()
    (base / "policy.rules").write_text(BASE, encoding="utf-8")
    derived = tmp_path / "2025"
    derived.mkdir()

    def write(text: str):
        (derived / "policy.rules").write_text('extends "../2024"\n' + textwrap.dedent(text), encoding="utf-8")
        return derived

    return write


def run(policy, **applicant):
    applicant = {"業種": "製造業", "従業員数": 10, **applicant}
    return {f.name: f for f in evaluate(policy, read_case(policy, {"申請者": applicant})).frames}


def test_amend_changes_only_what_it_states(folders):
    policy = load_policy(folders("""
        programme "Next"
          year 2025
          source doc2 "Next doc"
        amend frame F "枠F（改）":
          amount A:
            rate 2/3 if 小規模 else 1/2
            at most 50万円
          remove amount B
        amend table 上限:
          | 業種 | 従業員上限 |
          | 小売業 | 100人 |
        remove frame G
    """)).policy
    assert (policy.programme, policy.year, policy.in_force[0].year) == ("Next", 2025, 2024)
    assert policy.sources == (("doc", "Base doc"), ("doc2", "Next doc"))
    frames = run(policy, 小規模=True)
    assert list(frames) == ["F"]
    f = frames["F"]
    assert f.label.ja == "枠F（改）"
    assert [p.name for p in f.amount.parts] == ["A"]
    assert (f.amount.parts[0].before_caps, f.subsidy) == (666_666, 500_000)
    assert run(policy, 業種="小売業", 従業員数=100)["F"].status == "eligible"
    assert policy.frames[0].amount.parts[0].origin.file == "../2024/policy.rules"


def test_override_replaces_whole_and_new_definitions_add(folders):
    policy = load_policy(folders("""
        override rule 中小企業 "中小企業（新）":
          source doc
          従業員数 ≤ 5人
        rule 新ルール "新":
          source doc
          小規模
    """)).policy
    assert policy.definitions["中小企業"].label.ja == "中小企業（新）"
    assert run(policy)["F"].status == "not_eligible"
    assert "新ルール" in policy.definitions


@pytest.mark.parametrize(
    "text, message",
    [
        ("override rule 中小企: \n  source doc\n  true\n", "override rule 中小企: ../2024 has no rule 中小企"),
        ("remove frame H\n", "remove frame H: ../2024 has no frame H"),
        ("amend frame F:\n  remove amount C\n", "remove amount C: frame F has no amount C"),
        ('rule 中小企業 "x":\n  source doc\n  true\n',
         "rule 中小企業 is already defined in ../2024 (at {base}:21:6); write `override rule …` or `amend rule …`"),
        ("amend table 上限:\n  | 業種 | 上限 |\n  | 製造業 | 3人 |\n", "amend table 上限: the columns must be those of ../2024: 従業員上限"),
    ],
)
def test_inheritance_errors(folders, tmp_path, text, message):
    with pytest.raises(PolicyError) as exc:
        load_policy(folders(text))
    base_file = str((tmp_path / "2024" / "policy.rules"))
    assert [d.message for d in exc.value.diagnostics] == [message.format(base=base_file)]


def test_override_without_extends_is_an_error(write_policy):
    folder = write_policy('override rule X "x":\n  source doc\n  true\n')
    with pytest.raises(PolicyError) as exc:
        load_policy(folder)
    assert exc.value.diagnostics[0].message == "`override` changes a base policy, but this policy does not `extends` one"


def test_extends_cycle(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "policy.rules").write_text('extends "../y"\n', encoding="utf-8")
    (tmp_path / "y" / "policy.rules").write_text('extends "../x"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="extends cycle"):
        load_policy(tmp_path / "x")


def test_neighbouring_years_are_small_changes():
    """2025 and 2023 state only what changed: a few dozen lines against 2024's hundreds."""
    size = {year: sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "policies" / year).glob("*.rules"))
            for year in ("2023", "2024", "2025")}
    assert size["2025"] < size["2024"] / 3 and size["2023"] < size["2024"] / 3
