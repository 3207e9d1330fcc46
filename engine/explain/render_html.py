"""Decision -> one self-contained HTML page (inline CSS, no script, nothing from the network):
verdict and amount first, then reasons, what-ifs, the arithmetic of every band, and a
collapsible trace tree with citations. Phrases come from the same catalogue as the text."""

from __future__ import annotations

from html import escape

from engine.evaluate.decision import AmountResult, Decision, FrameDecision, Trace
from engine.explain import sentences
from engine.explain.messages import message
from engine.explain.render_text import selection, amount_lines, cite, condition, deadline_lines, lbl, mark, operand, reason_lines, uncovered_text, what_if_lines, yen

_CSS = """
body{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",sans-serif;margin:0;background:#f6f7f9;color:#1b1f24;line-height:1.55}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.35rem;margin:.2rem 0}
.sub{color:#4a5560;margin:0 0 1rem}
.best{background:#0b5d1e;color:#fff;padding:.8rem 1rem;border-radius:.4rem;font-size:1.1rem}
section.frame{background:#fff;border:1px solid #d0d7de;border-radius:.5rem;margin:1rem 0;padding:1rem 1.2rem}
.verdict{display:flex;flex-wrap:wrap;gap:.6rem;align-items:baseline}
.verdict h2{font-size:1.15rem;margin:0}
.badge{padding:.1rem .6rem;border-radius:1rem;font-weight:bold;font-size:.95rem}
.eligible{background:#d6f5dd;color:#0b5d1e}.eligible_after_steps{background:#fff1c2;color:#6b4e00}.not_eligible{background:#ffe0e0;color:#8a1010}
.amount{font-size:1.4rem;font-weight:bold;margin-left:auto}
h3{font-size:1rem;margin:1rem 0 .3rem}
ul{margin:.2rem 0 .2rem 1.2rem;padding:0}
li{margin:.15rem 0}
.cite{color:#4a5560;font-size:.85rem}
table{border-collapse:collapse;margin:.3rem 0}
td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:right}
th{background:#f0f3f6}
td.l,th.l{text-align:left}
details{margin:.15rem 0 .15rem 1rem}
summary{cursor:pointer}
.ok{color:#0b5d1e}.ng{color:#8a1010}
pre.arith{background:#f6f8fa;border:1px solid #d0d7de;border-radius:.3rem;padding:.6rem;white-space:pre-wrap;font-family:inherit;line-height:1.5}
"""


def _mark_class(result) -> str:
    return "ok" if result else "ng"


def _trace(t: Trace, lang: str, needed: bool = True) -> str:
    """A rule as a collapsible node; its conditions as list items with the values they saw (`needed`:
    render_text.trace_lines)."""
    if t.kind in ("rule", "exclusion", "step", "value"):
        head = f'<span class="{_mark_class(t.result)}">{mark(t.result) if t.kind != "value" else "="}</span> ' \
               f'{escape(lbl(t.label, lang))} <span class="cite">{escape(t.name)} {escape(cite(t.cite, lang))}</span>'
        inner = _trace(t.children[0], lang, needed and t.kind != "exclusion")
        return f"<details class=\"trace\"><summary>{head}</summary>{inner}</details>"
    if t.kind in ("all", "any", "not"):
        inner = needed != (t.kind == "not")
        items = "".join(f"<li>{_trace(c, lang, inner)}</li>" for c in t.children)
        head = sentences.requirement(t, lang) if t.kind == "not" else message(lang, "block." + t.kind)
        return f'<span class="{_mark_class(t.result)}">{mark(t.result)}</span> {escape(head)}<ul>{items}</ul>'
    if t.kind == "cases":
        *conditions, body = t.children
        taken = next((message(lang, "branch.yes", condition=sentences.requirement(c, lang)) for c in conditions if c.result),
                     message(lang, "branch.otherwise"))
        return f"→ {escape(taken)}<ul><li>{_trace(body, lang, needed)}</li></ul>"
    nested = "".join(f"<li>{_trace(c, lang, needed)}</li>" for c in t.children if c.kind in ("rule", "exclusion", "step", "value"))
    text = condition(t, lang, needed) if isinstance(t.result, bool) else operand(t, lang)
    symbol = mark(t.result) if isinstance(t.result, bool) else "="
    return f'<span class="{_mark_class(t.result is not False)}">{symbol}</span> {escape(text)}' + (f"<ul>{nested}</ul>" if nested else "")


def _cite(c, lang: str) -> str:
    text = cite(c, lang)
    return f' <span class="cite">{escape(text)}</span>' if text else ""


