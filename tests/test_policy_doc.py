"""`policy doc`: the policy as a reviewer's document (Markdown and one self-contained HTML page),
with each definition's citation, its requirements linked, and what 2025 changed from 2024; the page
is checked in headless Chromium like the other pages."""

from __future__ import annotations

import re

import pytest

from browser_support import browser_only, start_chromium
from conftest import ROOT

P2024, P2025 = ROOT / "policies" / "2024", ROOT / "policies" / "2025"


def test_markdown_of_2025_marks_what_changed_from_2024(run):
    result = run("doc", "--policy", P2025)
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    assert md.startswith("# IT導入補助金2025\n")
    for label in ("通常枠", "インボイス枠（インボイス対応類型）", "インボイス枠（電子取引類型）", "セキュリティ対策推進枠"):
        assert re.search(rf"^### {re.escape(label)} \(", md, re.M), label
    assert "### 通常枠 (`通常枠`) — **2024年から変更**" in md
    assert "— **2024年に追加**" not in md and "**2025年に追加**" in md  # 最低賃金近傍 is new in 2025
    # the amended frame: its changed clauses before and after, in the policy's words
    block = md[md.index("### 通常枠 (`通常枠`)"):md.index("### インボイス枠（インボイス対応類型）")]
    assert "- rate 1/2\n+ rate 2/3 if 最低賃金近傍 else 1/2" in block
    assert "> 出典: `公募要領2025`" in block and "「通常枠: 補助率1/2（最低賃金近傍事業者 2/3）" in block
    # as written: the clause as it now stands, never the replaced one
    written = block[block.index("```text"):]
    assert "  steps gBizIDプライム, SECURITY_ACTION, 労働生産性計画\n" in written
    assert [line for line in written.splitlines() if line.strip().startswith("steps")] == ["  steps gBizIDプライム, SECURITY_ACTION, 労働生産性計画"]
    # a removed step is listed; every link leads to an anchor of the document
    assert "## 前年から削除されたもの" in md and "みらデジ経営チェック" in md[md.index("## 前年から削除されたもの"):]
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', md))
    links = set(re.findall(r"\]\(#([^)]+)\)", md))
    assert links and links <= anchors


def test_a_year_without_a_base_has_no_change_marks_and_cites_every_frame(run):
    md = run("doc", "--policy", P2024).stdout
    assert "から変更" not in md and "前年から削除" not in md
    frames = md[md.index("## 枠"):md.index("## 要件・判定")]
    assert frames.count("\n### ") == 5 and frames.count("> 出典: `") == 5


def test_english(run):
    md = run("doc", "--policy", P2025, "--lang", "en").stdout
    assert "## Frames" in md and "— **changed from 2024**" in md and "normal frame" in md


def test_a_broken_policy_is_exit_4_and_an_unwritable_output_exit_2(run, tmp_path):
    assert run("doc", "--policy", tmp_path / "nothing").exit_code == 4
    assert run("doc", "--policy", P2024, "-o", tmp_path / "no" / "such" / "dir.html").exit_code == 2


@browser_only
def test_the_2025_page_renders_in_chromium_without_the_network(run, tmp_path):
    page = tmp_path / "policy-2025.html"
    result = run("doc", "--policy", P2025, "-o", page)
    assert result.exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert not re.search(r'(?:src|href)="(?!#)', text), "the page must link only within itself"
    driver = start_chromium(tmp_path / "profile", 1200, 900)
    try:
        driver.get(page.as_uri())
        assert driver.title == "IT導入補助金2025"
        facts = driver.execute_script("""
            const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
            const links = [...document.querySelectorAll('a[href^="#"]')].map(a => decodeURIComponent(a.getAttribute('href').slice(1)));
            const frames = [...document.querySelectorAll('#section-frame article')];
            return {
              broken: links.filter(l => !ids.has(l)),
              links: links.length,
              frames: frames.map(a => [a.querySelector('h3').innerText, a.dataset.change,
                                       !!a.querySelector('.citation') && a.querySelector('.citation').getBoundingClientRect().width > 0]),
              changedBadges: document.querySelectorAll('article.changed .badge').length,
              resources: performance.getEntriesByType('resource').length,
              removed: [...document.querySelectorAll('li.removed')].map(li => li.innerText),
              diff: document.querySelector('#frame-通常枠 pre.diff').innerText,
            };""")
        assert facts["broken"] == [] and facts["links"] > 50
        assert len(facts["frames"]) == 5 and all(visible for _, _, visible in facts["frames"])
        assert all(change == "amended" for _, change, _ in facts["frames"])  # 2025 amends every frame (deadlines unknown)
        assert any(title.startswith("通常枠") and "2024年から変更" in title for title, _, _ in facts["frames"])
        assert facts["changedBadges"] >= 5
        assert facts["resources"] == 0
        assert any("みらデジ経営チェック" in r for r in facts["removed"])
        assert "- rate 1/2" in facts["diff"] and "+ rate 2/3 if 最低賃金近傍 else 1/2" in facts["diff"]
        if __import__("os").environ.get("DOC_SCREENSHOT"):  # docs/policy-doc.png: DOC_SCREENSHOT=docs/policy-doc.png pytest tests/test_policy_doc.py
            driver.save_screenshot(__import__("os").environ["DOC_SCREENSHOT"])
    finally:
        driver.quit()


def test_the_page_escapes_what_the_policy_says(run, write_policy, tmp_path):
    folder = write_policy('''
        input 金額: 円 "<script>alert(1)</script>"
        rule 高額 "<b>高額</b>":
          source doc "a & b"
          金額 > 100円
        frame 枠 "枠":
          source doc "x"
          requires 高額
          amount 補助 "補助":
            on 金額
            rate 1/2
            round down
        ''')
    result = run("doc", "--policy", folder, "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout and "&lt;script&gt;" in result.stdout and "&lt;b&gt;高額&lt;/b&gt;" in result.stdout
