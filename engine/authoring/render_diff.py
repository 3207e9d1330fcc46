"""DiffReport -> text and JSON (read-only over the report)."""

from __future__ import annotations

from engine.authoring.diff import KINDS, DiffReport
from engine.explain.messages import message
from engine.explain.render_json import value
from engine.explain.render_text import fmt, lbl, yen


def _status(status, lang):
    return message(lang, f"status.{status}") if status else message(lang, "diff.absent")


def _signed(n: int) -> str:
    return ("+" if n >= 0 else "-") + yen(abs(n))


def text(report: DiffReport, lang: str = "ja") -> str:
    lines = [message(lang, "diff.head", old=report.old, old_programme=report.old_programme, new=report.new,
                     new_programme=report.new_programme)]
    if report.added:
        lines.append(message(lang, "diff.added", names=", ".join(report.added)))
    if report.removed:
        lines.append(message(lang, "diff.removed", names=", ".join(report.removed)))
    lines.append("")
    for c in report.cases:
        if not (c.changed or c.error):
            continue
        lines.append(c.case)
        if c.error:
            lines.append(f"  ✗ {c.error}")
        for f in c.frames:
            lines.append(f"  {lbl(f.label, lang)}: {_status(f.old_status, lang)} {yen(f.old_subsidy)} → "
                         f"{_status(f.new_status, lang)} {yen(f.new_subsidy)} ({_signed(f.delta)})")
        for r in c.rules:
            lines.append(f"  · {r.name}: {fmt(r.old, None, lang) if r.old is not None else '—'} → "
                         f"{fmt(r.new, None, lang) if r.new is not None else '—'}")
        lines.append("")
    counts = report.counts()
    changed = sum(c.changed for c in report.cases)
    unreadable = sum(bool(c.error) for c in report.cases)
    lines.append(message(lang, "diff.summary", cases=len(report.cases), changed=changed)
                 + (message(lang, "diff.unreadable", n=unreadable) if unreadable else ""))
    lines += [f"  {message(lang, 'diff.kind.' + k)}: {counts[k]}" for k in KINDS]
    lines.append("  " + message(lang, "diff.total", old=yen(report.old_total), new=yen(report.new_total),
                                delta=_signed(report.new_total - report.old_total)))
    return "\n".join(lines) + "\n"


def json(report: DiffReport, lang: str = "ja") -> dict:
    return {
        "format": "subsidy-diff/1",
        "old": {"policy": report.old, "programme": report.old_programme},
        "new": {"policy": report.new, "programme": report.new_programme},
        "definitions_added": list(report.added),
        "definitions_removed": list(report.removed),
        "cases": [
            {"case": c.case, "changed": c.changed, "error": c.error, "old_total": c.old_total, "new_total": c.new_total,
             "frames": [{"frame": f.frame, "label": lbl(f.label, lang), "old_status": f.old_status, "new_status": f.new_status,
                         "old_subsidy": f.old_subsidy, "new_subsidy": f.new_subsidy, "delta": f.delta, "kinds": list(f.kinds)}
                        for f in c.frames],
             "rules": [{"name": r.name, "label": lbl(r.label, lang), "old": value(r.old), "new": value(r.new)} for r in c.rules]}
            for c in report.cases
        ],
        "summary": {"cases": len(report.cases), "changed": sum(c.changed for c in report.cases),
                    "unreadable": sum(bool(c.error) for c in report.cases), "counts": report.counts(),
                    "old_total": report.old_total, "new_total": report.new_total, "delta": report.new_total - report.old_total},
    }
