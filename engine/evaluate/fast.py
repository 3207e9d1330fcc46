"""The fast form: the evaluation tree compiled into Python, used whenever no trace is asked for.
It is built from the tree at load time (never written by hand) and gives exactly the tree
evaluator's decision summary — a differential test holds it to that. Expressions, rule bodies,
amounts and frames become Python functions built as `ast` trees (engine/evaluate/fast_codegen.py:
no policy text is ever parsed as code; what a policy says enters only as constants and mangled
names); the rest, and everything when Python's compiler cannot take a policy's nesting, are
closures (engine/evaluate/fast_compiler.py)."""

from __future__ import annotations

import functools
import threading

from engine.tree import nodes as tree
from engine.evaluate.decision import NOT_ELIGIBLE
from engine.evaluate.fast_compiler import _Compiler, _Env


class FastPolicy:
    """decide(case values) -> the decision summary (`summary(Decision)` gives the same from the tree)."""

    def __init__(self, policy: tree.Policy, generate: bool = True):
        """`generate`: compile the expressions and amounts to Python functions (fast_codegen);
        without it, or if Python's compiler cannot take a policy's nesting, closures only."""
        try:
            c, self.frames = self._compile(policy, generate)
        except RecursionError:
            c, self.frames = self._compile(policy, False)
        self.names = tuple(f.name for f in policy.frames)
        self._by_name = dict(zip(self.names, self.frames))
        self._compiler = c
        self._leaves: dict[int, tuple] = {}
        # the compiler builds one function at a time (fast_codegen keeps what the function being
        # built reads in its own state): a leaf compiled on first use, from several threads of
        # `policy serve` at once, is compiled under this lock, or it may read another's state
        self._compiling = threading.Lock()

    @staticmethod
    def _compile(policy: tree.Policy, generate: bool) -> tuple[_Compiler, tuple]:
        c = _Compiler(policy, generate)
        for name in policy.definitions:
            c.bodies[name] = c.rule(name)
        return c, tuple(c.frame(f) for f in policy.frames)

    def before_caps(self, leaf: tree.Amount):
        """case values -> a leaf amount's subsidy before its caps, as the tree's AmountResult.before_caps
        (for a leaf with a base and no `for each`, evaluated at the frame's level)."""
        known = self._leaves.get(id(leaf))
        if known is None or known[0] is not leaf:
            with self._compiling:
                known = self._leaves.get(id(leaf))
                if known is None or known[0] is not leaf:
                    schedule = self._compiler.bands(leaf)
                    known = self._leaves[id(leaf)] = (leaf, lambda case: schedule(_Env(case), None))
        return known[1]

    @staticmethod
    def values(case: dict) -> _Env:
        """A case's values, ready for `frame`: the rules each frame decides are remembered in it."""
        return _Env(case)

    def rule(self, values: _Env, name: str):
        """A rule's value in values made by `values` (as the tree gives it: the same value, the same
        type), run once per values and remembered there, as a frame's decision remembers it."""
        memo = values.memo
        if name in memo:
            return memo[name]
        value = memo[name] = self._compiler.bodies[name](values, None)
        return value

    def frame(self, values: _Env, name: str) -> dict:
        """One frame's decision summary (an element of decide's "frames"), in values made by `values`:
        the rules it shares with frames decided before in the same values are looked up, not run again."""
        return self._by_name[name](values)

    def decide(self, case: dict, frames: tuple[str, ...] | None = None) -> dict:
        env = _Env(case)
        decisions = [fn(env) for name, fn in zip(self.names, self.frames) if frames is None or name in frames]
        granted = [d for d in decisions if d["status"] != NOT_ELIGIBLE]
        best = max(granted, key=lambda d: d["subsidy"], default=None)
        return {"best_frame": best["frame"] if best else None, "frames": decisions}


@functools.lru_cache(maxsize=16)
def fast_for(policy: tree.Policy) -> FastPolicy:
    """The fast form of a policy, compiled once per policy object (a Policy hashes by identity)."""
    return FastPolicy(policy)


def summary(decision) -> dict:
    """The tree evaluator's Decision in the fast form's shape (what batch writes without --trace)."""
    return {
        "best_frame": decision.best_frame,
        "frames": [
            {"frame": f.name, "status": f.status, "subsidy": f.subsidy,
             "reasons": [(r.kind, r.name) for r in f.reasons], "pending_steps": [t.name for t in f.pending_steps],
             **({"overdue_steps": [s.name for s in f.step_dues if s.passed and not s.done]} if f.step_dues else {})}
            for f in decision.frames
        ],
    }
