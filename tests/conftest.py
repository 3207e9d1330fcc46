"""Shared helpers: write a small policy folder, run the CLI in-process."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
POLICY_2024 = ROOT / "policies" / "2024"
EXAMPLES = ROOT / "examples"


def examples_for(policy) -> list[Path]:
    """The examples a policy year reads: every one but those expected of other years only (a 2025
    case naming a process 2024 does not know), as `policy test` and `policy diff` read them."""
    from engine.authoring.casetest import for_other_years_only

    return [p for p in sorted(EXAMPLES.glob("*.json"))
            if not for_other_years_only(json.loads(p.read_text(encoding="utf-8")), policy)]

HEADER = """\
programme "Test programme"
  year 2024
  source doc "The test document"
"""


@pytest.fixture
def write_policy(tmp_path):
    """write_policy(body, **other_files) -> folder with policy.rules = HEADER + body."""

    def write(body: str, header: str = HEADER, **files: str) -> Path:
        folder = tmp_path / "policy"
        folder.mkdir(exist_ok=True)
        (folder / "policy.rules").write_text(header + textwrap.dedent(body), encoding="utf-8")
        for name, text in files.items():
            (folder / f"{name}.rules").write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write


@pytest.fixture
def write_case(tmp_path):
    def write(case, name: str = "case.json") -> Path:
        path = tmp_path / name
        path.write_text(case if isinstance(case, str) else json.dumps(case, ensure_ascii=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run():
    """run(*args) -> click Result (exit_code, stdout, stderr)."""

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(autouse=True)
def _no_shared_cache(monkeypatch, tmp_path):
    """Tests never read or fill the user's compiled-policy cache; test_cache.py turns it on in a temp folder."""
    monkeypatch.setenv("POLICY_CACHE", "off")


def changed_case(case: dict, path: list, value) -> dict:
    """A copy of `case` with the value at `path` replaced (or removed, when `value` is KeyError)."""
    changed = json.loads(json.dumps(case))
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


def pytest_sessionfinish(session, exitstatus):
    """`pytest --snapshot-update` also removes the snapshot of an example (or a year) that is gone:
    syrupy cannot tell such a file from tests/snapshots/' own layout."""
    if not session.config.getoption("--snapshot-update", default=False):
        return
    from review_support import stale_snapshots

    for path in stale_snapshots():
        path.unlink()
        print(f"\nremoved the snapshot of an example that no longer exists: {path.relative_to(ROOT)}")
