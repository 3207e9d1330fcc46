"""DiffReport -> text, Markdown (for a merge request) and JSON; read-only over the report.

Three parts, in the order a reviewer reads them: what changed in the policy (definition by
definition, clause by clause, old → new in the policy's words); every case whose decision changed,
with the changes that account for it; a summary per frame."""

from __future__ import annotations

from engine.language.changes import Clause
from engine.authoring.diff import KINDS, DiffReport, FrameChange, FrameState
from engine.explain.messages import message
from engine.explain.render_json import value
from engine.explain.render_text import fmt, lbl, yen

_NONE = "—"


def _status(state: FrameState | None, lang: str) -> str:
    return message(lang, f"status.{state.status}") if state else message(lang, "diff.absent")


def _signed(n: int) -> str:
    return ("+" if n >= 0 else "-") + yen(abs(n))


def _words(lines: tuple[str, ...]) -> str:
    return " / ".join(lines) if lines else _NONE


def clause_text(c: Clause, lang: str) -> str:
    """`frame 通常枠 › amount ソフトウェア等: rate 1/2 → rate 2/3 if 最低賃金近傍 else 1/2`"""
    return f"{c.where()}: {_words(c.old)} → {_words(c.new)}"


def _definition_lines(report: DiffReport, lang: str, bullet: str, code) -> list[str]:
    lines = [message(lang, "diff.definitions", n=len(report.definitions))]
    for d in report.definitions:
        head = f"{bullet}{message(lang, 'diff.change.' + d.change)} {d.kind}" + (f" {code(d.name)}" if d.name else "")
        lines.append(head + (f" 「{d.label}」" if d.label and lang == "ja" else f' "{d.label}"' if d.label else ""))
        for c in d.clauses:
            if d.change in ("added", "removed"):
                continue  # its first line is the heading's name; the definition itself is in the file
            where = " › ".join([c.keyword] if not c.path else [*(f"amount {p}" for p in c.path), c.keyword])
            if len(c.old) <= 1 and len(c.new) <= 1:
                lines.append(f"    {where}: {code(_words(c.old))} → {code(_words(c.new))}")
            else:
                lines.append(f"    {where}:")
                lines += [f"      - {code(x)}" for x in c.old if x not in c.new]
                lines += [f"      + {code(x)}" for x in c.new if x not in c.old]
    return lines


def _state_changes(f: FrameChange, lang: str) -> list[str]:
    """What moved in one frame's decision, each aspect on its own line."""
    old, new = f.old, f.new
    delta = f" ({_signed(f.delta)})" if f.delta else ""
    out = [f"{_status(old, lang)} {yen(f.old_subsidy)} → {_status(new, lang)} {yen(f.new_subsidy)}{delta}"]
    if old and new:
        gone = [r for r in old.reasons if r not in new.reasons]
        came = [r for r in new.reasons if r not in old.reasons]
        if gone or came:
            out.append(message(lang, "diff.reasons", gone=", ".join(gone) or _NONE, came=", ".join(came) or _NONE))
        if old.steps != new.steps:
            out.append(message(lang, "diff.steps", old=", ".join(old.steps) or _NONE, new=", ".join(new.steps) or _NONE))
        if old.round != new.round:
            out.append(message(lang, "diff.round", old=old.round or _NONE, new=new.round or _NONE))
    return out


def _case_lines(report: DiffReport, lang: str, bullet: str, code) -> list[str]:
    changed = [c for c in report.cases if c.changed or c.error]
    lines = [message(lang, "diff.cases", n=sum(c.changed for c in report.cases), of=len(report.cases))]
    undated = sum(1 for c in report.cases if not c.error and not c.dates_checked)
    if undated:
        lines[0] += " " + message(lang, "diff.dates_unchecked", n=undated)
    for c in changed:
        lines.append(f"{bullet}{code(c.case)}")
        if c.error:
            lines.append(f"    ✗ {c.error}")
        for f in c.frames:
            first, *rest = _state_changes(f, lang)
            lines.append(f"    {lbl(f.label, lang)}: {first}")
            lines += [f"      {line}" for line in rest]
            if f.causes:
                lines += [f"      ← {clause_text(cause, lang)}" for cause in f.causes]
            else:
                lines.append(f"      ← {message(lang, 'diff.no_single_cause')}")
        if c.old_best != c.new_best:
            lines.append("    " + message(lang, "diff.best", old=c.old_best or _NONE, new=c.new_best or _NONE))
        for r in c.rules:
            kind = "count" if r.kind == "count" else None  # a count is not yen
            lines.append(f"    · {r.name}: {fmt(r.old, kind, lang) if r.old is not None else _NONE} → "
                         f"{fmt(r.new, kind, lang) if r.new is not None else _NONE}")
    return lines


