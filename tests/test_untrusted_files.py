"""Files the engine did not write are not trusted: a compiled-policy cache entry someone else wrote
or changed is never used (issue 26, fault 1), a damaged entry is rebuilt without a crash or a hang
(fault 11), every file the policy loader opens is a regular file inside its policy's folder, of a
bounded size (fault 8), and a reload of the service never wedges on such a file (fault 5)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import ROOT
from engine.compile import cache
from engine.compile.pipeline import load_policy

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(os, "getuid"), reason="FIFOs and file owners are POSIX")


@pytest.fixture
def cached(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_CACHE", "on")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    policy_dir = tmp_path / "2024"
    shutil.copytree(ROOT / "policies" / "2024", policy_dir)
    return policy_dir


def _entry() -> Path:
    (entry,) = cache.folder().glob("*.json")
    return entry


def _fractions(policy) -> set:
    found, todo = set(), [cache.encode(policy)]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            if "$F" in value:
                found.add(Fraction(*value["$F"]))
            todo += list(value.values())
        elif isinstance(value, list):
            todo += value
    return found


# ---------------------------------------------------------------- fault 1: tampered entries


def test_a_tampered_cache_entry_never_decides_even_with_its_checksum_recomputed(cached):
    """Whoever can write the cache folder but not read the user's secret cannot change a decision:
    a rate 1/2 made 9/10, with the entry's checksum recomputed as anyone can, is not used."""
    fresh = load_policy(cached, use_cache=False).policy
    load_policy(cached)
    entry = _entry()
    data = json.loads(entry.read_text(encoding="utf-8"))
    text = json.dumps(data["policy"], ensure_ascii=False).replace('{"$F": [1, 2]}', '{"$F": [9, 10]}')
    assert text != json.dumps(data["policy"], ensure_ascii=False)
    data["policy"] = json.loads(text)
    payload = json.dumps(data["policy"], ensure_ascii=False, sort_keys=True)
    for field in ("checksum", "mac"):  # all a forger can compute: a plain hash of the payload
        data[field] = hashlib.sha256(payload.encode()).hexdigest()
    entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cache.load(entry.stem) is None
    used = load_policy(cached).policy
    assert Fraction(9, 10) not in _fractions(used)
    assert cache.encode(used) == cache.encode(fresh)


@posix_only
def test_a_cache_folder_others_can_write_is_not_used(cached):
    load_policy(cached)
    entry = _entry()
    assert cache.load(entry.stem) is not None
    os.chmod(cache.folder(), 0o777)
    try:
        assert cache.load(entry.stem) is None
        assert load_policy(cached).sources  # compiled from its files
    finally:
        os.chmod(cache.folder(), 0o700)


@posix_only
def test_the_cache_secret_is_the_users_alone(cached):
    load_policy(cached)
    secret = cache.folder() / ".secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    entry = _entry()
    os.chmod(secret, 0o644)  # someone else may have read it: entries made with it are not trusted
    assert cache.load(entry.stem) is None
    os.chmod(secret, 0o600)
    assert cache.load(entry.stem) is not None


# ---------------------------------------------------------------- fault 11: damaged entries


def _load_in_a_child(env: dict, key: str) -> subprocess.CompletedProcess:
    """cache.load in a new process, bounded in time and memory (a hang or an endless read fails the test)."""
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        from engine.compile import cache
        print(cache.load({key!r}) is None)
    """)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@posix_only
@pytest.mark.parametrize("damage", ["zero-denominator", "deep-json", "dev-zero", "fifo"])
def test_a_damaged_cache_entry_is_rebuilt_without_a_crash_or_a_hang(cached, damage):
    load_policy(cached)
    entry = _entry()
    key = entry.stem
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.unlink()
    if damage == "zero-denominator":  # even one that authenticates (a bug in a writer, say) is refused when it decodes
        data["policy"] = json.loads(json.dumps(data["policy"]).replace('{"$F": [1, 2]}', '{"$F": [1, 0]}'))
        secret = (cache.folder() / ".secret").read_bytes()
        payload = json.dumps(data["policy"], ensure_ascii=False, sort_keys=True)
        data["mac"] = cache._mac(secret, key, payload)
        entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    elif damage == "deep-json":
        entry.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    elif damage == "dev-zero":
        entry.symlink_to("/dev/zero")
    else:
        os.mkfifo(entry)
    done = _load_in_a_child(dict(os.environ), key)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    if damage in ("dev-zero", "fifo"):
        entry.unlink()
    assert load_policy(cached).sources  # rebuilt from the files
    assert cache.load(key) is not None


# ---------------------------------------------------------------- fault 8: the loader's files


def _check(folder: Path, **env) -> subprocess.CompletedProcess:
    """`policy check FOLDER` in a new process, bounded in time and memory."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from engine.cli import cli; sys.argv = ['policy', 'check', '--lang', 'en', sys.argv[1]]; cli()")
    return subprocess.run([sys.executable, "-c", code, str(folder)], env={**os.environ, "POLICY_CACHE": "off", **env},
                          capture_output=True, text=True, timeout=60)


