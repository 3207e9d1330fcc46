"""The TextMate grammar of editors/vscode classifies every token of every .rules file in the
repository, and the editor package around it holds together.

A small tokenizer applies the grammar the way a TextMate engine does for grammars made only of
`match` rules (this one has no begin/end rules, which the test requires): on each line, from the
current position, every rule (includes expanded, in order) is searched; the match that starts first
wins, the earlier rule on a tie; its `name` and its captures' names classify the text. Python's
`re` stands in for Oniguruma: the grammar keeps to syntax both read alike (classes, lookarounds,
`\\w` and `\\d` over Unicode), and a test checks that each pattern compiles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from browser_support import browser_only, start_chromium

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = json.loads((VSCODE / "syntaxes" / "policy-rules.tmLanguage.json").read_text(encoding="utf-8"))
SKIP = {".git", ".venv", "node_modules"}


def rules_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.rules") if not SKIP & set(p.relative_to(ROOT).parts))


def flatten(patterns, grammar=GRAMMAR, seen=()) -> list[dict]:
    out = []
    for p in patterns:
        if "include" in p:
            key = p["include"].removeprefix("#")
            assert p["include"].startswith("#") and key in grammar["repository"], p
            assert key not in seen, f"include cycle at {key}"
            out += flatten([grammar["repository"][key]], grammar, seen + (key,))
        elif "patterns" in p:
            out += flatten(p["patterns"], grammar, seen)
        else:
            assert set(p) <= {"name", "match", "captures", "comment"}, f"only match rules are supported: {p}"
            out.append({**p, "regex": re.compile(p["match"])})
    return out


RULES = flatten(GRAMMAR["patterns"])


def tokenize(line: str, rules=RULES) -> tuple[list[tuple[str, str]], list[str]]:
    """([(text, scope)], [unclassified non-space text]) for one line."""
    tokens, unmatched = [], []
    pos = 0
    while pos < len(line):
        best = None
        for rule in rules:
            m = rule["regex"].search(line, pos)
            if m and m.end() > m.start() and (best is None or m.start() < best[1].start()):
                best = (rule, m)
        if best is None:
            rest = line[pos:]
            if rest.strip():
                unmatched.append(rest.strip())
            break
        rule, m = best
        gap = line[pos:m.start()]
        if gap.strip():
            unmatched.append(gap.strip())
        scopes = [None] * (m.end() - m.start())
        for i in range(len(scopes)):
            scopes[i] = rule.get("name")
        for group, capture in (rule.get("captures") or {}).items():
            start, end = m.span(int(group))
            if start >= 0 and capture.get("name"):
                for i in range(start, end):
                    scopes[i - m.start()] = capture["name"]
        text = m.group()
        run_start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or scopes[i] != scopes[run_start]:
                piece = text[run_start:i]
                if scopes[run_start] is None:
                    if piece.strip():
                        unmatched.append(piece.strip())
                else:
                    tokens.append((piece, scopes[run_start]))
                run_start = i
        pos = m.end()
    return tokens, unmatched


def test_there_are_rules_files_to_check():
    files = rules_files()
    assert len(files) >= 10 and any(p.parts[-3:] == ("policies", "2024", "policy.rules") for p in files)


@pytest.mark.parametrize("path", rules_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_token_of_every_rules_file_is_classified(path):
    problems = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        tokens, unmatched = tokenize(line)
        if unmatched:
            problems.append(f"{path.relative_to(ROOT)}:{n}: unclassified {unmatched!r} in {line!r}")
        for text, scope in tokens:
            if scope.startswith("variable.other.policy-rules") and re.fullmatch(r"\d.*", text):
                problems.append(f"{n}: a number classified as a name: {text}")
    assert problems == []


def scopes_of(line: str) -> dict[str, str]:
    tokens, unmatched = tokenize(line)
    assert unmatched == []
    return {text.strip(): scope.rsplit(".", 1)[0] for text, scope in tokens}


def test_tokens_get_the_scope_of_what_they_are():
    assert scopes_of('rule 中小企業 "中小企業・小規模事業者等に該当する" en "is an SME":  # note') == {
        "rule": "storage.type", "中小企業": "entity.name.function", '"中小企業・小規模事業者等に該当する"': "string.quoted.double",
        "en": "keyword.other", '"is an SME"': "string.quoted.double", ":": "punctuation.separator.key-value",
        "# note": "comment.line.number-sign"}
    line = "    rate 4/5 if 小規模事業者 else 3/4 until the subsidy reaches 50万円"
    got = scopes_of(line)
    assert got["4/5"] == got["3/4"] == "constant.numeric.ratio"
    assert got["50万円"] == "constant.numeric.money"
    assert got["if"] == got["else"] == "keyword.control"
    assert got["小規模事業者"] == "variable.other"
    assert got["until"] == got["reaches"] == "keyword.other"
    got = scopes_of('  source seed-004 "資本金・従業員規模の一方が上限以下"')
    assert got["source"] == "keyword.other.source" and got["seed-004"] == "constant.other.citation-key"
    got = scopes_of('  資本金: 円, optional "資本金"')
    assert got["資本金"] == "variable.other.field" and got["円"] == "entity.name.type" and got["optional"] == "keyword.other"
    got = scopes_of("  in force 2024-02-16 .. 2024-10-15")
    assert got["2024-02-16"] == "constant.numeric.date" and got[".."] == "keyword.operator"
    got = scopes_of("    資本金 ≤ 中小企業の範囲.資本金上限")
    assert got["≤"] == "keyword.operator" and got["."] == "punctuation.accessor" and got["資本金上限"] == "variable.other"
    got = scopes_of("  deadline \"追加公募\" 2024-10-15 17:00 opens 2024-09-20 9:30")
    assert got["17:00"] == "constant.numeric.time" and got["opens"] == "keyword.other"
    got = scopes_of("  | 製造業 | 3億円 | 300人 |")
    assert got["|"] == "punctuation.separator.table" and got["3億円"] == "constant.numeric.money" and got["300人"] == "constant.numeric.count"
    assert scopes_of("exclusions all except みなし大企業")["exclusions"] == "keyword.other"  # not `exclusion` + a name


def test_text_the_language_does_not_have_is_left_unclassified():
    """The check can fail: characters no rule of the language matches stay unclassified."""
    assert tokenize("  資本金 @ 3億円 $")[1] == ["@", "$"]
    assert tokenize("rule 中小企業 ‼")[1] == ["‼"]


def test_every_keyword_of_the_grammar_is_highlighted_as_a_keyword():
    words = set(re.findall(r'"([a-z]+)"', (ROOT / "grammar" / "policy.lark").read_text(encoding="utf-8")))
    assert len(words) > 50
    for word in sorted(words):
        [(text, scope)] = tokenize(word)[0]
        assert text == word and not scope.startswith("variable"), (word, scope)


def test_the_package_starts_policy_lsp_and_points_at_its_files():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    [language] = package["contributes"]["languages"]
    [grammar] = package["contributes"]["grammars"]
    assert language["extensions"] == [".rules"] and grammar["language"] == language["id"]
    assert grammar["scopeName"] == GRAMMAR["scopeName"]
    assert (VSCODE / grammar["path"]).is_file() and (VSCODE / language["configuration"]).is_file()
    assert (VSCODE / package["main"]).is_file()
    assert package["contributes"]["configuration"]["properties"]["policyRules.server.command"]["default"] == ["policy", "lsp"]
    assert "vscode-languageclient" in package["dependencies"]
    extension = (VSCODE / package["main"]).read_text(encoding="utf-8")
    assert '["policy", "lsp"]' in extension and "TransportKind.stdio" in extension
    configuration = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"
    assert ["{", "}"] in configuration["brackets"]
    increase = re.compile(configuration["indentationRules"]["increaseIndentPattern"])
    assert increase.match('rule 中小企業 "a: b" en "x":') and increase.match("  any of:  # comment")
    assert not increase.match('  source seed-004 "資本金: 上限"') and not increase.match("  when X: 1")


# ---------------------------------------------------------------- the screenshot in docs/

# VS Code's Dark+ colours for the scopes the grammar gives (the first prefix that fits)
COLOURS = (("comment", "#6a9955"), ("string", "#ce9178"), ("constant.numeric", "#b5cea8"), ("constant.language", "#569cd6"),
           ("constant.other", "#4fc1ff"), ("storage", "#569cd6"), ("keyword.control", "#c586c0"), ("keyword.operator", "#d4d4d4"),
           ("keyword", "#569cd6"), ("entity.name.function", "#dcdcaa"), ("entity.name.type", "#4ec9b0"),
           ("variable.other.field", "#9cdcfe"), ("variable", "#9cdcfe"), ("punctuation", "#d4d4d4"))


def colour(scope: str) -> str:
    return next(c for prefix, c in COLOURS if scope.startswith(prefix))


def highlight_html(text: str, title: str) -> str:
    """The text as a page, each token in a <span> coloured by its scope (what an editor with the
    grammar and the Dark+ theme shows)."""
    import html

    lines = []
    for line in text.splitlines():
        tokens, _ = tokenize(line)
        out, pos = [], 0
        for piece, scope in tokens:
            at = line.index(piece, pos)
            out.append(html.escape(line[pos:at]))
            out.append(f'<span class="tok" data-scope="{scope}" style="color:{colour(scope)}">{html.escape(piece)}</span>')
            pos = at + len(piece)
        out.append(html.escape(line[pos:]))
        lines.append("".join(out))
    return ("<!doctype html><meta charset=utf-8><title>" + html.escape(title) + "</title>"
            "<body style='margin:0;background:#1e1e1e'><pre style='margin:0;padding:12px 16px;color:#d4d4d4;"
            "font:14px/1.45 \"IPAGothic\",\"Noto Sans Mono CJK JP\",monospace'>" + "\n".join(lines) + "</pre></body>")


@browser_only
def test_the_highlighted_policy_renders_in_chromium(tmp_path):
    """frame_invoice.rules highlighted in headless Chromium: every token shown in its scope's colour.
    HIGHLIGHT_SCREENSHOT=docs/highlighting.png pytest tests/test_textmate_grammar.py writes docs/' picture."""
    import os

    source = ROOT / "policies" / "2024" / "frame_invoice.rules"
    text = "\n".join(source.read_text(encoding="utf-8").splitlines()[:40])
    page = tmp_path / "highlighted.html"
    page.write_text(highlight_html(text, str(source.relative_to(ROOT))), encoding="utf-8")
    driver = start_chromium(tmp_path / "profile", 1100, 760)
    try:
        driver.get(page.as_uri())
        shown = driver.execute_script(
            "return [...document.querySelectorAll('.tok')].map(e => [e.dataset.scope, getComputedStyle(e).color, e.getBoundingClientRect().width])")
        assert len(shown) > 150
        rgb = lambda c: "rgb({}, {}, {})".format(*(int(c[i:i + 2], 16) for i in (1, 3, 5)))  # noqa: E731
        assert [s for s, c, w in shown if c != rgb(colour(s)) or w <= 0] == []
        assert {colour(s) for s, _, _ in shown} >= {"#6a9955", "#ce9178", "#b5cea8", "#569cd6", "#dcdcaa", "#9cdcfe"}
        if os.environ.get("HIGHLIGHT_SCREENSHOT"):
            driver.save_screenshot(os.environ["HIGHLIGHT_SCREENSHOT"])
    finally:
        driver.quit()


def test_the_extension_script_is_valid_javascript():
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the extension is checked for syntax only where it is)")
    result = subprocess.run([node, "--check", str(VSCODE / "extension.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
