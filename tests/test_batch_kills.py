"""Killing `policy batch` at any point loses and repeats nothing (issue 26, "Done when"): over a
corpus seeded with hostile records (lone surrogates, newlines and NUL in keys, huge numbers, bad
JSON), for JSON Lines and CSV output and 1 and 2 workers, runs SIGKILLed at random points and then
resumed until they finish leave exactly the output of an uninterrupted run: one record per input,
in order. And a SIGKILL of the main process leaves its workers quiet (fault 15: they printed
BrokenPipeError tracebacks) and gone."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

GOOD = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
GOOD.pop("expected", None)
HOSTILE = ['{"\\ud800": 1}', '{"a\\nb": 1}', '{"k\\u0000": "\\u0000"}', '{"申請者": {"資本金": 1e99999999}}',
           '{"経費": [{"金額": 123456789012345678901234567890}]}', '{not json', '{"\\udfff\\r\\n": {"\\ud83d": 1}}']


def _corpus(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        if rng.random() < 0.2:
            lines.append(rng.choice(HOSTILE))
        else:
            case = json.loads(json.dumps(GOOD))
            case["経費"][0]["金額"] = rng.randrange(50_000, 4_000_000)
            lines.append(json.dumps(case, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _batch(*args, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "batch", *map(str, args)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=stderr, start_new_session=True, env={**os.environ, "POLICY_CACHE": "off"})


def _kill_when(proc: subprocess.Popen, out: Path, size: int, limit: float = 60) -> None:
    """SIGKILL the run once its output holds `size` bytes (or it ends first)."""
    end = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < end:
        if out.exists() and out.stat().st_size >= size:
            break
        time.sleep(0.002)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_kills_at_random_points_then_resume_give_the_uninterrupted_output(tmp_path, suffix, workers):
    source = tmp_path / "in.jsonl"
    _corpus(source, 1500, seed=workers * 10 + len(suffix))
    whole = tmp_path / f"whole.{suffix}"
    assert _batch(source, "-o", whole, "--workers", workers).wait(timeout=300) == 0
    expected = whole.read_bytes()
    records = len(source.read_text(encoding="utf-8").splitlines())
    if suffix == "jsonl":
        assert len(expected.decode("utf-8").splitlines()) == records
        assert [json.loads(line)["line"] for line in expected.decode("utf-8").splitlines()] == list(range(1, records + 1))
    rng = random.Random(len(suffix) * 100 + workers)
    out = tmp_path / f"out.{suffix}"
    first = True
    for _ in range(3):
        proc = _batch(source, "-o", out, "--workers", workers, *([] if first else ["--resume"]))
        first = False
        _kill_when(proc, out, rng.randrange(len(expected) // 10, len(expected)))
    for _ in range(5):  # finish: resume until a run completes
        if _batch(source, "-o", out, "--workers", workers, "--resume").wait(timeout=300) == 0:
            break
    assert out.read_bytes() == expected


def test_a_sigkill_of_the_main_process_leaves_its_workers_quiet_and_gone(tmp_path):
    source = tmp_path / "in.jsonl"
    _corpus(source, 30_000, seed=1)
    out, err = tmp_path / "out.jsonl", tmp_path / "stderr.txt"
    with open(err, "wb") as stderr:
        proc = _batch(source, "-o", out, "--workers", "2", stderr=stderr)
        deadline = time.monotonic() + 60
        while proc.poll() is None and not (out.exists() and out.stat().st_size > 100_000) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the batch ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the main process alone, as the OOM killer would
        proc.wait(timeout=30)
        for _ in range(100):  # its workers follow it
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("the workers outlived the main process by 10 s")
    text = err.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and "BrokenPipeError" not in text, text[-2000:]
