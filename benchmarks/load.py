"""Load test of `policy serve` on loopback with wrk: first GET /healthz alone (the HTTP stack's
ceiling), then decisions/s, p50/p99 latency and the server's CPU time per decision of /v1/decide at
1, 8 and 32 concurrent clients, for the summary form (the fast form) and the full explained decision,
cycling through every 2024 example (not one cached case); then checks that the decision log holds
exactly one record per decision answered. Then the fault run: the server is killed (SIGKILL, the
whole process group) in the middle of a load run and restarted on the same log; every decision a
client had received must be in the log, and no line may be torn.

    python benchmarks/load.py [--seconds 10] [--workers 2] [--forms summary,full,full-no-what-if] [--clients 1,8,32]
                              [--no-fault] [--no-healthz] [--wait-quiet S] [--no-write]
    python benchmarks/load.py --cost     # only the CPU time of each stage of a decision, in process,
                                         # and of the service's whole work for one without HTTP

On a machine shared with other work, --wait-quiet waits (up to S seconds) before each run for the
other processes to quiet down; each row prints what the other processes took of the 2 cores during it
(all busy time less the server's and wrk's).

Prints figures; asserts nothing about speed. The figures also replace this script's section of
benchmarks/RESULTS.md (`--cost` has a section of its own), with the date, machine and versions,
unless --no-write is given."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import results  # noqa: E402

from engine.evaluate.case import read_case  # noqa: E402
from engine.language.diagnostics import CaseError  # noqa: E402
from engine.compile.pipeline import load_policy  # noqa: E402


def corpus() -> list[str]:
    policy = load_policy(ROOT / "policies" / "2024").policy
    bodies = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw.pop("expected", None)
        raw.pop("description", None)
        try:
            read_case(policy, raw)
        except CaseError:
            continue
        bodies.append(json.dumps(raw, ensure_ascii=False))
    return bodies


def lua_script(bodies: list[str], path: str) -> str:
    """A wrk script cycling through the bodies; each request is formatted once, at start (wrk shares
    the cores with the server: the less it does per request, the more the server gets)."""
    items = ",\n".join(f"[==[{b}]==]" for b in bodies)
    return f"""
local bodies = {{ {items} }}
local requests = {{}}
local i = 0
init = function(args)
  for k, b in ipairs(bodies) do
    requests[k] = wrk.format("POST", "{path}", {{["Content-Type"] = "application/json"}}, b)
  end
  i = math.random(#requests)
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
"""


def start(port: int, log: Path, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--workers", str(workers),
                             "--log", str(log), "--policies", str(ROOT / "policies")], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stderr.readline()
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    port = int(re.search(r":(\d+)/ ", line).group(1))
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.05)
    proc.port = port
    return proc


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=20)


def wrk(port: int, script: Path, clients: int, seconds: int) -> dict:
    out = subprocess.run(["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True).stdout

    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else float("nan")

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms(50), "p99": ms(99),
            "requests": requests, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else "none"}


def background_cpu(seconds: float = 1.0) -> float:
    """How busy the machine's cores were over `seconds` while our server sat idle: what other
    processes took (the figures are only comparable between runs on a machine this quiet)."""
    def sample():
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 100.0 * (1 - (idle1 - idle0) / max(1, total1 - total0))


def _cpu_ticks() -> tuple[int, int]:
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(fields), sum(fields) - fields[3] - fields[4]  # total, busy (all but idle and iowait)


def _tree_ticks(root: int) -> int:
    """CPU ticks used so far by process `root` and its children (the server's supervisor and workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


class Others:
    """What the other processes took of the cores during a run: all busy time less the server's
    and the load generator's (a child of this process, so in os.times().children_*)."""

    def __init__(self, server_pid: int):
        self.pid = server_pid
        self.cpu, self.server, self.children = _cpu_ticks(), _tree_ticks(server_pid), _children_ticks()

    def percent(self) -> float:
        total, busy = _cpu_ticks()
        self.server_ms = (_tree_ticks(self.pid) - self.server) * 1000 / os.sysconf("SC_CLK_TCK")
        self.wrk_ms = (_children_ticks() - self.children) * 1000 / os.sysconf("SC_CLK_TCK")
        ours = (_tree_ticks(self.pid) - self.server) + (_children_ticks() - self.children)
        return max(0.0, 100.0 * ((busy - self.cpu[1]) - ours) / max(1, total - self.cpu[0]))


def _children_ticks() -> int:
    t = os.times()
    return round((t.children_user + t.children_system) * os.sysconf("SC_CLK_TCK"))


def quiet(wait: float, busy: float = 10.0) -> float:
    """The other processes' load, after waiting up to `wait` seconds for it to drop to `busy` % or less."""
    until = time.monotonic() + wait
    other = background_cpu()
    while other > busy and time.monotonic() < until:
        other = background_cpu()
    return other


def decided(port: int) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith('policy_http_requests_total{route="/v1/decide",status="200"}')))


