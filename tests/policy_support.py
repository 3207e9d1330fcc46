"""A policy written from text, as the tests of the language's constructs use one: its folder, the
compiled policy and module-scoped fixtures of both.
Each folder holds one policy alone, so no neighbouring folder is read as another year."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compile.pipeline import load_policy


def write(folder: Path, text: str, name: str = "policy.rules") -> Path:
    """`folder` (made if need be) with `text` as its file `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def load(folder: Path, text: str | None = None):
    """The compiled policy of `folder`, with `text` written first as its policy.rules when given;
    never from the compiled-policy cache."""
    if text is not None:
        write(folder, text)
    return load_policy(folder, use_cache=False).policy


def policy_fixtures(text: str, name: str):
    """Module-scoped fixtures `folder` (`text` as the policy.rules of a fresh folder) and `policy`
    (it compiled): `folder, policy = policy_fixtures(POLICY, "ranges")` in a test module."""

    @pytest.fixture(scope="module")
    def folder(tmp_path_factory):
        return write(tmp_path_factory.mktemp(name) / "policy", text)

    @pytest.fixture(scope="module")
    def policy(folder):
        return load(folder)

    return folder, policy
