"""What an applicant reads is plain Japanese: every example rendered as `policy eval` prints it (text
and brief), as the explanation page, as the service's JSON decision and as the self-check page's
result (both as /page/check answers, with the questions not asked, and as /page/result, with every
one) in Japanese carries no DSL keyword or operator, no internal name (dotted field path, source
key, file name), no fraction of a yen, no English word beyond the proper names the programme itself
uses — and no grammar the sentence writer can get wrong: のため after a verb, a count said without
the unit its limit has."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import ROOT, examples_for
from engine.compile.pipeline import load_policy
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.evaluate.evaluator import evaluate
from engine.explain import render_brief, render_html, render_json, render_text
from engine.explain.counterfactual import what_if
from engine.serve import relevance_route
from engine.serve.app import _page_result
from engine.serve.decide import Options
from engine.serve.handling import Settings
from engine.serve.problems import Problem
from engine.serve.registry import Registry

YEARS = ("2023", "2024", "2025")

# what the policy language writes and a sentence must not: keywords and operators of the DSL
DSL = [" any of", "any of ", " where ", "is given", "unless", " and ", " or ", " is not ", " is ", "≤", "≥", "∈", "∉", "∋", "→ {", " = true", " = false"]
# proper names the programme uses, which stay in Latin letters in Japanese text
PROPER = {"SECURITY", "ACTION", "gBizID", "IT", "PC", "POS", "EC", "DMO", "IPA", "NPO", "SoLabo", "ID", "OS", "AI", "DX", "ITツール"}
_URL = re.compile(r"(?:https?://)?[\w.-]+\.(?:jp|com|net|org)(?:/[\w?=&./-]*)?")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_DOTTED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\w]\.[\u3040-\u30ff\u4e00-\u9fff]|\]\.[\w\u3040-\u9fff]")
_FILE = re.compile(r"[\w-]+\.(?:md|txt|rules|json|py)\b")
_FRACTIONAL_YEN = re.compile(r"\d+/\d+円|\d\.\d+円|\d+ \d+/\d+円")
# のため after a verb or an adjective in kana (…入力されているのため); この/そのため are words of their own
_NOTAME = re.compile(r"(?![こそあど])[\u3041-\u3093]のため")
# a count and the limit it is held against, each with its unit: 9者です（10者以上…）; a unit on one side only is a gap
_COUNTED = re.compile(r"が(\d[\d,]*)(件|者|人|社|つ|か月|年|回)?(?:で、|です（)(\d[\d,]*)(件|者|人|社|つ|か月|年|回)?(?:以上|以下|未満|超)")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html.split("</style>", 1)[-1])
    return "\n".join(parser.parts)


def json_text(node, into: list[str]) -> list[str]:
    """The sentences and labels of a JSON decision: what a page shows from it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("label", "sentence") and isinstance(value, str):
                into.append(value)
            elif key == "sentences":
                into.extend(value)
            else:
                json_text(value, into)
    elif isinstance(node, list):
        for value in node:
            json_text(value, into)
    return into


def problems(text: str, source_keys: set[str]) -> list[str]:
    found = []
    for line in text.splitlines():
        for word in DSL:
            if word in line:
                found.append(f"DSL {word.strip()!r}: {line.strip()}")
        for pattern, what in ((_DOTTED, "dotted path"), (_FILE, "file name"), (_FRACTIONAL_YEN, "fractional yen"), (_NOTAME, "のため after a verb")):
            if pattern.search(_URL.sub("", line)):
                found.append(f"{what}: {line.strip()}")
        for m in _COUNTED.finditer(line):
            if m.group(2) != m.group(4):
                found.append(f"a count without its limit's unit: {line.strip()}")
        bare = _URL.sub("", line)
        for key in source_keys:
            if f"[{key} " in bare or f"[{key}]" in bare or re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", bare) and "-" in key:
                found.append(f"source key {key}: {line.strip()}")
        for word in _LATIN_WORD.findall(_URL.sub("", line)):
            if word not in PROPER and not re.fullmatch(r"[A-Za-z]", word):  # (a), (b): the guideline's own item letters
                found.append(f"English {word!r}: {line.strip()}")
    return found


@pytest.fixture(scope="module")
def policies():
    return {year: load_policy(ROOT / "policies" / year).policy for year in YEARS}


