"""Issue 26: `policy population --engine spark` interrupted ends as a DuckDB run does. Ctrl-C is exit
130 and SIGTERM 143 with one line saying the output was not written. Nothing else is printed (Py4J
used to log a Python traceback for the call the signal broke, and the cancelled tasks printed Java
stack traces). No process is left running: a Ctrl-C while Spark was starting left its JVM behind.
Needs Java, as tests/test_sql_spark.py does."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, POLICY_2024, ROOT

pytestmark = pytest.mark.skipif(not (shutil.which("java") or os.environ.get("JAVA_HOME")) and not os.environ.get("CI"),
                                reason="Spark needs Java: install Debian's default-jre-headless (or set JAVA_HOME)")


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    pytest.importorskip("pyspark")
    from engine.compile.pipeline import load_policy
    from engine.population.run import cases_to_parquet

    folder = tmp_path_factory.mktemp("cases")
    seed = {k: v for k, v in json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8")).items()
            if k not in ("description", "expected")}
    lines = [json.dumps({**seed, "経費": [{**seed["経費"][0], "金額": 1000 * k}]}, ensure_ascii=False) for k in range(1, 2001)]
    (folder / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases_to_parquet(folder / "cases.jsonl", [load_policy(POLICY_2024).policy], folder / "cases.parquet")
    return folder / "cases.parquet"


def _session(session: int) -> list[str]:
    return subprocess.run(["pgrep", "-s", str(session)], capture_output=True, text=True).stdout.split()


def _left_running(session: int) -> list[str]:
    """The processes still in the run's session (its JVM, Python workers) a while after it ended."""
    for _ in range(60):
        left = _session(session)
        if not left:
            return []
        time.sleep(0.5)
    for pid in left:  # not left for the next test
        os.kill(int(pid), signal.SIGKILL)
    return left


@pytest.mark.parametrize("when, sig, code", [("starting", signal.SIGINT, 130), ("querying", signal.SIGINT, 130),
                                             ("querying", signal.SIGTERM, 143)])
def test_an_interrupted_spark_run_says_one_line_and_leaves_nothing_running(cases, tmp_path, when, sig, code):
    out = tmp_path / "decisions.parquet"
    log = tmp_path / "stderr.txt"
    env = {**os.environ, "POLICY_CACHE": "off", "SPARK_DRIVER_MEMORY": "1g"}
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "population", "--lang", "en", str(cases), "-o", str(out), "--engine", "spark",
                                 "--policy", str(POLICY_2024)], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=env, start_new_session=True)
        try:
            if when == "starting":  # Spark's launcher has started (a process beside ours): the JVM is on its way
                deadline = time.monotonic() + 120
                while len(_session(proc.pid)) < 2 and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(1)
            else:  # the session is up (Spark has said how it logs): the checks and the query run
                deadline = time.monotonic() + 180
                while "Setting default log level" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(8)
            if proc.poll() is not None:
                pytest.skip(f"the run ended before it could be interrupted {when}")
            proc.send_signal(sig)
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    stderr = log.read_text(encoding="utf-8")
    if proc.returncode == 0:
        pytest.skip("the run ended before the signal was handled")
    assert proc.returncode == code, stderr
    assert stderr.endswith(f"interrupted; {out} was not written (an existing file is left as it was)\n"), stderr
    assert "Traceback" not in stderr and "ERROR" not in stderr, stderr
    assert not [line for line in stderr.splitlines() if line.lstrip().startswith("at ")], stderr  # no Java stack trace
    assert not out.exists() and not [p.name for p in tmp_path.iterdir() if p.name.startswith(".decisions")]
    assert _left_running(proc.pid) == []
