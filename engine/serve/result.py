"""The self-check page's result panel: the verdict and, for a "no", a way forward (way_forward.py);
the date of the check, the call's period on the application date (call_period.py) and a disclaimer;
then per frame the verdict, the subsidy, the applicant's own share (自己負担額), its round, each unmet
condition with its citation as a document (citation.py), the verified what-ifs, the steps still to
take and the calculation as a table (calculation.py); the decision id in a collapsed technical
section. The reasons and what-ifs are the CLI's sentences (engine/explain/render_text); this module
arranges them as HTML.

When the page did not ask some questions (their answers cannot change any frame's status or
subsidy: engine/explain/relevance.py), the case was decided with placeholders for the required ones, so the
panel shows only what the answers given decide: the reasons, steps, amounts and what-ifs that do
not depend on a question not asked."""

from __future__ import annotations

import datetime
import json
from html import escape

import attrs

from engine.explain import relevance, sentences
from engine.tree import nodes as tree
from engine.evaluate.decision import AmountResult, FrameDecision
from engine.explain.messages import message
from engine.explain.render_text import cite, lbl, reason_lines, what_if_lines, yen
from engine.serve import calculation, call_period, way_forward
from engine.serve.citation import source_text
from engine.serve.decide import Outcome
from engine.serve.page_text import RESULT, text


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

    def touches_only_asked(self, w) -> bool:
        if self.unasked is None:
            return True
        touched = {relevance.input_path(c.path) for c in w.changes}
        return not any(t == p or t.startswith(p + ".") for t in touched for p in self.unasked.paths)

    def what_if(self, w) -> bool:
        """The whole what-if, its subsidy included: only when the answers decide the amount."""
        return self.amount and self.touches_only_asked(w)


def covered_cost(f: FrameDecision) -> int:
    """The cost the frame's amounts are computed on (whole yen: costs are whole yen)."""
    return int(sum(leaf.base for leaf in _leaves(f.amount)))


def _cited(line: str, c, lang: str) -> str:
    """A line of the CLI's with its citation (a source key) replaced by the document's title and passage."""
    key = cite(c, lang)
    said = line.strip()
    if key and said.endswith(key):
        said = said[: -len(key)].rstrip()
    source = source_text(c, lang)
    return escape(said) + (f' <span class="cite">{escape(source)}</span>' if source else "")


def _reason_items(r, lang: str) -> str:
    lines = reason_lines(r, lang)
    head = _cited(lines[0], r.cite, lang)
    rest = "".join(f"<li>{escape(line.strip())}</li>" for line in lines[1:])
    return f"<li>{head}" + (f"<ul>{rest}</ul>" if rest else "") + "</li>"


def _way_forward(f: FrameDecision, shown: _Shown, policy: tree.Policy | None, lang: str) -> str | None:
    """The sentence for a "no" whose what-ifs cannot be shown with a subsidy (it still depends on questions not asked)."""
    if f.status != "not_eligible" or policy is None:
        return None
    offers = [w for w in f.what_if if shown.touches_only_asked(w)]
    said = way_forward.sentence(policy, offers, lang)
    if said:
        return said
    # no verified what-if (the answers not asked were filled with placeholders): what would meet each
    # requirement the answers failed, read from its trace
    found = [way_forward.requirement_sentence(policy, r, lang) for r in f.reasons if shown.reason(r)]
    return "".join(dict.fromkeys(s for s in found if s)) or None


def _frame(f: FrameDecision, lang: str, shown: _Shown, policy: tree.Policy | None, said_above: str | None,
           frame_round: str | None = None) -> str:
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
    if granted and policy is not None and frame_round is not None:
        out.append(f'<p class="round">{escape(frame_round)}</p>')
    if reasons:
        items = "".join(_reason_items(r, lang) for r in reasons)
        out.append(f'<h4>{escape(message(lang, "reasons"))}</h4><ul class="reasons">{items}</ul>')
    if what_ifs:
        items = "".join(f"<li>{escape(line.strip())}</li>" for line in what_if_lines(attrs.evolve(f, what_if=tuple(what_ifs)), lang))
        out.append(f'<h4 class="what-if">{escape(message(lang, "what_if"))}</h4><ul class="what-if">{items}</ul>')
    else:
        forward = _way_forward(f, shown, policy, lang)
        if forward and forward != said_above:
            out.append(f'<p class="way-forward">{escape(forward)}</p>')
    if pending:
        dues = {s.name: s for s in f.step_dues}  # a step's own due date, and whether it had passed on the application date
        items = "".join(f"<li>□ {_cited(lbl(t.label, lang), t.cite, lang)}"
                        + (f' <span class="due">{escape(sentences.step_due(dues[t.name], lang))}</span>' if t.name in dues else "")
                        + "</li>" for t in pending)
        out.append(f'<h4>{escape(message(lang, "pending_steps"))}</h4><ul class="steps">{items}</ul>')
    if not shown.amount:  # computed from placeholders for questions not asked: nothing to show
        return "".join(out) + "</article>"
    caps = list(_binding_caps(f.amount))
    if caps and granted:
        items = "".join(f"<li>{escape(lbl(a.label, lang))}: {_cited(message(lang, 'cap.binding', limit=yen(c.limit)), c.cite, lang)}</li>"
                        for a, c in caps)
        out.append(f'<h4 class="caps">{escape(words["caps_reached"])}</h4><ul class="caps">{items}</ul>')
    if granted:
        out.append(calculation.table(f.amount, lang))
        bands = calculation.band_lines(f.amount, lang)
        if bands:
            out.append('<ul class="bands">' + "".join(f"<li>{escape(b)}</li>" for b in bands) + "</ul>")
        out += [f'<p class="rate-by">{escape(s)}</p>' for s in calculation.rate_reasons(f.amount, lang)]
    out.append("</article>")
    return "".join(out)


