"""`policy test`: cases that carry the decision they expect, checked against the policy.

A case's "expected" key: {"frames": {FRAME: {"eligible": bool, "status": str, "subsidy": int}},
"rules": {RULE: bool}} — any subset; "rules" names rules (or exclusions, steps) that must come
out true or false. One expectation per policy year: {"2024": {...}, "2025": {...}}, keyed by the
year the programme header states; under a year it does not name, the case has no expectation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs

from engine.tree import nodes as tree
from engine.evaluate.case import read_case, read_case_file
from engine.evaluate.case_words import word as case_word
from engine.evaluate.decision import ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE
from engine.language.diagnostics import CaseError
from engine.evaluate.evaluator import definition_results, evaluate
from engine.authoring.words import word

_FRAME_KEYS = ("status", "eligible", "subsidy")
STATUSES = (ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE)


@attrs.frozen
class Mismatch:
    where: str  # 通常枠.subsidy / rule 中小企業 / expected
    expected: object
    got: object


@attrs.frozen
class CaseResult:
    case: str
    outcome: str  # passed | failed | no_expectation | invalid
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None
    decision: object = attrs.field(default=None, eq=False, repr=False)  # for `policy test -v`: why a frame came out as it did
    # no_expectation because the case expects things of other policy years only: those years, and this policy's
    expected_of: tuple[str, ...] = ()
    year: int | None = None


# what each expected key may hold: a wrong one is a bad expectation (exit 3), not a failed test
_KEY_VALUES = {"status": (lambda v: v in STATUSES, "expect.one_of"),
               "eligible": (lambda v: isinstance(v, bool), "expect.true_or_false"),
               "subsidy": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "expect.whole_yen")}


_YEAR = re.compile(r"\d{4}")


def for_year(expected, policy: tree.Policy, lang: str = "en") -> tuple[object, str | None, str]:
    """(the expectation that applies to the policy's year, a problem in `lang`, the key path to name in
    messages). A plain expectation applies to every year; {"2024": …, "2025": …} holds one per
    year, and a year it does not name gets None (no expectation)."""
    if not isinstance(expected, dict) or not any(isinstance(k, str) and _YEAR.fullmatch(k) for k in expected):
        return expected, None, "expected"
    if not all(_YEAR.fullmatch(k) for k in expected):
        return None, word(lang, "expect.mixed", example='"2024": {…}'), "expected"
    if policy.year is None:
        return None, word(lang, "expect.no_year"), "expected"
    return expected.get(str(policy.year)), None, f"expected.{policy.year}"


def _problems(expected, policy: tree.Policy, where: str = "expected", lang: str = "en") -> list[str]:
    """What is wrong with an expectation, in `lang`; `where` is its key path (expected, expected.2024)."""
    from engine.evaluate.case import suggest

    frames = [f.name for f in policy.frames]
    problems = []
    if not isinstance(expected, dict) or set(expected) - {"frames", "rules"}:
        return [word(lang, "expect.not_object", where=where)]
    if not isinstance(expected.get("frames") or {}, dict) or not isinstance(expected.get("rules") or {}, dict):
        return [word(lang, "expect.not_objects", where=where)]
    if not expected.get("frames") and not expected.get("rules"):  # would pass whatever the decision
        return [word(lang, "expect.nothing", where=where)]
    keys = ", ".join(_FRAME_KEYS)
    for name, want in (expected.get("frames") or {}).items():
        if name not in frames:
            problems.append(word(lang, "expect.unknown_frame", where=where, name=name, hint=suggest(name, frames, lang), frames=", ".join(frames)))
        elif not isinstance(want, dict) or not want:
            problems.append(word(lang, "expect.frame_not_object", where=where, name=name, keys=keys))
        else:
            for key, value in want.items():
                if key not in _KEY_VALUES:
                    problems.append(word(lang, "expect.unknown_key", where=where, name=name, key=key, hint=suggest(key, _FRAME_KEYS, lang), keys=keys))
                elif not _KEY_VALUES[key][0](value):
                    problems.append(word(lang, "expect.bad_value", where=where, name=name, key=key, got=json.dumps(value, ensure_ascii=False),
                                         expected=word(lang, _KEY_VALUES[key][1], statuses=", ".join(STATUSES))))
    for name, want in (expected.get("rules") or {}).items():
        if name not in policy.definitions:
            problems.append(word(lang, "expect.unknown_rule", where=where, name=name))
        elif not isinstance(want, bool):
            problems.append(word(lang, "expect.rule_not_bool", where=where, name=name, got=json.dumps(want, ensure_ascii=False)))
    return problems


def for_other_years_only(raw, policy: tree.Policy) -> bool:
    """Whether the case holds expectations per year and none for this policy's year: it is another
    year's case, and this year does not read it."""
    expected = raw.get("expected") if isinstance(raw, dict) else None
    if not isinstance(expected, dict) or not expected:
        return False
    mine, problem, _ = for_year(expected, policy)
    return mine is None and problem is None


