"""A case is decided alike by `eval`, `explain`, `batch` and the service (issue 26, fault 16: a
2024-dated case carrying a field only 2025 declares was decided by `batch` but refused by `eval` and
the service)."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES
from test_serve_support import logged_server

CASE = EXAMPLES / "year2025_near_minimum_wage.json"


def _frames(decision: dict) -> dict:
    return {f["frame"]: (f["status"], f["subsidy"]) for f in decision["frames"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = logged_server(tmp_path_factory)
    yield s
    s.stop()


def test_a_case_with_another_years_field_is_decided_alike_everywhere(run, tmp_path, server):
    evaluated = run("eval", CASE, "--format", "json")
    assert evaluated.exit_code == 0, evaluated.output
    decision = json.loads(evaluated.stdout)
    assert decision["best_frame"] == "通常枠" and _frames(decision)["通常枠"] == ("eligible", 150_000)

    assert run("explain", CASE, "-o", tmp_path / "page.html").exit_code == 0

    cases = tmp_path / "in.jsonl"
    cases.write_text(json.dumps(json.loads(CASE.read_text(encoding="utf-8")), ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("batch", cases, "-o", tmp_path / "out.jsonl").exit_code == 0
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["ok"] and record["decision"]["best_frame"] == "通常枠"
    assert _frames(record["decision"]) == _frames(decision)

    status, _, body = server.post_json("/v1/decide", CASE.read_text(encoding="utf-8"))
    assert status == 200, body
    assert body["best_frame"] == "通常枠" and _frames(body) == _frames(decision)