def _applied_on(outcome: Outcome, case: dict | None) -> datetime.date | None:
    """The case's application date: as the frames' deadlines read it, else as it chose the year, else as the case gives it."""
    for f in outcome.decision.frames:
        if f.deadline is not None and f.deadline.applied_on is not None:
            return f.deadline.applied_on
    chosen = ((outcome.body.get("selected_policy") or {}).get("chosen_by") or {}).get("date")
    applied = outcome.year.policy.applied_on
    if chosen is None and applied is not None:  # a year pinned by ?year=: the date as the case gives it
        value = case
        for key in applied.path:
            value = value.get(key) if isinstance(value, dict) else None
        chosen = value
    try:
        return datetime.date.fromisoformat(chosen) if isinstance(chosen, str) else None
    except ValueError:
        return None


def _call(policy: tree.Policy, day: datetime.date | None, lang: str) -> str:
    lead, rows = call_period.notice(policy, day, lang)
    items = "".join(f"<li>{escape(r)}</li>" for r in rows)
    # not a landmark: the page's own notice above the form is the region of that name
    return (f'<div class="call" id="result-call"><h3>{escape(RESULT[lang]["call"])}</h3>'
            f'<p>{escape(lead)}</p><details><summary>{escape(text(lang, "call.rounds"))}</summary><ul>{items}</ul></details></div>')


def disclaimer(lang: str, ident: str, landmark: bool = False) -> str:
    """The short disclaimer: a landmark (aside) once on the page, a plain paragraph in the result."""
    said = f'<strong>{escape(text(lang, "disclaimer.title"))}</strong> {escape(text(lang, "disclaimer"))}'
    if landmark:
        return f'<aside class="disclaimer" id="{ident}" aria-label="{escape(text(lang, "disclaimer.title"))}">{said}</aside>'
    return f'<p class="disclaimer" id="{ident}">{said}</p>'


def render(outcome: Outcome, lang: str, unasked: Unasked | None = None, case: dict | None = None) -> str:
    """The panel; `case` (the case as sent) gives the application date when the frames have no rounds to read it."""
    d = outcome.decision
    policy = outcome.year.policy
    best = next((f for f in d.frames if f.name == d.best_frame), None)
    frames = {fr.name: fr for fr in policy.frames}
    shown = {f.name: _Shown(frames.get(f.name), unasked) for f in d.frames}
    above = None
    if best is not None:
        verdict = (f'<p class="verdict ok" id="result-verdict">{escape(message(lang, "best_frame"))}: '
                   f'{escape(lbl(best.label, lang))} <strong>{yen(best.subsidy)}</strong></p>')
    else:
        verdict = f'<p class="verdict ng" id="result-verdict">{escape(message(lang, "no_frame"))}</p>'
        sentences = {_way_forward(f, shown[f.name], policy, lang) for f in d.frames}
        any_offer = any(shown[f.name].what_if(w) for f in d.frames for w in f.what_if)
        if len(sentences) == 1 and None not in sentences:
            above = sentences.pop()
        elif sentences == {None} and not any_offer:
            above = RESULT[lang]["way_forward.none"]
        if above:
            verdict += f'<p class="way-forward" id="result-way-forward">{escape(above)}</p>'
    ordered = sorted(d.frames, key=lambda f: (f.name != d.best_frame, f.status == "not_eligible"))
    ref = outcome.body["policy"]
    words = RESULT[lang]
    tech = (f'<details class="tech" id="result-tech"><summary>{escape(words["tech"])}</summary><p class="meta">'
            f'{escape(words["decision_id"])}: <code id="decision-id">{escape(outcome.body["decision_id"])}</code><br>'
            f'{escape(words["policy"])}: {escape(ref["programme"])}<br>'
            f'{escape(words["content_hash"])}: <code>{escape(ref["content_hash"][:12])}</code></p></details>')
    note = ""
    if unasked is not None and unasked.paths:
        note = f'<p class="not-asked" id="result-not-asked">{escape(words["not_asked"].format(n=len(unasked.paths)))}</p>'
        if unasked.filled:  # the page adds them to the case it downloads, so the download is this decision
            filled = json.dumps(unasked.filled, ensure_ascii=False).replace("<", "\\u003c")
            note += f'<script type="application/json" id="result-filled">{filled}</script>'
    checked = f'<p class="checked-on" id="result-date">{escape(words["checked_on"].format(day=call_period.day_text(call_period.today_in_japan(), lang)))}</p>'
    rounds = call_period.rows_by_frame(policy, _applied_on(outcome, case), lang)
    body = "".join(_frame(f, lang, shown[f.name], policy, above, rounds.get(f.name)) for f in ordered)
    return verdict + checked + _call(policy, _applied_on(outcome, case), lang) + disclaimer(lang, "result-disclaimer") + note + body + tech
