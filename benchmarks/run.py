"""Benchmark: prints a table of figures (not a test). Run: python benchmarks/run.py [--full] [--no-write]

Every engine is first checked to give the same decisions as ours on every generated case; then
each figure stands beside the hand-written plain-Python function (the practical limit) as a
ratio. `--full` runs the 1,000,000-record batch for peak memory (a few minutes); the default
measures memory at 10,000 and 40,000 records to show it does not grow with the input. The table also
replaces this script's section of benchmarks/RESULTS.md (with the date, machine and versions),
unless --no-write is given."""

from __future__ import annotations

import gc
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine.evaluate.case import field_names, read_case, read_case_file  # noqa: E402
from engine.authoring.corpus import generate  # noqa: E402
from engine.evaluate.evaluator import evaluate  # noqa: E402
from engine.evaluate.fast import FastPolicy, fast_for, summary  # noqa: E402
from engine.explain.counterfactual import what_if  # noqa: E402
from engine.compile.pipeline import load_policy  # noqa: E402
from engine.language.diagnostics import CaseError  # noqa: E402

import handwritten  # noqa: E402
import peers  # noqa: E402
import results  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def row(what: str, ours: str, limit: str = "", ratio: str = "") -> None:
    ROWS.append((what, ours, limit, ratio))
    print(f"  {what}: {ours} {('| hand-written ' + limit) if limit else ''} {('| ' + ratio) if ratio else ''}", file=sys.stderr)