@pytest.mark.parametrize("year", YEARS)
def test_every_example_reads_as_plain_japanese(policies, year):
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    policy = policies[year]
    keys = {key for key, _ in policy.sources}
    found: dict[str, list[str]] = {}
    for path in examples_for(policy):  # those expected of other years only are not read
        values = read_case(policy, read_case_file(path), str(path), also_known=known)
        decision = what_if(policy, values, evaluate(policy, values, check_dates=year == "2024"))
        texts = {"text": render_text.decision(decision, "ja", full=True), "brief": render_brief.decision(decision, "ja"),
                 "page": page_text(render_html.decision(decision, "ja")),
                 "json": "\n".join(json_text(render_json.decision(decision, "ja", traces=False), []))}
        for form, text in texts.items():
            for problem in problems(text, keys):
                found.setdefault(problem, []).append(f"{path.stem} ({form})")
    report = [f"{problem}  ← {', '.join(sorted(set(where))[:3])}" for problem, where in sorted(found.items())]
    assert report == [], f"{len(report)} problems:\n" + "\n".join(report[:80])


@pytest.fixture(scope="module")
def service():
    return Settings(Registry(ROOT / "policies"))


def test_the_pages_result_for_every_example_reads_as_plain_japanese(service):
    found: dict[str, list[str]] = {}
    keys = {key for year in YEARS for key, _ in load_policy(ROOT / "policies" / year).policy.sources}
    decided = 0
    for path in sorted((ROOT / "examples").glob("*.json")):
        body = path.read_bytes()
        try:
            pages = {"check": relevance_route._check(service, body, Options(lang="ja"))[0],
                     "result": _page_result(service, body, Options(lang="ja"), explain=False)[0]}
        except Problem:  # no year holds the case's date (or it has none): the page's error, not a result
            continue
        decided += 1
        for form, html in pages.items():
            # the technical section (collapsed: a decision id and the rules' version to quote when asking) aside
            for problem in problems(page_text(html.split('<details class="tech"', 1)[0]), keys):
                found.setdefault(problem, []).append(f"{path.stem} ({form})")
    assert decided >= 170
    report = [f"{problem}  ← {', '.join(sorted(set(where))[:3])}" for problem, where in sorted(found.items())]
    assert report == [], f"{len(report)} problems:\n" + "\n".join(report[:80])


def test_the_check_finds_what_it_looks_for():
    assert problems("区分 is not お助け隊サービス利用料 or not 利用月数 is given", set())
    assert problems("資本金 未入力 ≤ 50,000,000円", set())
    assert problems("49,999 1/2円", set()) and problems("12.5円", set())
    assert problems("中小企業者の範囲.資本金上限 3億円", set())
    assert problems("[seed-000 通常枠]", {"seed-000"}) and problems("（rules-2024.md §3.1）", set())
    assert problems("結果を変える変更（verified by re-evaluation）", set())
    assert problems("IT導入補助金2024 gBizIDプライム SECURITY ACTION PC POS", set()) == []
    assert problems("利用月数が入力されているのため、上限は50万円です", set())
    assert problems("そのため、このため", set()) == [] and problems("未入力のため", set()) == []
    assert problems("構成員の数が9件です（10者以上である必要があります）", set())
    assert problems("機能の数が2件で、1以上です", set())
    assert problems("機能の数が2件で、1件以上です", set()) == [] and problems("構成員の数が9者です（10者以上である必要があります）", set()) == []


def test_a_condition_the_applicant_need_not_meet_is_not_said_as_needed(policies):
    """Under an exclusion (みなし大企業) a condition not met is what it is, not 「…である必要があります」."""
    policy = policies["2024"]
    values = read_case(policy, read_case_file(ROOT / "examples" / "minashi_all_officers_of_deemed_large.json"))
    decision = evaluate(policy, values)
    for text in (render_text.decision(decision, "ja", full=True), page_text(render_html.decision(decision, "ja"))):
        assert "確定している直近過去3年分の各年又は各事業年度の課税所得の年平均額が未入力のため、15億円超とは判定していません" in text
        assert "役員のうち大企業の役員又は職員を兼ねている者の割合が0%で、50%以上ではありません" in text
        assert "15億円超である必要があります" not in text
    text = render_text.decision(decision, "en", full=True)
    assert "is not given, so it is not taken as over 1,500,000,000円" in text
