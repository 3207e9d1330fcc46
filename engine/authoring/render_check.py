"""`policy check` as data: JSON (`policy-check/1`) for scripts and SARIF 2.1.0 for CI annotations
(code-scanning services read it and put each problem on its line).

Input: per policy folder, the diagnostics found (or the one that stopped the load). A diagnostic
has no code of its own in the language, so SARIF's `ruleId` is a category read from the message
(`unknown-name`, `type`, `duplicate`, `syntax`, …; `check` when none fits)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from engine import __version__
from engine.language.diagnostics import HELP, phrase

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# (rule id, what it covers, a pattern of the messages it takes), first match wins
CATEGORIES = (
    ("syntax", "The text does not parse (a token the grammar does not expect, bad indentation).",
     r"^(unexpected|expected |indentation|expression nested|number .* is larger)|syntax"),
    ("file", "A policy file or folder is missing, unreadable, not UTF-8, or included wrongly.",
     r"(does not exist|has no policy\.rules|not UTF-8|cannot read|include|is a folder|extends)"),
    ("unknown-name", "A name that nothing defines.", r"^unknown (name|type|member|frame|column)|no such (input|column)|is not a member"),
    ("duplicate", "A name, member or source defined twice.", r"defined twice|listed twice|declared twice|appears twice"),
    ("unused", "A rule, value or input that nothing uses.", r"is never used"),
    ("source", "A definition without a citation, or a citation of an undeclared source.", r"source|cite"),
    ("cycle", "Definitions that depend on each other in a circle.", r"cycle|depends on itself"),
    ("type", "A value of the wrong kind or unit where it is used (yen, counts, ratios, true/false).",
     r"\b(is|are|expected|must be) (a |an )?(円|人|ratio|true/false|date|bool|yen|count|number|list|enum)|type|compare|kind"),
    ("amount", "Bands, rates, caps and floors that cannot hold (rates outside 0…1, a floor above its cap).",
     r"\b(rate|band|cap|floor|at most|at least|subsidy|round)\b"),
    ("table", "A table that does not cover its enum, or whose rows do not fit its columns.", r"\btable\b|\brow\b"),
    ("check", "Any other problem the checker finds.", r""),
)


def category(message: str) -> str:
    for rule_id, _, pattern in CATEGORIES:
        if re.search(pattern, message, re.I):
            return rule_id
    return "check"


def _span(d) -> dict | None:
    if d.span is None:
        return None
    return {"file": d.span.file, "line": d.span.line, "column": d.span.column, "end_line": d.span.end_line,
            "end_column": d.span.end_column}


def as_json(checked: list[tuple[str, list]], lang: str = "en") -> dict:
    """checked: [(policy folder, diagnostics)]. Messages in `lang`; categories read from the English."""
    policies = []
    for folder, diagnostics in checked:
        policies.append({
            "policy": folder,
            "errors": sum(d.severity == "error" for d in diagnostics),
            "warnings": sum(d.severity != "error" for d in diagnostics),
            "diagnostics": [{"severity": d.severity, "category": category(d.message), "message": d.said(lang), "help": d.help_said(lang),
                             "at": _span(d)} for d in diagnostics],
        })
    return {"format": "policy-check/1", "engine_version": __version__,
            "errors": sum(p["errors"] for p in policies), "warnings": sum(p["warnings"] for p in policies),
            "policies": policies}


def _artifact(file: str) -> dict:
    """A file as SARIF locates it: relative to %SRCROOT% (the working folder, where CI checks out
    the repository) when it lies inside it, else an absolute file: URI."""
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def as_sarif(checked: list[tuple[str, list]], lang: str = "en") -> dict:
    """One SARIF run; each diagnostic one result, located by file, line and column (columns count
    characters: `columnKind` unicodeCodePoints). A diagnostic with no place is located at its
    policy folder's policy.rules. Messages in `lang`; rule ids from the English, the same in every language."""
    used = []
    help_word = phrase(HELP).say(lang)
    results = []
    for folder, diagnostics in checked:
        for d in diagnostics:
            rule_id = category(d.message)
            if rule_id not in used:
                used.append(rule_id)
            text = d.said(lang) + (f" ({help_word}: {d.help_said(lang)})" if d.help else "")
            if d.span is not None:
                s = d.span
                end_line = max(s.end_line, s.line)
                end_column = s.end_column if end_line > s.line or s.end_column > s.column else s.column + 1
                location = {"physicalLocation": {
                    "artifactLocation": _artifact(s.file),
                    "region": {"startLine": s.line, "startColumn": s.column, "endLine": end_line, "endColumn": max(end_column, 1)}}}
            else:
                location = {"physicalLocation": {"artifactLocation": _artifact(os.path.join(folder, "policy.rules"))}}
            results.append({"ruleId": rule_id, "ruleIndex": used.index(rule_id),
                            "level": "error" if d.severity == "error" else "warning",
                            "message": {"text": text}, "locations": [location]})
    rules = []
    for rule_id in used:
        description = next(desc for rid, desc, _ in CATEGORIES if rid == rule_id)
        rules.append({"id": rule_id, "shortDescription": {"text": description}})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policy check", "version": __version__, "semanticVersion": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
            "results": results,
        }],
    }
