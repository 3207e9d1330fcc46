"""Prometheus metrics, kept in plain dicts (one process) and summed across the server's worker
processes: each worker writes its counters to a file in the run folder (atomically, at most twice a
second and at exit) and `/metrics` adds the others' latest files to its own live counters."""

from __future__ import annotations

import bisect
import functools
import json
import os
import sys
import threading
import time
from pathlib import Path

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


def key(name: str, **labels) -> str:
    return _key(name, labels)


def _key(name: str, labels: dict) -> str:
    return _key_of(name, tuple(sorted(labels.items()))) if labels else name


@functools.lru_cache(maxsize=4096)  # the same few routes, statuses and frames, request after request
def _key_of(name: str, items: tuple) -> str:
    return name + "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in items) + "}"


def _escape(v) -> str:
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


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
            return {"counters": dict(self.counters), "histograms": {k: list(v) for k, v in self.histograms.items()}}

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

    def render(self, gauges: dict[str, float]) -> str:
        """The Prometheus text exposition: this worker live, the others from their files."""
        counters, histograms = {}, {}
        states = [self.state()]
        if self.run_dir is not None:
            for path in self.run_dir.glob("metrics-*.json"):
                if path.name != f"metrics-{self.worker}.json":
                    try:
                        states.append(json.loads(path.read_text(encoding="utf-8")))
                    except (OSError, ValueError):
                        continue
        for st in states:
            for k, v in st["counters"].items():
                counters[k] = counters.get(k, 0) + v
            for k, v in st["histograms"].items():
                histograms[k] = [a + b for a, b in zip(histograms.get(k, [0] * len(v)), v)]
        lines = []
        for name, (kind, text) in _HELP.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            if kind == "counter":
                lines += [f"{k} {_num(v)}" for k, v in sorted(counters.items()) if k.split("{")[0] == name]
            else:
                for k, h in sorted(histograms.items()):
                    if k.split("{")[0] != name:
                        continue
                    labels = k[len(name):].strip("{}")
                    sep = "," if labels else ""
                    for edge, count in zip(BUCKETS, h):
                        lines.append(f'{name}_bucket{{{labels}{sep}le="{edge}"}} {count}')
                    lines.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {h[-1]}')
                    lines.append(f"{name}_sum{{{labels}}} {h[-2]:.6f}" if labels else f"{name}_sum {h[-2]:.6f}")
                    lines.append(f"{name}_count{{{labels}}} {h[-1]}" if labels else f"{name}_count {h[-1]}")
        typed = set()
        for name, value in gauges.items():
            base = name.split("{")[0]
            if base not in typed:
                typed.add(base)
                lines.append(f"# TYPE {base} gauge")
            lines.append(f"{name} {_num(value)}")
        return "\n".join(lines) + "\n"


def _num(v) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.6f}"