def _summary_lines(report: DiffReport, lang: str, bullet: str) -> list[str]:
    unreadable = sum(bool(c.error) for c in report.cases)
    changed = sum(c.changed for c in report.cases)
    lines = [message(lang, "diff.summary", cases=len(report.cases), changed=changed)
             + (message(lang, "diff.unreadable", n=unreadable) if unreadable else "")
             + (message(lang, "diff.other_years", n=len(report.other_years)) if report.other_years else "")]
    for s in report.frame_summaries():
        name = lbl(s.label, lang)
        lines.append(f"{bullet}{name}: " + message(lang, "diff.frame_summary", changed=s.changed, old_eligible=s.old_eligible,
                                                    new_eligible=s.new_eligible, old=yen(s.old_total), new=yen(s.new_total),
                                                    delta=_signed(s.new_total - s.old_total)))
    counts = report.counts()
    lines += [f"{bullet}{message(lang, 'diff.kind.' + k)}: {counts[k]}" for k in KINDS if counts[k]]
    lines.append(bullet + message(lang, "diff.total", old=yen(report.old_total), new=yen(report.new_total),
                                  delta=_signed(report.new_total - report.old_total)))
    return lines


def text(report: DiffReport, lang: str = "ja") -> str:
    plain = lambda s: s  # noqa: E731
    lines = [message(lang, "diff.head", old=report.old, old_programme=report.old_programme, new=report.new,
                     new_programme=report.new_programme), ""]
    lines += _definition_lines(report, lang, "  ", plain) + [""]
    lines += _case_lines(report, lang, "  ", plain) + [""]
    lines += _summary_lines(report, lang, "  ")
    return "\n".join(lines) + "\n"


def markdown(report: DiffReport, lang: str = "ja") -> str:
    """The same three parts as nested lists (CommonMark): each indented line one level deeper."""
    code = lambda s: f"`{s}`" if s and s != _NONE else s  # noqa: E731
    lines = ["### " + message(lang, "diff.head", old=report.old, old_programme=report.old_programme, new=report.new,
                                new_programme=report.new_programme), ""]
    for body in (_definition_lines(report, lang, "- ", code), _case_lines(report, lang, "- ", code),
                 _summary_lines(report, lang, "- ")):
        lines += [f"#### {body[0]}", ""]
        for line in body[1:]:
            stripped = line.lstrip(" ")
            depth = (len(line) - len(stripped)) // 2
            if stripped.startswith("- ") and depth == 0:
                lines.append(stripped)
            else:  # "    x" under an item, "      - y" under that: one list level per two spaces past the item's
                text = stripped[2:] if stripped.startswith(("- ", "+ ")) and depth > 2 else stripped
                sign = stripped[:2] if stripped.startswith(("- ", "+ ")) and depth > 2 else ""
                lines.append("  " * max(depth - 1, 1) + "- " + (f"{sign.strip()} " if sign else "") + text)
        lines.append("")
    return "\n".join(lines)


def _state_json(s: FrameState | None):
    return None if s is None else {"status": s.status, "subsidy": s.subsidy, "reasons": list(s.reasons),
                                   "pending_steps": list(s.steps), "round": s.round}


def _clause_json(c: Clause) -> dict:
    return {"definition": {"kind": c.key[0], "name": c.key[1]}, "amounts": list(c.path), "clause": c.keyword,
            "old": list(c.old), "new": list(c.new)}


def json(report: DiffReport, lang: str = "ja") -> dict:
    return {
        "format": "subsidy-diff/2",
        "old": {"policy": report.old, "programme": report.old_programme},
        "new": {"policy": report.new, "programme": report.new_programme},
        "definitions": [{"kind": d.kind, "name": d.name, "change": d.change, "label": d.label,
                         "clauses": [_clause_json(c) for c in d.clauses]} for d in report.definitions],
        "definitions_added": list(report.added),
        "definitions_removed": list(report.removed),
        "cases": [
            {"case": c.case, "changed": c.changed, "error": c.error, "dates_checked": c.dates_checked,
             "old_best_frame": c.old_best, "new_best_frame": c.new_best, "old_total": c.old_total, "new_total": c.new_total,
             "frames": [{"frame": f.frame, "label": lbl(f.label, lang), "old_status": f.old_status, "new_status": f.new_status,
                         "old_subsidy": f.old_subsidy, "new_subsidy": f.new_subsidy, "delta": f.delta, "kinds": list(f.kinds),
                         "old": _state_json(f.old), "new": _state_json(f.new), "causes": [_clause_json(x) for x in f.causes]}
                        for f in c.frames],
             "rules": [{"name": r.name, "label": lbl(r.label, lang), "old": value(r.old), "new": value(r.new)} for r in c.rules]}
            for c in report.cases
        ],
        "frames": [{"frame": s.frame, "label": lbl(s.label, lang), "changed": s.changed,
                    "old_eligible": s.old_eligible, "new_eligible": s.new_eligible, "old_total": s.old_total,
                    "new_total": s.new_total} for s in report.frame_summaries()],
        "summary": {"cases": len(report.cases), "changed": sum(c.changed for c in report.cases),
                    "unreadable": sum(bool(c.error) for c in report.cases), "counts": report.counts(),
                    "other_years": list(report.other_years),
                    "old_total": report.old_total, "new_total": report.new_total, "delta": report.new_total - report.old_total},
    }
