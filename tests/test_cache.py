"""The compiled-policy cache: used when fresh, rebuilt when stale, corrupt or foreign; no pickle."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import pytest

from conftest import ROOT
from engine.compile import cache
from engine.evaluate.fast import FastPolicy
from engine.compile.pipeline import load_policy


@pytest.fixture
def cached(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_CACHE", "on")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    policy_dir = tmp_path / "2024"
    shutil.copytree(ROOT / "policies" / "2024", policy_dir)
    return policy_dir


def entries():
    return sorted(cache.folder().glob("*.json"))


def test_second_load_comes_from_the_cache_and_equals_the_compiled_tree(cached):
    fresh = load_policy(cached)
    assert fresh.warnings == () and len(entries()) == 1
    again = load_policy(cached)
    assert again.sources == {}  # nothing was parsed
    assert cache.encode(again.policy) == cache.encode(fresh.policy)
    FastPolicy(again.policy)  # and it compiles to the fast form


def test_a_changed_policy_file_makes_a_new_key(cached):
    load_policy(cached)
    key = cache.key(cached)
    path = cached / "frame_security.rules"
    path.write_text(path.read_text(encoding="utf-8").replace("at most 100万円", "at most 120万円"), encoding="utf-8")
    assert cache.key(cached) != key
    policy = load_policy(cached).policy
    part = next(f for f in policy.frames if f.name == "セキュリティ対策推進枠").amount.parts[0]
    assert part.caps[0].limit.value == 1_200_000


def test_the_same_files_elsewhere_have_the_same_key(cached, tmp_path):
    """The key is also the content hash `policy serve` reports and logs: the same policy files give
    the same hash wherever they are installed, and share one compiled entry (which names files
    relative to the policy's folder, so it is the same policy there too)."""
    load_policy(cached)
    elsewhere = tmp_path / "elsewhere" / "deeper" / "2024"
    shutil.copytree(cached, elsewhere)
    assert cache.key(elsewhere) == cache.key(cached)
    assert cache.encode(load_policy(elsewhere).policy) == cache.encode(load_policy(elsewhere, use_cache=False).policy)
    assert len(entries()) == 1


@pytest.mark.parametrize("damage", ["truncate", "checksum", "foreign-class", "other-key"])
def test_a_corrupt_or_foreign_entry_is_never_used(cached, damage):
    policy = load_policy(cached).policy
    entry = entries()[0]
    data = json.loads(entry.read_text(encoding="utf-8"))
    if damage == "truncate":
        entry.write_text(entry.read_text(encoding="utf-8")[:500], encoding="utf-8")
    elif damage == "checksum":
        data["policy"]["year"] = 1999
        entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    elif damage == "foreign-class":
        data["policy"]["$"] = "os.system"
        entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        data["key"] = "0" * 64
        entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cache.load(entry.stem) is None
    reloaded = load_policy(cached)
    assert reloaded.sources  # rebuilt from the files
    assert cache.encode(reloaded.policy) == cache.encode(policy)
    assert cache.load(entry.stem) is not None  # and the entry was replaced by a good one


def test_concurrent_writers_leave_one_whole_entry(cached):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2) as pool:
        years = list(pool.map(_load_year, [str(cached)] * 4))
    assert years == [2024] * 4
    assert len(entries()) == 1 and cache.load(entries()[0].stem) is not None
    assert not list(cache.folder().glob(".tmp-*"))


def _load_year(folder: str) -> int:
    return load_policy(folder).policy.year


def test_an_included_file_of_any_name_is_part_of_the_key(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_CACHE", "on")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "policy.rules").write_text('programme "T"\n  year 2024\n  source doc "D"\ninput 申請者:\n  従業員数: 人\n'
                                         'include "frame.inc"\n', encoding="utf-8")
    (folder / "frame.inc").write_text('frame F "f":\n  source doc\n  amount A "a":\n    on 10万円\n    rate 1/2\n    round down\n',
                                      encoding="utf-8")
    assert load_policy(folder).policy.frames[0].amount.parts[0].bands[0].rate.value == Fraction(1, 2)
    (folder / "frame.inc").write_text((folder / "frame.inc").read_text(encoding="utf-8").replace("1/2", "1/4"), encoding="utf-8")
    assert load_policy(folder).policy.frames[0].amount.parts[0].bands[0].rate.value == Fraction(1, 4)
