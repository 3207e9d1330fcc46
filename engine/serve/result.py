"""The self-check page's result panel: per frame the verdict, the subsidy, the applicant's own
share (自己負担), the arithmetic of every band, the caps reached, each unmet condition with its
citation, the verified what-ifs and the steps still to take. Every phrase is the CLI's
(engine/render_text, engine/messages); this module only arranges them as HTML.

When the page did not ask some questions (their answers cannot change any frame's status or
subsidy: engine/explain/relevance.py), the case was decided with placeholders for the required ones, so the
panel shows only what the answers given decide: the reasons, steps, amounts and what-ifs that do
not depend on a question not asked."""

from __future__ import annotations

import json
from html import escape

import attrs

from engine.explain import relevance
from engine.tree import nodes as tree
from engine.evaluate.decision import AmountResult, FrameDecision
from engine.explain.messages import message
from engine.explain.render_text import amount_lines, cite, lbl, reason_lines, what_if_lines, yen
from engine.serve.decide import Outcome
from engine.serve.page_text import RESULT


def _leaves(a: AmountResult):
    if a.base is not None:
        yield a
    for p in a.parts + a.items:
        yield from _leaves(p)


def _binding_caps(a: AmountResult):
    for c in a.caps:
        if c.binding:
            yield a, c
    for p in a.parts + a.items:
        yield from _binding_caps(p)


@attrs.frozen
class Unasked:
    paths: tuple[str, ...]  # the questions not asked
    run: relevance.Partial  # the tree evaluated with those open and every answer given known
    filled: dict = attrs.field(factory=dict)  # path -> the placeholder a required one was decided with


class _Shown:
    """What of a frame's decision the answers given decide (all of it when every question was asked)."""

    def __init__(self, frame: tree.Frame | None, unasked: Unasked | None):
        self.frame, self.unasked = frame, unasked
        if unasked is None or frame is None or not unasked.paths:
            self.amount = True
            return
        self.amount = not relevance.is_open(unasked.run.amount(frame.amount)[0])

    def definition(self, name: str | None) -> bool:
        if self.unasked is None or not self.unasked.paths or name is None:
            return True
        return not relevance.is_open(self.unasked.run.definition(name))

    def reason(self, r) -> bool:
        if r.kind in ("requirement", "exclusion"):
            return self.definition(r.name)
        if r.kind in ("floor", "no_subsidy"):
            return self.amount
        run = self.unasked.run if self.unasked else None
        applied = run.policy.applied_on if run else None
        return run is None or applied is None or not relevance.is_open(run.read(applied.path))

    def what_if(self, w) -> bool:
        if self.unasked is None:
            return True
        touched = {relevance.input_path(c.path) for c in w.changes}
        return self.amount and not any(t == p or t.startswith(p + ".") for t in touched for p in self.unasked.paths)


def covered_cost(f: FrameDecision) -> int:
    """The cost the frame's amounts are computed on (whole yen: costs are whole yen)."""
    return int(sum(leaf.base for leaf in _leaves(f.amount)))


def _frame(f: FrameDecision, lang: str, shown: _Shown) -> str:
    words = RESULT[lang]
    status = message(lang, f"status.{f.status}")
    granted = f.status != "not_eligible"
    cost = covered_cost(f)
    reasons = [r for r in f.reasons if shown.reason(r)]
    what_ifs = [w for w in f.what_if if shown.what_if(w)]
    pending = [t for t in f.pending_steps if shown.definition(t.name)]
    out = [f'<article class="frame-result" id="result-frame-{escape(f.name)}" data-status="{f.status}">'
           f'<h3>{escape(lbl(f.label, lang))} <span class="badge {f.status}">{escape(status)}</span></h3>']
    if granted:
        out.append(f'<dl class="money"><dt>{escape(message(lang, "subsidy"))}</dt><dd class="subsidy">{yen(f.subsidy)}</dd>'
                   f'<dt>{escape(words["covered"])}</dt><dd class="covered">{yen(cost)}</dd>'
                   f'<dt>{escape(words["own_share"])}</dt><dd class="own-share">{yen(cost - f.subsidy)}</dd></dl>')
    if reasons:
        items = "".join(f"<li>{escape(line.strip())}</li>" for r in reasons for line in reason_lines(r, lang))
        out.append(f'<h4>{escape(message(lang, "reasons"))}</h4><ul class="reasons">{items}</ul>')
    if what_ifs:
        items = "".join(f"<li>{escape(line.strip())}</li>" for line in what_if_lines(attrs.evolve(f, what_if=tuple(what_ifs)), lang))
        out.append(f'<h4>{escape(message(lang, "what_if"))}</h4><ul class="what-if">{items}</ul>')
    if pending:
        items = "".join(f"<li>□ {escape(lbl(t.label, lang))} <span class=\"cite\">{escape(cite(t.cite, lang))}</span></li>"
                        for t in pending)
        out.append(f'<h4>{escape(message(lang, "pending_steps"))}</h4><ul class="steps">{items}</ul>')
    if not shown.amount:  # computed from placeholders for questions not asked: nothing to show
        return "".join(out) + "</article>"
    caps = list(_binding_caps(f.amount))
    if caps and granted:
        items = "".join(f"<li>{escape(lbl(a.label, lang))}: {escape(message(lang, 'cap.binding', limit=yen(c.limit)))}"
                        f" <span class=\"cite\">{escape(cite(c.cite, lang))}</span></li>" for a, c in caps)
        out.append(f'<h4>{escape(words["caps_reached"])}</h4><ul class="caps">{items}</ul>')
    arithmetic = "\n".join(line[2:] for line in amount_lines(f.amount, lang, 1))
    out.append(f'<details class="arith"{" open" if granted else ""}><summary>{escape(message(lang, "amount"))}</summary>'
               f'<pre>{escape(arithmetic)}</pre></details></article>')
    return "".join(out)


def render(outcome: Outcome, lang: str, unasked: Unasked | None = None) -> str:
    d = outcome.decision
    best = next((f for f in d.frames if f.name == d.best_frame), None)
    if best is not None:
        verdict = (f'<p class="verdict ok" id="result-verdict">{escape(message(lang, "best_frame"))}: '
                   f'{escape(lbl(best.label, lang))} <strong>{yen(best.subsidy)}</strong></p>')
    else:
        verdict = f'<p class="verdict ng" id="result-verdict">{escape(message(lang, "no_frame"))}</p>'
    ordered = sorted(d.frames, key=lambda f: (f.name != d.best_frame, f.status == "not_eligible"))
    ref = outcome.body["policy"]
    words = RESULT[lang]
    meta = (f'<p class="meta">{escape(words["decision_id"])}: <code id="decision-id">{escape(outcome.body["decision_id"])}</code> · '
            f'{escape(words["policy"])}: {escape(ref["programme"])} <code>{escape(ref["content_hash"][:12])}</code></p>')
    frames = {fr.name: fr for fr in outcome.year.policy.frames}
    note = ""
    if unasked is not None and unasked.paths:
        note = f'<p class="not-asked" id="result-not-asked">{escape(words["not_asked"].format(n=len(unasked.paths)))}</p>'
        if unasked.filled:  # the page adds them to the case it downloads, so the download is this decision
            filled = json.dumps(unasked.filled, ensure_ascii=False).replace("<", "\\u003c")
            note += f'<script type="application/json" id="result-filled">{filled}</script>'
    return verdict + meta + note + "".join(_frame(f, lang, _Shown(frames.get(f.name), unasked)) for f in ordered)
