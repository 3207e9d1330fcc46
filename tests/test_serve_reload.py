"""Reloading a running `policy serve` (two worker processes): a changed policy file is recompiled and
swapped in on SIGHUP; a policy that fails its check leaves the old one serving and says why."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from conftest import EXAMPLES
from test_serve_support import Server, copy_policies

NORMAL = (EXAMPLES / "seed_normal_1m_software.json").read_text(encoding="utf-8")


def subsidy(server) -> int:
    _, _, body = server.post_json("/v1/decide?form=summary", NORMAL)
    return body["frames"][0]["subsidy"]


def until(condition, what: str, tries: int = 300):
    for _ in range(tries):
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"never: {what}")


def test_sighup_swaps_a_changed_policy_in_and_a_broken_one_leaves_the_old_serving(tmp_path):
    policies = copy_policies(tmp_path)
    server = Server("--policies", str(policies), "--workers", "2")
    try:
        assert subsidy(server) == 500000
        old_hash = json.loads(server.get("/v1/policies")[2])["years"][1]["content_hash"]
        rules = policies / "2024" / "frame_normal.rules"
        text = rules.read_text(encoding="utf-8")
        head, amount = text.split("amount ソフトウェア等", 1)
        rules.write_text(head + "amount ソフトウェア等" + amount.replace("    rate 1/2\n", "    rate 2/3\n", 1), encoding="utf-8")
        server.signal(signal.SIGHUP)
        # both workers: ten answers in a row from the new policy (1,000,000円 × 2/3, rounded down)
        until(lambda: all(subsidy(server) == 666666 for _ in range(10)), "the new rate served")
        policies_now = json.loads(server.get("/v1/policies")[2])
        new_hash = policies_now["years"][1]["content_hash"]
        assert new_hash != old_hash and policies_now["generation"] == 2 and policies_now["last_reload"]["changed"] == ["2023", "2024", "2025"]  # 2023 and 2025 extend 2024

        rules.write_text(rules.read_text(encoding="utf-8") + "\nframe 壊れた枠:\n  requires 存在しない規則\n", encoding="utf-8")
        server.signal(signal.SIGHUP)

        def both_failed():
            reports = [json.loads(server.get("/readyz")[2])["last_reload"] for _ in range(10)]
            return all(not r["ok"] for r in reports)

        until(both_failed, "the failed reload reported")
        report = json.loads(server.get("/readyz")[2])
        assert server.get("/readyz")[0] == 200 and report["generation"] == 2
        assert "frame_normal.rules:" in report["last_reload"]["error"] and "error:" in report["last_reload"]["error"]
        assert subsidy(server) == 666666
        _, headers, _ = server.post("/v1/decide?form=summary", NORMAL)
        assert headers["X-Policy-Content-Hash"] == new_hash
        metrics = server.get("/metrics")[2].decode()
        assert 'policy_reloads_total{result="failed"}' in metrics and 'policy_last_reload_ok 0' in metrics
    finally:
        server.stop()
    assert server.proc.returncode is not None


def test_a_year_whose_folder_is_gone_is_reported_as_no_longer_served(tmp_path):
    import shutil

    policies = copy_policies(tmp_path)
    server = Server("--policies", str(policies), "--workers", "1")
    try:
        shutil.move(str(policies / "2025"), str(tmp_path / "2025-away"))
        server.signal(signal.SIGHUP)
        until(lambda: json.loads(server.get("/v1/policies")[2])["generation"] == 2, "the reload")
        report = json.loads(server.get("/v1/policies")[2])
        assert [y["year"] for y in report["years"]] == [2023, 2024]
        assert (report["last_reload"]["changed"], report["last_reload"]["removed"]) == ([], ["2025"])
        os.killpg(server.proc.pid, signal.SIGTERM)
        server.proc.wait(timeout=10)
        assert "changed: none; no longer served: 2025" in server.proc.stderr.read()
    finally:
        server.stop()


def test_a_policy_that_fails_at_start_stops_the_command_with_exit_4(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    policies = copy_policies(tmp_path)
    (policies / "2024" / "frame_normal.rules").write_text("frame 壊れた枠:\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "engine.cli", "serve", "--port", "0", "--policies", str(policies)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert "frame_normal.rules:1:" in result.stderr and "Traceback" not in result.stderr
