"""`policy test` results and coverage as text."""

from __future__ import annotations

from engine.authoring.coverage import Coverage


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:,}円"
    return str(v)


def results(results) -> str:
    lines = []
    for r in results:
        if r.outcome == "failed":
            lines.append(f"FAIL {r.case}")
            lines += [f"  {m.where}: expected {_value(m.expected)}, got {_value(m.got)}" for m in r.mismatches]
        elif r.outcome == "invalid":
            lines.append(f"ERROR {r.case}: {r.error}")
    count = {k: sum(r.outcome == k for r in results) for k in ("passed", "failed", "invalid", "no_expectation")}
    summary = f"{count['passed']} passed, {count['failed']} failed"
    if count["invalid"]:
        summary += f", {count['invalid']} invalid"
    if count["no_expectation"]:
        summary += f", {count['no_expectation']} without expectations"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def coverage(cov: Coverage, cases: int) -> str:
    total, reached = len(cov.items), len(cov.reached)
    lines = ["", f"coverage by {cases} cases: {reached}/{total} ({100 * reached / total:.1f}%)" if total else "coverage: nothing to cover"]
    for file, (r, t) in cov.by_file().items():
        lines.append(f"  {file}: {r}/{t} ({100 * r / t:.1f}%)")
    missing = cov.missing()
    if missing:
        lines.append("not reached:")
        lines += [f"  {i.file}:{i.line}: {i.what} (needs: {i.needs})" for i in missing]
    return "\n".join(lines) + "\n"
