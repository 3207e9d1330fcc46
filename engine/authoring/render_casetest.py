"""`policy test` results and coverage: text (with `-v`, every case and why each failing frame came out as
it did), JSON (`policy-test/1`) and JUnit XML for CI."""

from __future__ import annotations

from engine.authoring.coverage import Coverage
from engine.authoring.words import word

_SAID = {"evaluated": "test.evaluated", "not evaluated": "test.not_evaluated"}  # a frame the case did not have evaluated


def _value(v, lang: str) -> str:
    if isinstance(v, bool):
        return word(lang, "test.true" if v else "test.false")
    if isinstance(v, int):
        return f"{v:,}円"
    return word(lang, _SAID[v]) if v in _SAID else str(v)


def _mismatch(m, lang: str = "en") -> str:
    return word(lang, "test.mismatch", where=m.where, expected=_value(m.expected, lang), got=_value(m.got, lang))


def _skipped(r, lang: str) -> str:
    """Why a case has no expectation here: none at all, or only for other policy years."""
    if r.expected_of:
        return word(lang, "test.other_years", years=", ".join(r.expected_of), year=r.year)
    return word(lang, "test.no_expectation")


def _why(r, lang: str) -> list[str]:
    """The decision of each frame a mismatch names, as `policy eval --format brief` prints it."""
    from engine.explain.render_brief import frame_lines

    if r.decision is None:
        return []
    named = {m.where.split(".")[0] for m in r.mismatches if not m.where.startswith("rule ")}
    lines = []
    for f in r.decision.frames:
        if f.name in named:
            lines += ["    " + line for line in frame_lines(f, lang)]
    return lines


def results(results, verbose: bool = False, lang: str = "ja") -> str:
    lines = []
    for r in results:
        if r.outcome == "failed":
            lines.append(word(lang, "test.fail", case=r.case))
            for m in r.mismatches:
                lines.append(f"  {_mismatch(m, lang)}")
            if verbose:
                why = _why(r, lang)
                if why:
                    lines.append("  " + word(lang, "test.decision"))
                    lines += why
        elif r.outcome == "invalid":
            lines.append(word(lang, "test.error", case=r.case, error=r.error))
        elif verbose and r.outcome == "passed":
            lines.append(word(lang, "test.pass", case=r.case))
        elif verbose or r.expected_of:  # a case expected of other years only is said, so it is not taken for one without any
            lines.append(word(lang, "test.skip", case=r.case, why=_skipped(r, lang)))
    count = _counts(results)
    other_years = sum(r.outcome == "no_expectation" and bool(r.expected_of) for r in results)
    summary = word(lang, "test.summary", passed=count["passed"], failed=count["failed"])
    if count["invalid"]:
        summary += word(lang, "test.summary_invalid", n=count["invalid"])
    if count["no_expectation"] - other_years:
        summary += word(lang, "test.summary_without", n=count["no_expectation"] - other_years)
    if other_years:
        summary += word(lang, "test.summary_other_years", n=other_years)
    lines.append(summary)
    return "\n".join(lines) + "\n"


def coverage(cov: Coverage, cases: int, lang: str = "en") -> str:
    total, reached = len(cov.items), len(cov.reached)
    head = (word(lang, "coverage.head", cases=cases, reached=reached, total=total, percent=100 * reached / total) if total
            else word(lang, "coverage.nothing"))
    lines = ["", head]
    for file, (r, t) in cov.by_file().items():
        lines.append(f"  {file}: {r}/{t} ({100 * r / t:.1f}%)")
    missing = cov.missing()
    if missing:
        lines.append(word(lang, "coverage.not_reached"))
        lines += [f"  {i.file}:{i.line}: " + word(lang, "coverage.item", what=i.what, needs=i.needs) for i in missing]
    return "\n".join(lines) + "\n"


def _counts(results) -> dict:
    return {k: sum(r.outcome == k for r in results) for k in ("passed", "failed", "invalid", "no_expectation")}


def as_json(results, cov: Coverage | None = None, cases: int = 0) -> dict:
    out = {
        "format": "policy-test/1",
        "summary": _counts(results),
        "cases": [{"case": r.case, "outcome": r.outcome, "error": r.error,
                   **({"expected_of": list(r.expected_of)} if r.expected_of else {}),
                   "mismatches": [{"where": m.where, "expected": m.expected, "got": m.got} for m in r.mismatches]}
                  for r in results],
    }
    if cov is not None:
        out["coverage"] = {
            "cases": cases, "reached": len(cov.reached), "total": len(cov.items),
            "by_file": {file: {"reached": r, "total": t} for file, (r, t) in cov.by_file().items()},
            "not_reached": [{"file": i.file, "line": i.line, "what": i.what, "needs": i.needs} for i in cov.missing()],
        }
    return out


def junit(results, suite: str = "policy test", lang: str = "ja") -> str:
    """JUnit XML: one testcase per case file; a failed case carries a <failure> listing each
    mismatch and the decision of the frames it names, an unreadable case or expectation an
    <error>, a case without an expectation is <skipped>."""
    import xml.etree.ElementTree as ET

    count = _counts(results)
    root = ET.Element("testsuites", name=suite, tests=str(len(results)), failures=str(count["failed"]), errors=str(count["invalid"]),
                      skipped=str(count["no_expectation"]))
    tsuite = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)), failures=str(count["failed"]),
                           errors=str(count["invalid"]), skipped=str(count["no_expectation"]))
    for r in results:
        path = r.case.replace("\\", "/")
        folder, _, name = path.rpartition("/")
        case = ET.SubElement(tsuite, "testcase", name=name or path, classname=(folder or ".").replace("/", "."), file=path)
        if r.outcome == "failed":
            first = _mismatch(r.mismatches[0], lang) if r.mismatches else "failed"
            more = word(lang, "test.more", n=len(r.mismatches) - 1) if len(r.mismatches) > 1 else ""
            failure = ET.SubElement(case, "failure", message=first + more, type="mismatch")
            failure.text = "\n".join([_mismatch(m, lang) for m in r.mismatches] + _why(r, lang))
        elif r.outcome == "invalid":
            error = ET.SubElement(case, "error", message=r.error or "invalid", type="invalid")
            error.text = r.error
        elif r.outcome == "no_expectation":
            ET.SubElement(case, "skipped", message=_skipped(r, lang))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

