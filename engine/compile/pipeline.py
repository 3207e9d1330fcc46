"""The whole front end in a few lines (Jinja's Environment.compile): load -> check -> compile."""

from __future__ import annotations

from pathlib import Path

import attrs

from engine.compile import cache
from engine.tree import nodes as tree
from engine.language.diagnostics import Diagnostic


@attrs.frozen
class LoadedPolicy:
    policy: tree.Policy
    warnings: tuple[Diagnostic, ...]
    sources: dict


def load_policy(policy_dir: str | Path, use_cache: bool = True) -> LoadedPolicy:
    """Parse, check and compile the policy folder; raises PolicyError with every error found.
    A policy already compiled (same files, grammar and engine) comes from the cache (engine/compile/cache.py)."""
    policy_key = None
    if use_cache and cache.enabled() and Path(policy_dir).is_dir():
        try:
            policy_key = cache.key(policy_dir)
        except OSError:
            policy_key = None
        cached = cache.load(policy_key) if policy_key else None
        if cached is not None:
            return LoadedPolicy(cached, (), {})
    from engine.language import checker
    from engine.language import loader  # parsing (and Lark) is only needed when the cache cannot answer
    from engine.compile.compiler import compile_policy

    modules, sources, inside = loader.load(policy_dir)
    checked = checker.check(modules, sources)
    policy = compile_policy(checked, modules, sources, inside)
    if policy_key:
        cache.store(policy_key, policy)
    return LoadedPolicy(policy, tuple(checked.warnings), sources)


def diagnose(policy_dir: str | Path) -> tuple[list[Diagnostic], dict]:
    """Every error and warning of the policy folder (syntax errors stop at the first)."""
    from engine.language import checker, loader

    modules, sources, _ = loader.load(policy_dir)
    return checker.diagnose(modules), sources


def compile_items(items: tuple, sources: dict, inside: dict):
    """The evaluation tree of a list of policy items (a mix of two policies' items, say), or None
    when they do not check: a clause that cannot stand without another change."""
    from engine.compile.compiler import compile_policy
    from engine.language import ast, checker
    from engine.language.diagnostics import PolicyError

    modules = [ast.Module(file=next(iter(sources), ""), items=tuple(items))]
    try:
        checked = checker.check(modules, sources)
        return compile_policy(checked, modules, sources, inside)
    except PolicyError:
        return None
