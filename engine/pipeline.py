"""The whole front end in a few lines (Jinja's Environment.compile): load -> check -> compile."""

from __future__ import annotations

from pathlib import Path

import attrs

from . import checker, loader, tree
from .compiler import compile_policy
from .diagnostics import Diagnostic


@attrs.frozen
class LoadedPolicy:
    policy: tree.Policy
    warnings: tuple[Diagnostic, ...]
    sources: dict


def load_policy(policy_dir: str | Path) -> LoadedPolicy:
    """Parse, check and compile the policy folder; raises PolicyError with every error found."""
    modules, sources, inside = loader.load(policy_dir)
    checked = checker.check(modules, sources)
    return LoadedPolicy(compile_policy(checked, modules, sources, inside), tuple(checked.warnings), sources)


def diagnose(policy_dir: str | Path) -> tuple[list[Diagnostic], dict]:
    """Every error and warning of the policy folder (syntax errors stop at the first)."""
    modules, sources, _ = loader.load(policy_dir)
    return checker.diagnose(modules), sources