def years_named(raw) -> tuple[str, ...]:
    """The policy years a case's per-year expectation names ({"2024": …}), in its order; () for none."""
    expected = raw.get("expected") if isinstance(raw, dict) else None
    if isinstance(expected, dict) and expected and all(isinstance(k, str) and _YEAR.fullmatch(k) for k in expected):
        return tuple(expected)
    return ()


def _other_years(name: str, raw, policy: tree.Policy) -> CaseResult:
    """A case whose expectations are all for years other than this policy's: skipped here, saying so."""
    return CaseResult(case=name, outcome="no_expectation", expected_of=tuple(raw["expected"]), year=policy.year)


def run_case(policy: tree.Policy, path: Path, also_known: frozenset = frozenset(), on_decision=None,
             name: str | None = None, raw=None, lang: str = "en") -> CaseResult:
    """`raw`: the case already read (standard input can be read once only). A case or an expectation
    that cannot be read is told in `lang`."""
    name = name or (case_word(lang, "file.stdin") if str(path) == "-" else str(path))
    try:
        raw = read_case_file(path, lang) if raw is None else raw
        if for_other_years_only(raw, policy):  # e.g. a 2025 case naming a process 2024 does not know
            return _other_years(name, raw, policy)
        values = read_case(policy, raw, also_known=also_known, lang=lang)
    except CaseError as exc:
        return CaseResult(case=name, outcome="invalid", error="; ".join(exc.problems))
    decision = evaluate(policy, values)
    if on_decision is not None:
        on_decision(values, decision)
    expected = raw.get("expected")
    if expected is None:
        return CaseResult(case=name, outcome="no_expectation")
    expected, problem, where = for_year(expected, policy, lang)
    if problem:
        return CaseResult(case=name, outcome="invalid", error=problem)
    if expected is None:  # expectations for other years only
        return _other_years(name, raw, policy)
    problems = _problems(expected, policy, where, lang)
    if problems:
        return CaseResult(case=name, outcome="invalid", error="; ".join(problems))
    frames = {f.name: f for f in decision.frames}
    mismatches = []
    for frame, want in (expected.get("frames") or {}).items():
        got = frames.get(frame)
        if got is None:  # the case named other frames to evaluate
            mismatches.append(Mismatch(where=frame, expected="evaluated", got="not evaluated"))
            continue
        actual = {"status": got.status, "eligible": got.status != "not_eligible", "subsidy": got.subsidy}
        for key in _FRAME_KEYS:
            if key in want and want[key] != actual[key]:
                mismatches.append(Mismatch(where=f"{frame}.{key}", expected=want[key], got=actual[key]))
    if expected.get("rules"):
        results = definition_results(policy, values)
        for rule, want in expected["rules"].items():
            if bool(results[rule]) != want:
                mismatches.append(Mismatch(where=f"rule {rule}", expected=want, got=bool(results[rule])))
    return CaseResult(case=name, outcome="failed" if mismatches else "passed", mismatches=tuple(mismatches), decision=decision)
