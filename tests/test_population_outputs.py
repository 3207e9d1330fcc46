"""`policy population` never leaves a half-written output and never calls bad input or an
interruption a bug (issue 26, fault 9): damaged Parquet is a bad case file (exit 3, was 70), Ctrl-C
is exit 130 (was 70) and SIGTERM 143, and in every one of these the output is either the previous
file untouched or absent; a temporary file beside it is removed."""

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

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

from conftest import EXAMPLES, POLICY_2024, ROOT  # noqa: E402
from engine.compile.pipeline import load_policy  # noqa: E402
from engine.population.run import cases_to_parquet  # noqa: E402


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    """2,000,000 cases in the case-table layout (one example's 2,000 variants, repeated with new ids)."""
    folder = tmp_path_factory.mktemp("population")
    seed = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    seed = {k: v for k, v in seed.items() if k not in ("description", "expected")}
    rng = random.Random(7)
    lines = []
    for _ in range(2000):
        seed["経費"][0]["金額"] = rng.randrange(50_000, 4_000_000)
        lines.append(json.dumps(seed, ensure_ascii=False))
    (folder / "small.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases_to_parquet(folder / "small.jsonl", [load_policy(POLICY_2024).policy], folder / "small.parquet")
    table = pq.read_table(folder / "small.parquet")
    ids = table.column("id").to_pylist()
    parts = [table.set_column(0, "id", pa.array([i + k * len(ids) for i in ids], table.schema.field("id").type)) for k in range(1000)]
    pq.write_table(pa.concat_tables(parts), folder / "cases.parquet")
    return folder / "cases.parquet"


def _population(cases: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "population", str(cases), "-o", str(out), "--policy", str(POLICY_2024)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "POLICY_CACHE": "off"})


def _leftovers(folder: Path, out: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((f".{out.name}", f"tmp_{out.name}")))


@pytest.mark.parametrize("damage_seed", [0, 1, 2, 3])
@pytest.mark.parametrize("which", ["small.parquet", "cases.parquet"])
def test_damaged_parquet_is_a_bad_case_file_and_writes_nothing(cases, tmp_path, damage_seed, which):
    data = bytearray((cases.parent / which).read_bytes())
    rng = random.Random(damage_seed)
    for _ in range(40):
        data[rng.randrange(len(data) // 4, len(data) * 3 // 4)] ^= 0xFF
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    out = tmp_path / "decisions.parquet"
    done = _population(bad, out)
    _, stderr = done.communicate(timeout=300)
    if done.returncode == 0:  # this damage decoded (a flipped value in a column's data): nothing to refuse
        return
    assert done.returncode == 3, stderr
    assert "Parquet" in stderr and "internal error" not in stderr  # the footer (pyarrow) or a page (DuckDB) is damaged
    assert not out.exists() and not _leftovers(tmp_path, out)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("existing", [False, True])
def test_an_interrupted_population_leaves_the_old_output_or_none(cases, tmp_path, sig, code, existing):
    out = tmp_path / "decisions.parquet"
    if existing:
        out.write_bytes(b"the previous output")
    proc = _population(cases, out)
    time.sleep(4)  # past start-up and the checks: into the query that writes the output
    if proc.poll() is not None:
        pytest.skip("the run ended before it could be interrupted")
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 0 or "decided " in stderr:  # finished (output renamed into place) before the signal came
        assert pq.read_metadata(out).num_rows == 2_000_000 and not _leftovers(tmp_path, out)
        pytest.skip("the run ended before the signal was handled")
    assert proc.returncode == code, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    # atomic: the old output (or none), or — when the signal came in the instant after the rename — the whole new one
    if out.exists() and out.read_bytes() != b"the previous output":
        assert pq.read_metadata(out).num_rows == 2_000_000
    else:
        assert (out.read_bytes() == b"the previous output") if existing else not out.exists()
    assert not _leftovers(tmp_path, out)


def test_a_finished_population_replaces_the_output_whole(cases, tmp_path):
    out = tmp_path / "decisions.parquet"
    out.write_bytes(b"the previous output")
    done = _population(cases.parent / "small.parquet", out)
    _, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    assert pq.read_table(out).num_rows == 2000
    assert not _leftovers(tmp_path, out)