FORMS = {
    "summary": ("summary", "/v1/decide?form=summary&year=2024"),
    "full": ("full (what-ifs, no trace)", "/v1/decide?year=2024"),
    "full-no-what-if": ("full (no what-ifs, no trace)", "/v1/decide?year=2024&what_if=false"),
}


def healthz_run(seconds: int, workers: int, wait: float = 0) -> None:
    """The HTTP stack alone: GET /healthz at 32 clients (no decision, no log)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "healthz.lua"
        script.write_text('wrk.method = "GET"\n', encoding="utf-8")
        proc = start(0, Path(tmp) / "log.jsonl", workers)
        try:
            quiet(wait)
            during = Others(proc.pid)
            out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{proc.port}/healthz"],
                                 capture_output=True, text=True).stdout
            other = during.percent()
        finally:
            stop(proc)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
        p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
        print(f"GET /healthz, 32 clients: {float(rps):,.0f} requests/s, p99 {p99} (other processes' load during the run {other:.0f}%)", flush=True)


def load_runs(bodies, seconds: int, workers: int, forms=("summary", "full"), client_counts=(1, 8, 32), wait: float = 0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{len(bodies)} distinct cases (the 2024 examples), {workers} server workers, wrk on the same 2 cores, {seconds} s per run")
        print("| form | clients | decisions/s | p50 ms | p99 ms | errors | log records = decisions answered | server CPU per decision | other processes' load during the run |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for key, (form, path) in ((f, FORMS[f]) for f in forms):
            script = Path(tmp) / "cases.lua"
            script.write_text(lua_script(bodies, path), encoding="utf-8")
            for clients in client_counts:
                log = Path(tmp) / f"log-{key}-{clients}.jsonl"
                proc = start(0, log, workers)
                try:
                    quiet(wait)
                    during = Others(proc.pid)
                    r = wrk(proc.port, script, clients, seconds)
                    other = during.percent()
                    time.sleep(1.0)  # the workers' metrics files settle (written twice a second)
                    answered = decided(proc.port)
                finally:
                    stop(proc)
                records = sum(1 for _ in log.open(encoding="utf-8"))
                errors = r["non2xx"] + (0 if r["socket_errors"] == "none" else 1)
                print(f"| {form} | {clients} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                      f"{r['non2xx']} non-2xx, socket errors: {r['socket_errors']} | {records:,} = {answered:,}: "
                      f"{'yes' if records == answered else 'NO'} (wrk counted {r['requests']:,}) | "
                      f"{during.server_ms / max(1, r['requests']):.2f} ms (wrk {during.wrk_ms / max(1, r['requests']):.2f} ms) | {other:.0f}% |",
                      flush=True)
                del errors


def fault_run(bodies, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "decisions.jsonl"
        proc = start(0, log, workers)
        port = proc.port
        acknowledged, failures, lock = [], [0], threading.Lock()
        running = [True]

        def client(n):
            i = n
            conn = None
            while running[0]:
                i = (i + 1) % len(bodies)
                try:
                    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("POST", "/v1/decide?form=summary&year=2024", bodies[i].encode(), {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    data = response.read()
                    if response.status == 200:
                        with lock:
                            acknowledged.append(json.loads(data)["decision_id"])
                except (OSError, http.client.HTTPException):
                    failures[0] += 1
                    conn = None
                    time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(3)
        before = len(acknowledged)
        stop(proc, signal.SIGKILL)  # the supervisor and every worker, mid-run
        killed_at = len(acknowledged)
        proc = start(port, log, workers)
        time.sleep(3)
        running[0] = False
        for t in threads:
            t.join()
        stop(proc)
        lines = log.read_text(encoding="utf-8").splitlines()
        logged, torn = set(), 0
        for line in lines:
            try:
                logged.add(json.loads(line)["decision_id"])
            except ValueError:
                torn += 1
        lost = [d for d in acknowledged if d not in logged]
        print(f"fault run: 8 clients; SIGKILL after {before:,} acknowledged decisions, restarted on the same port and log; "
              f"{len(acknowledged):,} acknowledged in all ({len(acknowledged) - killed_at:,} after the restart), "
              f"{failures[0]} requests failed while it was down; log: {len(lines):,} records, {torn} torn; "
              f"acknowledged but not logged: {len(lost)}")


def cost(bodies: list[str], rounds: int = 3) -> None:
    """In process, no HTTP: the mean CPU time of each stage of a decision over the corpus, for the
    summary form and the full explained one, and the size of the JSON each sends."""
    import orjson

    from engine.explain import render_json
    from engine.explain.counterfactual import what_if
    from engine.evaluate.evaluator import evaluate
    from engine.evaluate.fast import fast_for

    policy = load_policy(ROOT / "policies" / "2024").policy
    fast = fast_for(policy)
    raws = [json.loads(b) for b in bodies]
    stages = {"read the case": lambda raw, s: read_case(policy, raw),
              "summary: the fast form": lambda raw, s: fast.decide(s["read the case"]),
              "summary: JSON": lambda raw, s: orjson.dumps(s["summary: the fast form"]),
              # as the service makes it: rules' values from the fast form, their steps made when read
              "full: the tree decision": lambda raw, s: evaluate(policy, s["read the case"], fast=fast),
              "full: what-ifs": lambda raw, s: what_if(policy, s["read the case"], s["full: the tree decision"]),
              "full: the explained decision as data": lambda raw, s: render_json.decision(s["full: what-ifs"], "ja", traces=False),
              "full: JSON": lambda raw, s: orjson.dumps(s["full: the explained decision as data"]),
              # ?trace=true (/v1/explain, the page's trace): every rule's trace, so every step made at once
              "traced: the tree decision, every step made": lambda raw, s: evaluate(policy, s["read the case"]),
              "traced: what-ifs": lambda raw, s: what_if(policy, s["read the case"], s["traced: the tree decision, every step made"]),
              "traced: the explained decision with its trace as data": lambda raw, s: render_json.decision(s["traced: what-ifs"], "ja"),
              "traced: JSON": lambda raw, s: orjson.dumps(s["traced: the explained decision with its trace as data"])}
    spent = dict.fromkeys(stages, 0.0)
    sizes = {"summary: JSON": 0, "full: JSON": 0, "traced: JSON": 0}
    for _ in range(rounds):
        for raw in raws:
            done = {}
            for name, stage in stages.items():
                t = time.process_time()
                done[name] = stage(raw, done)
                spent[name] += time.process_time() - t
            for name in sizes:
                sizes[name] += len(done[name])
    n = rounds * len(raws)
    print(f"CPU per decision, in process, over {len(raws)} examples × {rounds}:")
    for name, seconds in spent.items():
        print(f"  {name:<50} {seconds / n * 1000:6.2f} ms")
    for form in ("summary", "full", "traced"):
        parts = (form, "read")
        total = sum(v for k, v in spent.items() if k.startswith(parts)) / n * 1000
        print(f"  {form} form in all: {total:.2f} ms; {sizes[form + ': JSON'] / n / 1024:.1f} KiB of JSON")


def service_cost(bodies: list[str], rounds: int = 3) -> dict[str, float]:
    """In process, no HTTP: the mean CPU time of the service's whole work for one decision of each
    form (the body parsed, the year picked, the case read, the decision made and shaped, its log
    record written, to /dev/null here, and counted), as `/v1/decide?year=2024` does it in a worker
    thread. What `policy serve` spends beyond this is the HTTP stack's (uvicorn, Starlette, the hand-off)."""
    from engine.serve.app import _decide_one
    from engine.serve.decide import Options
    from engine.serve.handling import Settings
    from engine.serve.log import DecisionLog
    from engine.serve.registry import Registry

    settings = Settings(Registry(str(ROOT / "policies")), log=DecisionLog(os.devnull))
    encoded = [b.encode("utf-8") for b in bodies]
    spent = {}
    for form in ("summary", "full"):
        options = Options(form=form, year="2024")
        for body in encoded[:20]:  # warm: every year's first decision fills its memos
            _decide_one(settings, body, options)
        t = time.process_time()
        for _ in range(rounds):
            for body in encoded:
                _decide_one(settings, body, options)
        spent[form] = (time.process_time() - t) / (rounds * len(encoded)) * 1000
        print(f"  {form} form, the service's whole work without HTTP: {spent[form]:.2f} ms")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--forms", default="summary,full", help=f"comma-separated, of: {', '.join(FORMS)}")
    parser.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--no-fault", action="store_true", help="skip the fault run")
    parser.add_argument("--no-healthz", action="store_true", help="skip the /healthz run")
    parser.add_argument("--cost", action="store_true", help="only the CPU time of each stage of a decision, in process")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="S",
                        help="before each run, wait up to S seconds for other processes to use at most 10%% of the CPU")
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    args = parser.parse_args()
    bodies = corpus()
    if args.cost:
        with results.record("load.py --cost", "CPU per decision, in process (benchmarks/load.py --cost)", write=not args.no_write):
            cost(bodies)
            service_cost(bodies)
        return
    with results.record("load.py", "The decision service under load (benchmarks/load.py)", write=not args.no_write):
        if not args.no_healthz:
            healthz_run(args.seconds, args.workers, args.wait_quiet)
        load_runs(bodies, args.seconds, args.workers, tuple(args.forms.split(",")),
                  tuple(int(c) for c in args.clients.split(",")), args.wait_quiet)
        if not args.no_fault:
            fault_run(bodies, args.workers)


if __name__ == "__main__":
    main()
