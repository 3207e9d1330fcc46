"""Every definition in policies/ cites its source; inferred rules say so in their citation."""

from __future__ import annotations

import pytest

from conftest import ROOT
from engine.compile.pipeline import load_policy

YEARS = sorted(p for p in (ROOT / "policies").iterdir() if (p / "policy.rules").exists())


@pytest.mark.parametrize("folder", YEARS, ids=[p.name for p in YEARS])
def test_every_definition_cites_a_source(folder):
    policy = load_policy(folder).policy
    uncited = [name for name, d in policy.definitions.items() if d.cite is None]
    uncited += [name for name, t in policy.tables.items() if t.cite is None]
    uncited += [f.name for f in policy.frames if f.cite is None]
    assert uncited == []
    declared = {key for key, _ in policy.sources} | {"inferred"}
    assert {d.cite.key for d in policy.definitions.values()} <= declared


def test_inferred_rules_of_2024_are_named_rules():
    policy = load_policy(ROOT / "policies" / "2024").policy
    inferred = sorted(name for name, d in policy.definitions.items() if d.cite.key == "inferred")
    # rules-2024.md §7 C-7: 2024's proration of 電子取引類型 (none) is a named inferred value; §7 C-10: 中小企業等
    # (a みなし大企業 is その他 in 電子取引類型) is now cited from kitei_denshi 別紙1 三
    assert inferred == ["ソフトウェア業の小規模事業者判定", "旅館業の小規模事業者判定", "電子取引の按分割合"]
    caps = [c for f in policy.frames for a in f.amount.parts for c in a.caps if c.cite and c.cite.key == "inferred"]
    assert [(c.limit.value, c.condition.name) for c in caps] == [(1_499_999, "補助額150万円以上の要件")]
