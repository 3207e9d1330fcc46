"""The decision log: one JSON line per decision, appended before the response is sent. A record
that cannot be written fails the request (503) instead of being dropped; every worker appends to
the same file with O_APPEND and one write(2) per record, so records never interleave, and a
server killed at any moment loses no decision it acknowledged (the write preceded the answer).
`fsync=True` also survives a power cut, at the cost of a disk flush per decision."""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal

from engine.tree import nodes as tree
from engine.explain.json_text import compact as dump_json

MASK = "***"


class LogUnavailable(Exception):
    pass


class DecisionLog:
    def __init__(self, path: str, fsync: bool = False, mask: tuple[str, ...] = ()):
        self.path, self.fsync, self.extra_mask = path, fsync, frozenset(mask)
        self._lock = threading.Lock()
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self.written = 0
        self.failed = 0
        self.failed_at: float | None = None  # monotonic time of the last failed write
        self.failure = ""
        self._hidden: dict[int, tuple] = {}  # id(policy) -> (policy, the paths masked): computed once per policy

    def write(self, record: dict) -> None:
        data = dump_json(record, default=_plain) + b"\n"
        try:
            with self._lock:
                done = os.write(self.fd, data)
                if done != len(data):  # a short append (disk full): cut nothing silently, fail the request
                    raise OSError(28, f"short write ({done} of {len(data)} bytes)")
                if self.fsync:
                    os.fsync(self.fd)
                self.written += 1
                self.failed_at = None
        except OSError as exc:
            self.failed += 1
            self.failed_at, self.failure = time.monotonic(), exc.strerror or str(exc)
            raise LogUnavailable(f"the decision log {self.path} cannot be written ({exc.strerror or exc}); the decision was not given") from None

    def failing(self, within: float = 10.0) -> str | None:
        """Why the last write failed, if it failed within `within` seconds and none has succeeded
        since. /readyz says not ready meanwhile; after it, traffic comes back and tries again."""
        if self.failed_at is not None and time.monotonic() - self.failed_at < within:
            return f"the decision log {self.path} cannot be written ({self.failure})"
        return None

    def close(self) -> None:
        os.close(self.fd)

    def masker(self, policy: tree.Policy, raw):
        known = self._hidden.get(id(policy))
        if known is None or known[0] is not policy:
            known = self._hidden[id(policy)] = (policy, hidden_paths(policy, self.extra_mask))
        return _masked(raw, known[1])


def no_mask(policy: tree.Policy, raw):
    """The masker when no decision log is kept: nothing is written, so nothing is hidden."""
    return None


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def personal_paths(policy: tree.Policy) -> frozenset[str]:
    """The fields masked by default: every amount of yen that describes the applicant itself rather
    than a purchase (capital, income: for a sole proprietor these are personal finances). Amounts
    inside lists (expenses, group members' costs) are what the decision is about and stay."""
    paths = set()
    for g in policy.groups:
        for f in g.fields:
            if f.kind == "yen":
                paths.add(f"{g.name}.{f.name}" if g.name else f.name)
    return frozenset(paths)


def hidden_paths(policy: tree.Policy, extra: frozenset[str] = frozenset()) -> frozenset[str]:
    return personal_paths(policy) | extra | {"description"}


def mask_case(policy: tree.Policy, raw, extra: frozenset[str] = frozenset()) -> object:
    """The case with personal fields and free text replaced by "***" (and anything unexpected dropped)."""
    return _masked(raw, hidden_paths(policy, extra))


def _masked(raw, hidden: frozenset[str]) -> object:
    if not isinstance(raw, dict):
        return None
    out = {}
    for key, value in raw.items():
        if key in hidden:
            out[key] = MASK
        elif isinstance(value, dict):
            out[key] = {k: (MASK if f"{key}.{k}" in hidden else v) for k, v in value.items()}
        else:
            out[key] = value
    return out