def per_call(fn, items, repeat: int = 3) -> float:
    """Best of `repeat` runs, in µs per item. Each run starts from a collected heap: the collector
    stays on (its work is part of a case's cost), but not walking what earlier figures left alive."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1e6


def run_cli(*args, env=None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env)
    return time.perf_counter() - start, done


CPU_PROBE = """
import atexit, resource, sys
def report():
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU {own.ru_utime + own.ru_stime} {workers.ru_utime + workers.ru_stime}", file=sys.stderr)
atexit.register(report)
sys.argv = ["policy"] + sys.argv[1:]
from engine.cli import cli
cli()
"""


def batch_cpu(*args, env=None) -> tuple[float, float]:
    """CPU seconds of `policy batch` ARGS: (its main process, its workers). On a machine shared with
    other work the wall clock says little about two workers; the CPU they need says how they scale."""
    done = subprocess.run([sys.executable, "-c", CPU_PROBE, "batch", *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("CPU "))
    own, workers = map(float, line.split()[1:])
    return own, workers


def _trace_counts(decisions, rendered) -> tuple[float, float]:
    """Per case: the distinct trace steps a decision holds, and the JSON objects its text writes."""
    from engine.evaluate.decision import Trace

    def steps(obj, seen):
        if isinstance(obj, Trace):
            if id(obj) not in seen:
                seen.add(id(obj))
                for child in obj.children:
                    steps(child, seen)
        elif isinstance(obj, tuple):
            for x in obj:
                steps(x, seen)
        elif hasattr(type(obj), "__attrs_attrs__"):
            for f in type(obj).__attrs_attrs__:
                steps(getattr(obj, f.name), seen)

    def objects(data) -> int:
        if isinstance(data, dict):
            return 1 + sum(objects(v) for v in data.values())
        return sum(objects(v) for v in data) if isinstance(data, list) else 0

    made = 0
    for d in decisions:
        seen: set = set()
        steps(d, seen)
        made += len(seen)
    return made / len(decisions), sum(objects(r) for r in rendered) / len(rendered)


def columnar_batch(env: dict, n: int) -> None:
    """`policy batch --engine sql` against `--engine rows` on n synthetic firms (`policy synth`, 2024
    fields only) as JSON Lines, and `policy population` on the same firms as Parquet: byte equality
    of the two batch outputs first, then each one's rate (wall clock, start-up included) and the CPU
    each process took (on a shared machine the wall clock of a multi-threaded DuckDB says little)."""

    def timed(*args) -> tuple[float, float, subprocess.CompletedProcess]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, done = run_cli(*args, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        policy_dir = ROOT / "policies" / "2024"
        for suffix in ("jsonl", "parquet"):
            done = subprocess.run([sys.executable, "-m", "engine.cli", "synth", "--policy", policy_dir, "--n", str(n), "--seed", "7",
                                   "-o", tmp / f"firms.{suffix}"], capture_output=True, text=True, cwd=ROOT, env=env)
            assert done.returncode == 0, done.stderr
        seconds, cpu = {}, {}
        for engine in ("sql", "rows"):
            seconds[engine], cpu[engine], done = timed("batch", tmp / "firms.jsonl", "-o", tmp / f"{engine}.jsonl", "--policy", policy_dir,
                                                       "--engine", engine)
            assert done.returncode == 0, done.stderr
        same = (tmp / "sql.jsonl").read_bytes() == (tmp / "rows.jsonl").read_bytes()
        population_s, population_cpu, done = timed("population", tmp / "firms.parquet", "-o", tmp / "decisions.parquet", "--policy", policy_dir)
        assert done.returncode == 0, done.stderr
        sql_rate, rows_rate, population_rate = n / seconds["sql"], n / seconds["rows"], n / population_s
        row(f"batch --engine sql (columnar, DuckDB), {n:,} synthetic firms, JSON Lines in and out, no trace",
            f"{sql_rate:,.0f} decisions/s (--engine rows, 1 worker: {rows_rate:,.0f}/s); CPU {cpu['sql']:.2f} s "
            f"(population {population_cpu:.2f} s)", "",
            f"{sql_rate / rows_rate:.2f}× rows; outputs byte-equal: {'yes' if same else 'NO'}; "
            f"target ≥ 100,000/s and ≥ 0.4× population ({population_rate:,.0f}/s here, Parquet in and out): "
            f"{sql_rate / population_rate:.2f}× (by CPU {population_cpu / cpu['sql']:.2f}×)")


def what_ifs(policy, known) -> None:
    """The what-ifs of one decision (`policy serve`'s full form, `eval --full`) beside the tree decision, CPU.
    The fast form that verifies them is built before the clock starts, as `policy serve` builds it
    when it loads a policy: a per-policy cost (the compile row's "fast form built in"), not a
    decision's."""
    fast_for(policy)
    example_values = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        try:
            example_values.append(read_case(policy, read_case_file(path), also_known=known))
        except CaseError:  # an example of another year: not this policy's case
            continue
    decisions = [evaluate(policy, v) for v in example_values]
    gc.collect()
    start = time.process_time()
    for v in example_values:
        evaluate(policy, v)
    decision_s = time.process_time() - start
    gc.collect()
    start = time.process_time()
    for v, d in zip(example_values, decisions):
        what_if(policy, v, d)
    what_if_s = time.process_time() - start
    row(f"what-ifs of one decision ({len(example_values)} examples, CPU)", f"{what_if_s / len(example_values) * 1e6:.0f} µs",
        f"tree decision {decision_s / len(example_values) * 1e6:.0f} µs", f"{what_if_s / decision_s:.2f}× the tree decision (target ≤ 0.5×)")


def main(full: bool) -> None:
    cache_home = tempfile.mkdtemp(prefix="bench-cache-")
    env = dict(os.environ, XDG_CACHE_HOME=cache_home, POLICY_CACHE="on")
    os.environ.update(XDG_CACHE_HOME=cache_home)

    # ---------------------------------------------------------------- compile and start-up
    start = time.perf_counter()
    policy = load_policy(ROOT / "policies" / "2024", use_cache=False).policy
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    fast = FastPolicy(policy)
    fast_s = time.perf_counter() - start
    row("policy compile (parse, check, tree)", f"{compile_s * 1000:.0f} ms", "", f"fast form built in {fast_s * 1000:.1f} ms")
    example = ROOT / "examples" / "seed_invoice_small_1m.json"
    run_cli("eval", example, env=env)  # fills the cache
    cold = statistics.median(run_cli("eval", example, "--format", "json", env=env)[0] for _ in range(5))
    row("cold `policy eval` (process start to exit, cache warm)", f"{cold:.2f} s", "", "target ≤ 0.3 s")

    # ---------------------------------------------------------------- per case, the whole 2024 policy
    known = field_names(load_policy(ROOT / "policies" / "2025").policy)
    seeds = [read_case_file(p) for p in sorted((ROOT / "examples").glob("*.json"))]
    raws = list(generate(policy, 2000, seed=2024, seeds=seeds))
    values = [read_case(policy, r, also_known=known) for r in raws]
    for v in values:  # agreement first
        assert fast.decide(v) == handwritten.decide(v) == summary(evaluate(policy, v)), v
    hand_us = per_call(handwritten.decide, values)
    fast_us = per_call(fast.decide, values)
    tree_us = per_call(lambda v: evaluate(policy, v), values[:800], repeat=1)
    read_us = per_call(lambda r: read_case(policy, r, also_known=known), raws[:2000], repeat=1)
    closures_us = per_call(FastPolicy(policy, generate=False).decide, values)
    row("per case, trace off (fast form), all 5 frames", f"{fast_us:.1f} µs", f"{hand_us:.2f} µs", f"{fast_us / hand_us:.1f}× (target ≤ 2×)")
    row("per case, trace off, the fast form as closures only (before: no generated code)", f"{closures_us:.1f} µs", f"{hand_us:.2f} µs",
        f"{closures_us / hand_us:.1f}×")
    row("per case, full trace (tree evaluator)", f"{tree_us:.0f} µs", f"{hand_us:.2f} µs", f"{tree_us / hand_us:.1f}× (target ≤ 15×)")
    lazy_us = per_call(lambda v: evaluate(policy, v, fast=fast), values[:800], repeat=1)
    row("per case, the tree decision with its rules' steps made when read (the service's full form; values from the fast form)",
        f"{lazy_us:.0f} µs", f"{hand_us:.2f} µs", f"{lazy_us / hand_us:.1f}×; {lazy_us / tree_us:.2f} of the full trace")
    row("reading and validating one case (JSON object → typed values)", f"{read_us:.0f} µs")
    from engine.explain import json_text, render_json  # the trace's stages, as `policy batch --trace` runs them

    traced_decisions = [evaluate(policy, v) for v in values[:400]]
    render_us = per_call(lambda d: render_json.decision(d), traced_decisions, repeat=2)
    afresh_us = per_call(lambda d: render_json.decision(d, share=False), traced_decisions, repeat=1)
    rendered = [render_json.decision(d) for d in traced_decisions]
    stdlib_us = per_call(lambda r: json.dumps(r, ensure_ascii=False), rendered, repeat=2)
    dumps_us = per_call(json_text.compact, rendered, repeat=2)  # what `policy batch` writes: orjson when installed
    size = sum(len(json_text.compact(r)) for r in rendered) / len(rendered)
    made, written = _trace_counts(traced_decisions[:100], rendered[:100])
    whole_us = tree_us + render_us + dumps_us
    row("a full trace's stages per case: the tree evaluator, the trace as JSON data, its text (json_text.compact, as batch writes it)",
        f"{tree_us:.0f} + {render_us:.0f} + {dumps_us:.0f} µs", f"{hand_us:.2f} µs",
        f"{tree_us / hand_us:.0f}× + {render_us / hand_us:.0f}× + {dumps_us / hand_us:.0f}× = {whole_us / hand_us:.0f}× (target ≤ 15×); "
        f"the text by json.dumps (before issue 25's orjson): {stdlib_us:.0f} µs, {stdlib_us / hand_us:.0f}×"
        + ("" if json_text.orjson else "; orjson is not installed: both are the standard library's"))
    row("a full trace's size per case", f"{size / 1024:.0f} KiB of JSON", "",
        f"{written:.0f} JSON objects written from {made:.0f} trace steps made: the format repeats a rule's trace wherever it is named")
    row("the trace as JSON data, each trace made afresh wherever it is named (before issue 25's sharing)", f"{afresh_us:.0f} µs",
        f"{hand_us:.2f} µs", f"{afresh_us / hand_us:.0f}×; shared: {render_us / hand_us:.0f}× ({render_us / afresh_us:.2f} of the time)")

    # the 400 traced decisions and their JSON data are some millions of objects: left alive, every
    # full collection during a later figure walks them (the what-ifs' tree decision measured 0.4 to 3 ms)
    del traced_decisions, rendered
    what_ifs(policy, known)

    # ---------------------------------------------------------------- batch
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        source = tmp / "in.jsonl"
        lines = [json.dumps(r, ensure_ascii=False) for r in raws]
        n = 12_000
        source.write_text("\n".join(lines[i % len(lines)] for i in range(n)) + "\n", encoding="utf-8")
        start = time.perf_counter()
        for line in source.read_text(encoding="utf-8").splitlines():
            json.dumps(handwritten.decide(read_case(policy, json.loads(line), also_known=known)), ensure_ascii=False)
        hand_rate = n / (time.perf_counter() - start)
        rates = {}
        for workers in (1, 2):
            seconds, done = run_cli("batch", source, "-o", tmp / "out.jsonl", "--workers", workers, env=env)
            assert done.returncode == 0, done.stderr
            rates[workers] = n / seconds
            row(f"batch, {workers} worker(s), JSON Lines in and out, no trace", f"{n / seconds:,.0f} decisions/s",
                f"{hand_rate:,.0f}/s (1 process, same JSON and validation)", f"{(n / seconds) / hand_rate:.2f}× hand-written" +
                (f"; {rates[2] / rates[1]:.2f}× one worker (target ≥ 1.8× on two free cores)" if workers == 2 else ""))
        cpu = {w: batch_cpu(source, "-o", tmp / "out.jsonl", "--workers", w, env=env) for w in (1, 2)}
        (tmp / "empty.jsonl").write_text("", encoding="utf-8")
        startup = sum(batch_cpu(tmp / "empty.jsonl", "-o", tmp / "out.jsonl", env=env))  # loading the policies, no record
        one = sum(cpu[1]) - startup
        for w, (own, workers) in cpu.items():
            text = f"main process {max(own - startup, 0) / n * 1e6:.0f} µs"  # never below 0: see the traced rows
            if w > 1:  # on w free cores the busiest process bounds the wall time: the main one, or a worker with 1/w of the records
                busiest = max(own - startup, workers / w)
                text += f"; on {w} free cores at most {n / busiest:,.0f}/s, {one / busiest:.2f}× one worker (target ≥ 1.8×)"
            row(f"batch, {w} worker(s), no trace: CPU per decision, main process and workers (start-up of {startup:.2f} s left out)",
                f"{(own + workers - startup) / n * 1e6:.0f} µs", "", text)
        traced = tmp / "traced.jsonl"
        traced.write_text("\n".join(lines[i % len(lines)] for i in range(800)) + "\n", encoding="utf-8")
        for workers in (1, 2):
            seconds, done = run_cli("batch", traced, "-o", tmp / "out.jsonl", "--workers", workers, "--trace", env=env)
            assert done.returncode == 0, done.stderr
            rates[workers] = 800 / seconds
            row(f"batch, {workers} worker(s), full traces", f"{800 / seconds:,.0f} decisions/s", "",
                f"{rates[2] / rates[1]:.2f}× one worker (target: faster than one; ≥ 5× issue 25's 244/s)" if workers == 2 else "")
        traced_cpu = {w: batch_cpu(traced, "-o", tmp / "out.jsonl", "--workers", w, "--trace", env=env) for w in (1, 2)}
        one = sum(traced_cpu[1]) - startup
        for w, (own, workers) in traced_cpu.items():
            # the start-up measured with one process is subtracted whole; with workers, part of it is
            # theirs, so a main process doing almost nothing can come out a few µs below zero: shown as 0
            text = f"main process {max(own - startup, 0) / 800 * 1e6:.0f} µs"
            if w > 1:  # what bounds two workers on two free cores: the main process, or a worker with half the records
                busiest = max(own - startup, workers / w)
                text += (f", each worker {workers / w / 800 * 1e6:.0f} µs; on {w} free cores at most {800 / busiest:,.0f}/s, "
                         f"{one / busiest:.2f}× one worker, bound by the {'main process' if own - startup > workers / w else 'workers'}")
            row(f"batch, {w} worker(s), full traces: CPU per decision, main process and workers (start-up left out)",
                f"{(own + workers - startup) / 800 * 1e6:.0f} µs", "", text)
        sizes = (1_000_000,) if full else (10_000, 40_000)
        workers = "2" if full else "1"
        for size in sizes:
            big = tmp / "big.jsonl"
            with open(big, "w", encoding="utf-8") as out:
                for i in range(size):
                    out.write(lines[i % len(lines)] + "\n")
            probe = ("import resource,subprocess,sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "engine.cli", "batch", str(big), "-o",
                                   str(tmp / "big-out.jsonl"), "--workers", workers], capture_output=True, text=True, cwd=ROOT, env=env)
            peak_mb = int(done.stdout.strip()) / 1024
            row(f"peak memory (largest process), batch of {size:,} records ({workers} worker(s))", f"{peak_mb:.0f} MB",
                "", f"{size / (time.perf_counter() - start):,.0f}/s; target ≤ 200 MB at 1,000,000")

    # ---------------------------------------------------------------- batch, the columnar path (--engine sql)
    columnar_batch(env, 100_000)

    # ---------------------------------------------------------------- the slice, against the peers
    slice_policy = load_policy(ROOT / "benchmarks" / "slice", use_cache=False).policy
    slice_fast = FastPolicy(slice_policy)
    slice_values = [read_case(slice_policy, r) for r in generate(slice_policy, 3000, seed=7)]
    flats = [peers.flat(v) for v in slice_values]
    engines = {"rule-engine": peers.RuleEngine(), "zen-engine": peers.Zen()}
    for v, x in zip(slice_values, flats):
        ours = peers.ours(slice_fast.decide(v))
        assert ours == peers.handwritten(x) == peers.ours(summary(evaluate(slice_policy, v))), x
        for name, engine in engines.items():
            assert engine(x) == ours, (name, x, engine(x), ours)
    hand = per_call(peers.handwritten, flats)
    row(f"slice: agreement on {len(flats):,} generated cases", "all five agree (ours fast and traced, hand-written, rule-engine, zen-engine)")
    row("slice per case: hand-written", f"{hand:.2f} µs")
    row("slice per case: ours, trace off", f"{per_call(slice_fast.decide, slice_values):.1f} µs", f"{hand:.2f} µs",
        f"{per_call(slice_fast.decide, slice_values) / hand:.0f}×")
    row("slice per case: ours, full trace", f"{per_call(lambda v: evaluate(slice_policy, v), slice_values, 1):.0f} µs")
    for name, engine in engines.items():
        us = per_call(engine, flats, repeat=1)
        row(f"slice per case: {name}", f"{us:.0f} µs", f"{hand:.2f} µs", f"{us / hand:.0f}×")

    print("| figure | ours | hand-written (the limit) | ratio / target |")
    print("| --- | --- | --- | --- |")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")
    print(f"\n(machine: {os.cpu_count()} cores; peak RSS from getrusage; engines checked equal before timing)")
    shutil.rmtree(cache_home, ignore_errors=True)


if __name__ == "__main__":
    started = time.perf_counter()
    with results.record("run.py", "Start-up, per case, batch, and the peers (benchmarks/run.py)", write="--no-write" not in sys.argv):
        main("--full" in sys.argv)
        print(f"(benchmark ran in {time.perf_counter() - started:.0f} s)")