POLICY = 'programme "T"\n  year 2024\n  source doc "D"\ninput 申請者:\n  従業員数: 人\n'


@posix_only
@pytest.mark.parametrize("entry", ["outside", "dev-zero", "fifo", "loop"])
def test_policy_rules_must_be_a_regular_file_inside_its_folder(tmp_path, entry):
    folder = tmp_path / "p"
    folder.mkdir()
    rules = folder / "policy.rules"
    if entry == "outside":
        (tmp_path / "elsewhere.rules").write_text(POLICY, encoding="utf-8")
        rules.symlink_to(tmp_path / "elsewhere.rules")
    elif entry == "dev-zero":
        rules.symlink_to("/dev/zero")
    elif entry == "fifo":
        os.mkfifo(rules)
    else:
        rules.symlink_to(rules)
    done = _check(folder)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "policy.rules" in done.stderr


@posix_only
@pytest.mark.parametrize("target", ["fifo", "dev-zero", "loop"])
def test_an_included_file_must_be_a_regular_file(tmp_path, target):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "policy.rules").write_text(POLICY + 'include "more.rules"\n', encoding="utf-8")
    more = folder / "more.rules"
    if target == "fifo":
        os.mkfifo(more)
    elif target == "dev-zero":
        more.symlink_to("/dev/zero")
    else:
        more.symlink_to(more)
    done = _check(folder)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "more.rules" in done.stderr


def test_a_policy_file_larger_than_the_limit_is_refused(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "policy.rules").write_text(POLICY + "# padding\n" * 1000, encoding="utf-8")
    done = _check(folder, POLICY_MAX_FILE_BYTES="4096")
    assert done.returncode == 4, done.stderr
    assert "larger than 4,096 bytes" in done.stderr
    assert _check(folder).returncode == 0


def test_extends_at_a_folder_that_is_not_a_policy_reads_none_of_its_files(tmp_path):
    """The cache key hashes only what the loader could read: a folder `extends` names is hashed only
    when it holds a policy.rules (once, a 1.5 GB folder was read whole before the refusal)."""
    folder, other = tmp_path / "p", tmp_path / "big"
    folder.mkdir()
    other.mkdir()
    (folder / "policy.rules").write_text('programme "T"\n  year 2025\n  source doc "D"\nextends "../big"\n', encoding="utf-8")
    (other / "data.bin").write_bytes(b"x" * 1000)
    key = cache.key(folder)
    (other / "data.bin").write_bytes(b"y" * 1000)
    assert cache.key(folder) == key
    done = _check(folder)
    assert done.returncode == 4 and "is not a policy folder" in done.stderr


# ---------------------------------------------------------------- fault 5: reloads


@posix_only
@pytest.mark.parametrize("trap", ["fifo", "loop"])
def test_a_reload_meeting_a_fifo_or_a_symlink_loop_fails_and_says_so(tmp_path, trap):
    from engine.serve.registry import Registry

    root = tmp_path / "root"
    shutil.copytree(ROOT / "policies" / "2024", root / "2024")
    registry = Registry(root)
    rules = root / "2024" / "policy.rules"
    rules.write_text(rules.read_text(encoding="utf-8") + '\ninclude "trap.rules"\n', encoding="utf-8")
    trapped = root / "2024" / "trap.rules"
    os.mkfifo(trapped) if trap == "fifo" else trapped.symlink_to(trapped)
    import threading

    result = {}
    worker = threading.Thread(target=lambda: result.update(registry.reload()), daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # the FIFO would hold the reload (and its lock) for ever: open it so the thread ends
        with open(trapped, "w"):
            pass
        worker.join(10)
        pytest.fail("the reload hung on the policy folder's FIFO")
    assert result["ok"] is False and "trap.rules" in result["error"]
    assert registry.last_reload["ok"] is False and registry.snapshot.generation == 1
    trapped.unlink()
    rules.write_text(rules.read_text(encoding="utf-8").replace('\ninclude "trap.rules"\n', ""), encoding="utf-8")
    assert registry.reload()["ok"] is True  # and the next reload works


def test_a_policy_with_times_of_day_is_cached_and_comes_back_equal(cached):
    """A round's closing time (17:00) is a datetime.time: the cache holds it (it once raised
    "cannot cache a time", and every command with the cache on failed with exit 70)."""
    import datetime

    rules = cached / "policy.rules"
    policy = load_policy(cached, use_cache=False).policy
    times = [v for v in _walk(cache.encode(policy)) if isinstance(v, dict) and "$T" in v]
    stored = load_policy(cached)
    again = load_policy(cached)
    assert again.sources == {} and cache.encode(again.policy) == cache.encode(stored.policy) == cache.encode(policy)
    assert cache.decode(cache.encode(datetime.time(17, 0))) == datetime.time(17, 0)
    assert rules.exists() and isinstance(times, list)


def _walk(value):
    todo = [value]
    while todo:
        v = todo.pop()
        yield v
        if isinstance(v, dict):
            todo += list(v.values())
        elif isinstance(v, list):
            todo += v
