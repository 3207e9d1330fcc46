"""The self-check page's result panel: the verdict and, for a "no", a way forward (way_forward.py);
the date of the check, the call's period on the application date (call_period.py) and a disclaimer;
then per frame the verdict, the subsidy, the applicant's own share (自己負担額), its round, each unmet
condition with its citation as a document (citation.py), the verified what-ifs, the steps still to
take and the calculation as a table (calculation.py); the decision id in a collapsed technical
section. The reasons and what-ifs are the CLI's sentences (engine/explain/render_text); this module
arranges them as a view that the autoescaped template templates/result.html draws (an office's own
result.html in POLICY_PAGE_TEMPLATES replaces it).

When the page did not ask some questions (their answers cannot change any frame's status or
subsidy: engine/explain/relevance.py), the case was decided with placeholders for the required ones, so the
panel shows only what the answers given decide: the reasons, steps, amounts and what-ifs that do
not depend on a question not asked."""

from __future__ import annotations

import datetime
import functools
import json

import attrs
import markupsafe

from engine.explain import relevance, sentences
from engine.tree import nodes as tree
from engine.evaluate.decision import AmountResult, FrameDecision, amounts_within
from engine.explain.messages import message
from engine.explain.render_text import cite, lbl, reason_lines, what_if_lines, yen
from engine.serve import calculation, call_period, templating, way_forward
from engine.serve.citation import source_text
from engine.serve.decide import Outcome
from engine.serve.page_text import text


def _binding_caps(a: AmountResult):
    return [(r, c) for r in amounts_within(a) for c in r.caps if c.binding]


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
    return int(sum(r.base for r in amounts_within(f.amount) if r.base is not None))


def _cited(line: str, c, lang: str) -> dict:
    """A line of the CLI's with its citation (a source key) replaced by the document's title and passage."""
    key = cite(c, lang)
    said = line.strip()
    if key and said.endswith(key):
        said = said[: -len(key)].rstrip()
    return {"text": said, "source": source_text(c, lang)}


def _reason(r, lang: str) -> dict:
    lines = reason_lines(r, lang)
    return {**_cited(lines[0], r.cite, lang), "more": [line.strip() for line in lines[1:]]}


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
           frame_round: str | None = None) -> dict:
    """A frame's part of the panel as templates/result.html reads it."""
    granted = f.status != "not_eligible"
    cost = covered_cost(f)
    what_ifs = [w for w in f.what_if if shown.what_if(w)]
    dues = {s.name: s for s in f.step_dues}  # a step's own due date, and whether it had passed on the application date
    view = {"name": f.name, "status": f.status, "status_text": message(lang, f"status.{f.status}"), "label": lbl(f.label, lang),
            "money": {"subsidy": yen(f.subsidy), "covered": yen(cost), "own_share": yen(cost - f.subsidy)} if granted else None,
            "round": frame_round if granted and policy is not None else None,
            "reasons": [_reason(r, lang) for r in f.reasons if shown.reason(r)],
            "what_ifs": [line.strip() for line in what_if_lines(attrs.evolve(f, what_if=tuple(what_ifs)), lang)] if what_ifs else [],
            "forward": None,
            "steps": [{**_cited(lbl(t.label, lang), t.cite, lang),
                       "due": sentences.step_due(dues[t.name], lang) if t.name in dues else None}
                      for t in f.pending_steps if shown.definition(t.name)],
            "caps": [], "table": None, "bands": [], "rate_by": []}
    if not what_ifs:
        forward = _way_forward(f, shown, policy, lang)
        view["forward"] = forward if forward != said_above else None
    if not shown.amount or not granted:  # computed from placeholders for questions not asked: nothing to show
        return view
    # each cap reached as the sentence writer says it: why it applies and, for a limit the case's own
    # amounts set (複数社連携 (c)), how it was derived
    view["caps"] = [{"label": lbl(a.label, lang), **_cited(sentences.cap(c, lang), c.cite, lang)} for a, c in _binding_caps(f.amount)]
    view.update(table=calculation.table(f.amount, lang), bands=calculation.band_lines(f.amount, lang),
                rate_by=calculation.rate_reasons(f.amount, lang))
    return view


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


def render(outcome: Outcome, lang: str, unasked: Unasked | None = None, case: dict | None = None) -> str:
    """The panel; `case` (the case as sent) gives the application date when the frames have no rounds to read it."""
    d = outcome.decision
    policy = outcome.year.policy
    best = next((f for f in d.frames if f.name == d.best_frame), None)
    frames = {fr.name: fr for fr in policy.frames}
    shown = {f.name: _Shown(frames.get(f.name), unasked) for f in d.frames}
    above = None
    if best is None:
        forwards = {_way_forward(f, shown[f.name], policy, lang) for f in d.frames}
        any_offer = any(shown[f.name].what_if(w) for f in d.frames for w in f.what_if)
        if len(forwards) == 1 and None not in forwards:
            above = forwards.pop()
        elif forwards == {None} and not any_offer:
            above = _w(lang, "way_forward.none")
    ordered = sorted(d.frames, key=lambda f: (f.name != d.best_frame, f.status == "not_eligible"))
    ref = outcome.body["policy"]
    not_asked, filled = None, None
    if unasked is not None and unasked.paths:
        not_asked = _w(lang, "not_asked", n=len(unasked.paths))
        if unasked.filled:  # JSON inside <script>: no "</script>" can close it early; not escaped again
            filled = markupsafe.Markup(json.dumps(unasked.filled, ensure_ascii=False).replace("<", "\\u003c"))
    applied = _applied_on(outcome, case)
    lead, rows = call_period.notice(policy, applied, lang)
    rounds = call_period.rows_by_frame(policy, applied, lang)
    panel = templating.environment().get_template("result.html")
    return panel.render(
        t=functools.partial(text, lang), r=functools.partial(_w, lang), m=functools.partial(message, lang),
        best={"label": lbl(best.label, lang), "subsidy": yen(best.subsidy)} if best is not None else None, above=above,
        checked_on=_w(lang, "checked_on", day=call_period.day_text(call_period.today_in_japan(), lang)),
        call={"lead": lead, "rows": rows}, not_asked=not_asked, filled_json=filled,
        frames=[_frame(f, lang, shown[f.name], policy, above, rounds.get(f.name)) for f in ordered],
        tech={"decision_id": outcome.body["decision_id"], "programme": ref["programme"], "content_hash": ref["content_hash"][:12]})


def _w(lang: str, key: str, /, **values) -> str:
    """A phrase of the result panel (catalogue domain "page", keys result.*)."""
    return text(lang, "result." + key, **values)
