"""Prometheus metrics, kept in plain dicts (one process) and summed across the server's worker
processes: each worker writes its counters to a file in the run folder (atomically, at most twice a
second and at exit) and `/metrics` adds the others' latest files to its own live counters.

The text exposition is prometheus_client's (a collector over the summed counters), with its standard
process metrics: of the one process that serves, or of each worker (labelled `worker`, saved with its
counts). Its multiprocess mode (PROMETHEUS_MULTIPROC_DIR, MultiProcessCollector) is not used, for two
tested behaviours it would lose (tests/test_serve_api.py): it keeps each process's counts in
memory-mapped files it cannot recreate, so a worker whose run folder a /tmp cleaner removed would
vanish from /metrics for good, where here it writes its whole state again at its next save; and it
gives no process metrics (its documentation: the process collector does not work in multiprocess
mode), where here each worker's CPU, memory and open files are labelled `worker`."""

from __future__ import annotations

import bisect
import functools
import json
import os
import sys
import threading
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_HELP = {
    "policy_http_requests_total": ("counter", "HTTP requests by route and status"),
    "policy_http_request_duration_seconds": ("histogram", "HTTP request latency by route"),
    "policy_decisions_total": ("counter", "Decisions by programme, year, frame and status"),
    "policy_errors_total": ("counter", "Requests answered with an error, by route and status"),
    "policy_decision_log_records_total": ("counter", "Decision log records written"),
    "policy_decision_log_failures_total": ("counter", "Decision log writes that failed (their requests got 503)"),
    "policy_reloads_total": ("counter", "Policy reloads by result"),
}


_PARTS: dict[str, tuple[str, tuple]] = {}  # key -> (name, sorted label items): what a key stands for


def key(name: str, **labels) -> str:
    return _key(name, labels)


def _key(name: str, labels: dict) -> str:
    return _key_of(name, tuple(sorted((k, str(v)) for k, v in labels.items())))


@functools.lru_cache(maxsize=4096)  # the same few routes, statuses and frames, request after request
def _key_of(name: str, items: tuple) -> str:
    """A counter's key in this process: compact, and the same for the same name and labels."""
    k = json.dumps([name, items], ensure_ascii=False, separators=(",", ":"))
    _PARTS[k] = (name, items)
    return k


def _parts(k: str) -> tuple[str, tuple]:
    found = _PARTS.get(k)
    if found is None:  # another worker's key, read from its file
        name, items = json.loads(k)
        found = (name, tuple(tuple(i) for i in items))
    return found


class Metrics:
    def __init__(self, run_dir: str | None = None, worker: int = 0):
        self.counters: dict[str, float] = {}
        self.histograms: dict[str, list] = {}  # key -> [bucket counts…, sum, count]
        self.lock = threading.Lock()
        self.run_dir, self.worker = (Path(run_dir) if run_dir else None), worker
        self._saved = 0.0
        self._warned = False

    def inc(self, name: str, labels: dict | None = None, by: float = 1) -> None:
        k = _key(name, labels or {})
        with self.lock:
            self.counters[k] = self.counters.get(k, 0) + by

    def inc_keys(self, keys) -> None:
        """Add 1 to each counter named by a key from `key()` (no labels to sort on the hot path)."""
        with self.lock:
            counters = self.counters
            for k in keys:
                counters[k] = counters.get(k, 0) + 1

    def observe(self, name: str, labels: dict, seconds: float) -> None:
        k = _key(name, labels)
        first = bisect.bisect_left(BUCKETS, seconds)  # the buckets are cumulative: every edge >= seconds counts it
        with self.lock:
            h = self.histograms.get(k)
            if h is None:
                h = self.histograms[k] = [0] * len(BUCKETS) + [0.0, 0]
            for i in range(first, len(BUCKETS)):
                h[i] += 1
            h[-2] += seconds
            h[-1] += 1

    def state(self) -> dict:
        with self.lock:
            state = {"counters": dict(self.counters), "histograms": {k: list(v) for k, v in self.histograms.items()}}
        if self.run_dir is not None:  # this worker's process metrics, for whichever worker answers /metrics
            state["worker"] = self.worker
            state["process"] = [[f.name, f.type, f.documentation, sample.name, sample.value]
                                for f in _PROCESS.collect() for sample in f.samples]
        return state

    def save(self, force: bool = False) -> None:
        """This worker's counters, for the others' /metrics (at most twice a second unless forced)."""
        now = time.monotonic()
        if self.run_dir is None or (not force and now - self._saved < 0.5):
            return
        self._saved = now
        path = self.run_dir / f"metrics-{self.worker}.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        data = json.dumps(self.state())
        try:
            try:
                tmp.write_text(data, encoding="utf-8")
            except FileNotFoundError:  # the run folder was removed under us (a /tmp cleaner): make it again
                self.run_dir.mkdir(parents=True, exist_ok=True)
                tmp.write_text(data, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # the other workers' /metrics miss this one's latest counts; no request fails for it
            if not self._warned:
                self._warned = True
                print(f"policy serve: worker {self.worker} cannot save its metrics in {self.run_dir}: {exc}", file=sys.stderr, flush=True)

    def render(self, gauges: list[tuple[str, str, dict, float]]) -> str:
        """The Prometheus text exposition (prometheus_client's): this worker live, the others from
        their files; `gauges` as (name, help, labels, value)."""
        counters: dict[tuple, float] = {}
        histograms: dict[tuple, list] = {}
        states = [self.state()]
        if self.run_dir is not None:
            for path in self.run_dir.glob("metrics-*.json"):
                if path.name != f"metrics-{self.worker}.json":
                    try:
                        states.append(json.loads(path.read_text(encoding="utf-8")))
                    except (OSError, ValueError):
                        continue
        processes = [(st["worker"], row) for st in states if "worker" in st for row in st.get("process", [])]
        for st in states:
            for k, v in st["counters"].items():
                part = _parts(k)
                counters[part] = counters.get(part, 0) + v
            for k, v in st["histograms"].items():
                part = _parts(k)
                histograms[part] = [a + b for a, b in zip(histograms.get(part, [0] * len(v)), v)]
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(counters, histograms, gauges, processes))
        if self.run_dir is None:  # one process serves: its own CPU, memory and open files
            registry.register(_PROCESS)
        return generate_latest(registry).decode("utf-8")


