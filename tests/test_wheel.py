"""`pip install .` (not only editable) gives a working `policy`: the grammar and the bundled
policies ship inside the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], check=True)
    return next(out.glob("*.whl"))


def test_wheel_carries_grammar_and_policies(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "engine/_data/grammar/policy.lark" in names
    assert "engine/_data/policies/2024/policy.rules" in names
    assert "engine/cli/__init__.py" in names
    # the self-check page's templates, script and style
    assert {"engine/serve/templates/page.html", "engine/serve/templates/questions.html", "engine/serve/static/page.js", "engine/serve/static/page-record.js"} <= set(names)


def test_installed_wheel_evaluates_an_example(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True)
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = subprocess.run([sys.executable, "-c", "import engine.language.resources as r; print(r.grammar_path())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip().startswith(str(target))
    result = subprocess.run([sys.executable, "-m", "engine.cli", "eval", str(EXAMPLES / "seed_invoice_small_1m.json"), "--format", "json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["best_frame"] == "インボイス対応類型"
