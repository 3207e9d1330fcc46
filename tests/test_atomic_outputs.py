"""Issue 26, atomic outputs everywhere: the `population --compare` report, the `explain -o` page and
the `doc -o` document are written to a temporary file beside the output and renamed over it only
when whole. A write that fails midway (here: the process's file size limit, as a full disk would)
leaves the previous file as it was and no temporary behind, and says so (exit 2); it used to leave
the first bytes of the new one in place of the old."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, POLICY_2024, ROOT

SMALL = EXAMPLES / "seed_invoice_small_1m.json"
PREVIOUS = "the previous output\n"


def _with_file_size_limit(limit: int):
    def limit_writes():  # past the limit write(2) fails with EFBIG instead of the process being killed
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_writes


def _policy(*args: str, limit: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "POLICY_CACHE": "off"}, preexec_fn=_with_file_size_limit(limit))


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}"))


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    pytest.importorskip("duckdb")
    from engine.compile.pipeline import load_policy
    from engine.population.run import cases_to_parquet

    folder = tmp_path_factory.mktemp("cases")
    seed = {k: v for k, v in json.loads(SMALL.read_text(encoding="utf-8")).items() if k not in ("description", "expected")}
    lines = [json.dumps({**seed, "経費": [{**seed["経費"][0], "金額": 50_000 * k}]}, ensure_ascii=False) for k in range(1, 40)]
    (folder / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases_to_parquet(folder / "cases.jsonl", [load_policy(POLICY_2024).policy], folder / "cases.parquet")
    return folder / "cases.parquet"


def test_a_compare_report_cut_short_leaves_the_previous_report(cases, tmp_path):
    out = tmp_path / "report.html"  # about 11 KB
    out.write_text(PREVIOUS, encoding="utf-8")
    run = _policy("population", "--lang", "en", "--compare", str(POLICY_2024), str(POLICY_2024), str(cases), "-o", str(out), limit=4096)
    assert (run.returncode, run.stderr) == (2, f"cannot write {out}: File too large\n")
    assert out.read_text(encoding="utf-8") == PREVIOUS and _leftovers(out) == []
    run = _policy("population", "--compare", str(POLICY_2024), str(POLICY_2024), str(cases), "-o", str(out), limit=1 << 30)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and _leftovers(out) == []


@pytest.mark.parametrize("command", [["explain", str(SMALL), "--lang", "en"], ["doc", "--policy", str(POLICY_2024), "--lang", "en"]],
                         ids=["explain", "doc"])
def test_a_page_cut_short_leaves_the_previous_page(command, tmp_path):
    out = tmp_path / "page.html"  # the explanation page is about 31 KB; the policy document larger
    out.write_text(PREVIOUS, encoding="utf-8")
    run = _policy(*command, "-o", str(out), limit=8192)
    assert (run.returncode, run.stderr) == (2, f"cannot write {out}: File too large\n")
    assert out.read_text(encoding="utf-8") == PREVIOUS and _leftovers(out) == []
    run = _policy(*command, "-o", str(out), limit=1 << 30)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8").lower().startswith("<!doctype html>") and _leftovers(out) == []