def _amount(a: AmountResult, lang: str) -> str:
    """The arithmetic, line for line as the text explanation shows it."""
    return f'<pre class="arith">{escape(chr(10).join(line[2:] for line in amount_lines(a, lang, 1)))}</pre>'


def _frame(f: FrameDecision, lang: str) -> str:
    status = message(lang, f"status.{f.status}")
    amount = f'<span class="amount">{escape(message(lang, "subsidy"))} {yen(f.subsidy)}</span>' if f.status != "not_eligible" else ""
    parts = [f'<section class="frame" id="frame-{escape(f.name)}"><div class="verdict"><h2>{escape(lbl(f.label, lang))}</h2>'
             f'<span class="badge {f.status}">{escape(status)}</span>{amount}</div>'
             f'<p class="cite">{escape(cite(f.cite, lang))}</p>']
    parts += [f"<p class=\"deadline\">{escape(line)}</p>" for line in deadline_lines(f, lang)]
    if f.reasons:
        items = "".join(f"<li>{escape(line.strip())}</li>" for r in f.reasons for line in reason_lines(r, lang))
        parts.append(f"<h3>{escape(message(lang, 'reasons'))}</h3><ul class=\"reasons\">{items}</ul>")
    if f.what_if:
        items = "".join(f"<li>{escape(line.strip())}</li>" for line in what_if_lines(f, lang))
        parts.append(f"<h3>{escape(message(lang, 'what_if'))}</h3><ul class=\"what-if\">{items}</ul>")
    if f.pending_steps:
        items = "".join(f"<li>□ {escape(lbl(t.label, lang))}{_cite(t.cite, lang)}</li>" for t in f.pending_steps)
        parts.append(f"<h3>{escape(message(lang, 'pending_steps'))}</h3><ul>{items}</ul>")
    if f.uncovered:
        items = "".join(f"<li>{escape(uncovered_text(u, lang))}</li>" for u in f.uncovered)
        parts.append(f"<h3>{escape(message(lang, 'uncovered'))}</h3><ul>{items}</ul>")
    parts.append(f"<h3>{escape(message(lang, 'amount'))}</h3>{_amount(f.amount, lang)}")
    rules = "".join(_trace(t, lang) for t in f.requirements)
    parts.append(f"<h3>{escape(message(lang, 'requirements'))}</h3><div class=\"trace-tree\">{rules}</div>")
    if f.exclusions:
        applied = [t for t in f.exclusions if t.result]
        body = "".join(_trace(t, lang) for t in applied) or f"<p>{escape(message(lang, 'exclusions.none'))}</p>"
        parts.append(f"<h3>{escape(message(lang, 'exclusions'))}</h3><div class=\"trace-tree\">{body}</div>")
    if f.steps:
        items = "".join(f'<li><span class="{_mark_class(t.result)}">{mark(t.result)}</span> {escape(lbl(t.label, lang))}{_cite(t.cite, lang)}</li>'
                        for t in f.steps)
        parts.append(f"<h3>{escape(message(lang, 'steps'))}</h3><ul>{items}</ul>")
    return "".join(parts) + "</section>"


def decision(d: Decision, lang: str = "ja", case_name: str = "", chosen: dict | None = None) -> str:
    """`chosen`: which policy year effective dating picked (said under the title), as `policy eval` says it."""
    best = next((f for f in d.frames if f.name == d.best_frame), None)
    banner = (f'<p class="best" id="verdict">{escape(message(lang, "best_frame"))}: {escape(lbl(best.label, lang))} {yen(best.subsidy)}</p>'
              if best else f'<p class="best" id="verdict" style="background:#8a1010">{escape(message(lang, "no_frame"))}</p>')
    others = sorted((f for f in d.frames if f.status != "not_eligible" and f.name != d.best_frame), key=lambda f: -f.subsidy)
    if others:
        banner += "<p>" + escape(message(lang, "best_frame.why", others="、".join(f"{lbl(f.label, lang)} {yen(f.subsidy)}" for f in others))) + "</p>"
    ordered = sorted(d.frames, key=lambda f: f.name != d.best_frame)  # the verdict's frame first, then the policy's order
    frames = "".join(_frame(f, lang) for f in ordered)
    title = f"{d.programme} — {case_name}" if case_name else d.programme
    selected = f'<p class="sub" id="selected-policy">{escape(selection(chosen, lang))}</p>' if chosen else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><main><h1>{escape(d.programme)}</h1>"
            f'<p class="sub">{escape(d.title or "")} {escape(case_name)}</p>{selected}{banner}{frames}</main></body></html>\n')
