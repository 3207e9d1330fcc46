"""Where the grammar and the bundled policies live, installed (wheel) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # engine/
_DATA = _PACKAGE / "_data"  # filled by the wheel build (pyproject: force-include)
_CHECKOUT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[-1]


def grammar_path() -> Path:
    return _first_existing(_DATA / "grammar" / "policy.lark", _CHECKOUT / "grammar" / "policy.lark")


def policies_root() -> Path:
    return _first_existing(_DATA / "policies", _CHECKOUT / "policies")


# The year an undated case is judged under when the bundled years are chosen from by date (and the
# policy of the commands that take one policy: test, check, schema, graph, sql, population).
DEFAULT_YEAR = "2024"


def default_policy_dir() -> Path:
    return policies_root() / DEFAULT_YEAR
