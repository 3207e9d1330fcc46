"""Compile time against policy size (issue 26, fault 10): a policy of N rules (each a condition on
an input, all required by one frame) at 1,000, 10,000 and 100,000 rules; `policy check` and a cold
`policy eval` (the compiled-policy cache off) each in a new process, timed from start to exit, with
the process's peak memory. Time per 1,000 rules stays flat when compiling is linear. Prints figures;
asserts nothing about speed. Replaces this script's section of benchmarks/RESULTS.md unless
--no-write is given.

    python benchmarks/compile.py [N ...] [--no-write]"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import results  # noqa: E402

HEAD = 'programme "Benchmark"\n  year 2024\n  source doc "D"\ninput 申請者:\n  従業員数: 人\n'


def write_policy(folder: Path, n: int) -> int:
    rules = "".join(f'rule R{i} "r{i}":\n  source doc\n  従業員数 ≤ {i}人\n' for i in range(n))
    frame = 'frame F "f":\n  source doc\n  requires ' + ", ".join(f"R{i}" for i in range(n))
    frame += '\n  amount A "a":\n    on 100万円\n    rate 1/2\n    round down\n'
    text = HEAD + rules + frame
    folder.mkdir(parents=True)
    (folder / "policy.rules").write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def timed(args: list[str]) -> tuple[float, float, int]:
    """Seconds from start to exit, peak resident memory (MiB) and the exit code of one new process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "POLICY_CACHE": "off"})
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with results.record("compile.py", "Compile time against policy size (benchmarks/compile.py)", write=not args.no_write):
        print("One policy of N rules (`rule Ri: 従業員数 ≤ i人`, all required by one frame); each command a new process, "
              "the compiled-policy cache off; s / 1,000 rules stays flat when the time is linear in the size.")
        print("")
        print("| rules | policy.rules | `policy check` | s / 1,000 rules | peak memory | cold `policy eval` | s / 1,000 rules | peak memory |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case.json"
            case.write_text(json.dumps({"申請者": {"従業員数": 3}}, ensure_ascii=False), encoding="utf-8")
            for n in args.sizes:
                folder = Path(tmp) / f"p{n}"
                size = write_policy(folder, n)
                check, check_mem, rc = timed(["check", "--policy", str(folder)])
                assert rc == 0, f"policy check failed at {n} rules"
                run, run_mem, rc = timed(["eval", str(case), "--policy", str(folder), "--format", "json"])
                assert rc in (0, 1), f"policy eval failed at {n} rules"
                print(f"| {n:,} | {size / 2**20:.1f} MiB | {check:.1f} s | {check / n * 1000:.2f} | {check_mem:,.0f} MiB "
                      f"| {run:.1f} s | {run / n * 1000:.2f} | {run_mem:,.0f} MiB |")


if __name__ == "__main__":
    main()