def served_gauges(generation: int, reload_ok: bool, years: list[tuple[int, str]], engine_version: str) -> list[tuple[str, str, dict, float]]:
    """The gauges of what is served now, for `render`: the generation, the last reload, each year
    (its number and content hash)."""
    return [("policy_generation", "The generation of policies served (1 at start, one more per reload that succeeded)", {}, generation),
            ("policy_last_reload_ok", "1 when the last reload succeeded, 0 when it failed", {}, int(reload_ok)),
            *(("policy_year_info", "The policy years served, with their content hashes and the engine version",
               {"year": year, "content_hash": content_hash, "engine_version": engine_version}, 1) for year, content_hash in years)]


_PROCESS = ProcessCollector(registry=None)  # this process's CPU, memory, open files and start time (from /proc)


class _Collector:
    """The summed counters and histograms and the live gauges, as prometheus_client's families."""

    def __init__(self, counters: dict, histograms: dict, gauges: list, processes: list):
        self.counters, self.histograms, self.gauges, self.processes = counters, histograms, gauges, processes

    def collect(self):
        for name, (kind, text) in _HELP.items():
            if kind == "counter":
                rows = sorted((items, v) for (n, items), v in self.counters.items() if n == name)
                family = CounterMetricFamily(name, text, labels=_label_names(rows))
                for items, v in rows:
                    family.add_metric([value for _, value in items], v)
            else:
                rows = sorted((items, h) for (n, items), h in self.histograms.items() if n == name)
                family = HistogramMetricFamily(name, text, labels=_label_names(rows))
                for items, h in rows:
                    buckets = [(str(edge), count) for edge, count in zip(BUCKETS, h)] + [("+Inf", h[-1])]
                    family.add_metric([value for _, value in items], buckets, sum_value=h[-2])
            yield family
        by_name: dict[str, GaugeMetricFamily] = {}
        for name, text, labels, value in self.gauges:
            family = by_name.get(name)
            if family is None:
                family = by_name[name] = GaugeMetricFamily(name, text, labels=list(labels))
            family.add_metric([str(v) for v in labels.values()], value)
        yield from by_name.values()
        families = {}  # each worker's process metrics, the standard names with a worker label
        for worker, (name, kind, text, sample, value) in sorted(self.processes, key=lambda p: (p[1][0], p[0])):
            family = families.get(name)
            if family is None:
                family = families[name] = (CounterMetricFamily if kind == "counter" else GaugeMetricFamily)(name, text, labels=["worker"])
            if sample.endswith("_created"):
                continue
            family.add_metric([str(worker)], value)
        yield from families.values()


def _label_names(rows) -> list[str]:
    return [k for k, _ in rows[0][0]] if rows else []
