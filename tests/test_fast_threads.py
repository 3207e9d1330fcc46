"""The fast form's leaves are compiled on first use (the what-ifs' cap search asks for them), and
`policy serve` decides in up to 8 threads per worker: leaves compiled from several threads at once
must each be compiled whole. Before the lock in FastPolicy.before_caps, the code generator's state
(what the function being built reads: `case`, `memo`) was shared by the threads, so a leaf could be
compiled without its preamble and fail with NameError on every later decision of that worker (found
under load: 19 % of full decisions answered 500 in one run). Python switches threads only now and
then, so the test makes it switch as often as it can and tries many fresh policies."""

from __future__ import annotations

import json
import sys
import threading

from conftest import EXAMPLES, ROOT
from engine.compile.pipeline import load_policy
from engine.evaluate.case import read_case
from engine.evaluate.fast import FastPolicy

THREADS = 8
TRIALS = 60  # with the generator's state shared, about 1 trial in 10 failed


def _leaves(amount, out: list) -> list:
    if amount.base is not None and not amount.parts:
        out.append(amount)
    for part in amount.parts:
        _leaves(part, out)
    return out


def test_leaves_compiled_from_several_threads_at_once_give_the_leaves_compiled_one_at_a_time():
    policy = load_policy(ROOT / "policies" / "2024").policy
    raw = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    raw.pop("expected", None)
    raw.pop("description", None)
    case = read_case(policy, raw)
    alone = FastPolicy(policy)
    leaves, wanted = [], []
    for frame in policy.frames:
        for leaf in _leaves(frame.amount, []):
            try:
                wanted.append(alone.before_caps(leaf)(case))
            except TypeError:  # a leaf summed per item (`for each`) is not asked for at the frame's level
                continue
            leaves.append(leaf)
    assert len(leaves) >= 8 and any(wanted)
    failures = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for trial in range(TRIALS):
            fast = FastPolicy(policy)

            def ask(start: int) -> None:
                try:
                    for k in range(len(leaves)):
                        i = (start + k) % len(leaves)
                        got = fast.before_caps(leaves[i])(case)
                        if got != wanted[i]:
                            failures.append((trial, i, got, wanted[i]))
                except Exception as exc:  # noqa: BLE001 - what a half-compiled leaf raises is the failure itself
                    failures.append((trial, type(exc).__name__, str(exc)))

            threads = [threading.Thread(target=ask, args=(n,)) for n in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
