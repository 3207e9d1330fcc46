"""A case file or a batch record is read no further than POLICY_MAX_CASE_BYTES (1 MiB by default;
issue 26, fault 6): past it, a bad case (exit 3) or an error record naming its line, and the
batch goes on."""

from __future__ import annotations

import json

from conftest import EXAMPLES

GOOD = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
GOOD.pop("expected", None)


def test_a_case_file_past_the_limit_is_a_bad_case(run, write_case):
    case = dict(GOOD, description="x" * 2_000_000)
    result = run("eval", write_case(case), "--lang", "en")
    assert result.exit_code == 3
    assert "the case is larger than 1,048,576 bytes" in result.stderr and "POLICY_MAX_CASE_BYTES" in result.stderr


def test_the_case_size_limit_is_configurable(run, write_case, monkeypatch):
    monkeypatch.setenv("POLICY_MAX_CASE_BYTES", "100")
    result = run("eval", write_case(GOOD), "--lang", "en")
    assert result.exit_code == 3 and "larger than 100 bytes" in result.stderr


def test_a_batch_record_past_the_limit_is_an_error_record_and_the_batch_goes_on(run, tmp_path):
    good = json.dumps(GOOD, ensure_ascii=False)
    big = json.dumps(dict(GOOD, description="x" * 3_000_000), ensure_ascii=False)
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([good, big, good]) + "\n", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["ok"]) for r in records] == [(1, True), (2, False), (3, True)]
    assert "larger than 1,048,576 bytes" in records[1]["errors"][0]["message"]
