"""The typed models of the decisions the service answers, from which /openapi.json's response schemas
are generated (typed.py; the other answers' models are in service_models.py). A decision's JSON is engine/explain/render_json's form of the evaluator's
Decision (engine/evaluate/decision.py): these classes name that form's keys and types, and a
citation is the policy's own Cite class. tests/test_serve_openapi.py validates the examples'
answers (full, traced, English, summary) against the generated schemas, unknown keys refused, so a
key added to the JSON and not here fails the tests."""

from __future__ import annotations

from typing import Literal

from engine.evaluate.decision import ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE
from engine.serve.typed import Date, JsonValue, Rational, model
from engine.serve.typed import field as _f  # "field" is also a key of some models
from engine.tree.nodes import Cite

Status = Literal[ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE]  # type: ignore[valid-type]


# Shapes shared by several answers are defined once and extended (attrs subclasses): a base class
# is no schema of its own unless an answer names it.
@model
class YearRef:
    """A policy year and the content hash of its files."""

    year: int = _f("the programme year")
    content_hash: str = _f("SHA-256 over the year's files, the grammar and the engine version")


@model
class PolicyRef(YearRef):
    """The policy year that decided: its folder, programme and content hash (every file of the year, the grammar and the engine version)."""

    folder: str = _f("the year's folder name")
    programme: str = _f("the programme's name")


@model
class ChosenBy:
    """Why this year: the case's date field and its value, or the year pinned by ?year=."""

    field: str = _f("the case's date field", optional=True)
    date: JsonValue = _f("the date the case gave", optional=True)
    pinned: str = _f("the year asked for by ?year=", optional=True)


@model
class SelectedPolicy:
    """The year chosen for the case and why."""

    folder: str = _f()
    programme: str = _f()
    in_force: list[Date] | None = _f("the first and last day of the year's call")
    chosen_by: ChosenBy = _f(optional=True)


@model
class Trace:
    """One step of the evaluation: what was computed (kind), its result, the rule or text it came from, and the steps under it. Other keys are facts of the step (members, path, table key…)."""

    OPEN = True
    kind: str = _f("rule value exclusion step compare member contains given not all any if cases arith round smaller total count among any_item all_item const input item table fallback round_of")
    result: JsonValue = _f("the step's value")
    type: str = _f("the value's type where the step says it: yen, count, number, ratio, bool, date, enum", optional=True)
    name: str = _f("the rule's name", optional=True)
    label: str = _f("the rule's label in the request's language", optional=True)
    source: Cite = _f("where the rule comes from", optional=True)
    op: str = _f(optional=True)
    at: str = _f("file:line of the policy", optional=True)
    text: str = _f("the policy's text of the step", optional=True)
    children: list[Trace] = _f(optional=True)


@model
class RuleOutcome:
    """A rule's name and result without its trace (a decision asked without trace=true)."""

    name: str = _f()
    result: JsonValue = _f()


@model
class Reason:
    """Why a frame is not (yet) granted: a requirement failed, an exclusion applied, a floor not reached, the date outside the call… Other keys are facts of the reason (amount, floor, round, opens…)."""

    OPEN = True
    kind: str = _f("requirement, exclusion, floor, deadline, not_open, closed, between_rounds or no_subsidy")
    name: str = _f("the rule's name", optional=True)
    label: str = _f("the rule's label in the request's language", optional=True)
    source: Cite = _f("where the rule comes from", optional=True)
    conditions: list[Trace] = _f("the conditions that made the rule fail (full form)", optional=True)
    sentences: list[str] = _f("each of those conditions as a person reads it (full form)", optional=True)


@model
class Step:
    """A step still to take before applying (gBizID, SECURITY ACTION…)."""

    name: str = _f()
    label: str | None = _f()
    source: Cite | None = _f()


@model
class StepDue:
    """A step with its own due date (`due` in the policy): when it is due and whether that day had passed on the application date."""

    name: str = _f()
    label: str | None = _f()
    done: bool = _f()
    due: str | None = _f("the date (YYYY-MM-DD); null when it counts from a round the application date is not in")
    passed: bool = _f("the due date was before the application date")
    sentence: str = _f("the same in words")
    source: Cite = _f(optional=True)


@model
class Change:
    """One field of the case changed by a what-if."""

    field: str = _f("the field's path, e.g. 申請者.従業員数 or 経費[0].金額")
    label: str | None = _f("the field's label in the request's language")
    from_: JsonValue = _f("the case's value", json="from")
    to: JsonValue = _f("the value that changes the outcome")


@model
class WhatIf:
    """A change of the case that would change the outcome, re-evaluated before it is shown. Other keys are facts (cap, part, amount, floor)."""

    OPEN = True
    kind: str = _f()
    changes: list[Change] = _f()
    status: Status = _f("the frame's status after the change")
    subsidy: int = _f("the frame's subsidy after the change, in yen")
    addresses: list[str] = _f("the reasons this change removes")
    sentence: str = _f("the change as a person reads it, in the request's language")


@model
class UncoveredExpense:
    """An expense no amount of the frame covers: its index and its fields as the case gave them."""

    OPEN = True
    index: int = _f()


@model
class Deadline:
    """The application round the case's date falls in, and its deadline."""

    applied_on: Date | None = _f()
    round: str | None = _f()
    deadline: Date | None = _f()
    last_deadline: Date | None = _f()
    closes_at: str | None = _f("the closing time of day, HH:MM (JST)")
    opens: Date | None = _f()
    round_unknown: bool = _f()
    next_opens: Date | None = _f()
    next_round: str | None = _f()
    source: Cite | None = _f()


@model
class Band:
    """One rate band of an amount: the part of the cost it covers, the rate and the subsidy."""

    rate: Rational = _f()
    measure: str | None = _f()
    limit: Rational | None = _f()
    cost: Rational = _f()
    subsidy: Rational = _f()
    rate_from: Trace | RuleOutcome = _f("the rule that chose the rate", optional=True)


@model
class CapCondition:
    """The condition of a cap (`when`) or its exception (`unless`) and whether it held."""

    when: str = _f(optional=True)
    unless: str = _f(optional=True)
    holds: JsonValue = _f()


@model
class Cap:
    """An upper limit of an amount: whether its condition held and whether it lowered the amount."""

    limit: int = _f("yen")
    active: bool = _f()
    binding: bool = _f("it lowered the amount")
    condition: CapCondition | None = _f()
    sentence: str = _f("the cap as a person reads it, in the request's language")
    source: Cite | None = _f()
    at: str = _f()


@model
class Floor:
    """A lower limit of an amount: below it nothing is granted."""

    limit: int = _f("yen")
    met: bool = _f()
    at: str = _f()


@model
class AmountLike:
    """An amount stated as another: that amount, its frame, the kinds of line that differ, and all of it as a sentence."""

    frame: str = _f()
    amount: str = _f()
    changed: list[Literal["base", "bands", "round_down", "caps", "floors", "parts", "for_each"]] = _f()
    sentence: str = _f()


@model
class Amount:
    """How a frame's amount is computed: the cost, the bands, rounding down, the parts or items, the caps and floors."""

    name: str = _f()
    label: str = _f()
    result: int = _f("the amount in yen")
    at: str = _f()
    source: Cite = _f(optional=True)
    item: int = _f("the list item this amount is for", optional=True)
    like: AmountLike = _f("the amount of the policy this one is stated as (`amount … like FRAME.AMOUNT`), and what differs", optional=True)
    cost: Rational = _f(optional=True)
    bands: list[Band] = _f(optional=True)
    unrounded: Rational = _f(optional=True)
    rounding: Literal["down"] | None = _f(optional=True)
    rounding_source: Cite = _f("where the rounding is stated (`round down source …`)", optional=True)
    parts: list[Amount] = _f(optional=True)
    items: list[Amount] = _f(optional=True)
    before_caps: int = _f()
    caps: list[Cap] = _f(optional=True)
    floors: list[Floor] = _f(optional=True)


@model
class Verdict:
    """A frame's status and subsidy."""

    status: Status = _f()
    subsidy: int = _f("the subsidy in yen (0 when not eligible)")


@model
class FrameOutcome(Verdict):
    """A frame's name, status and subsidy."""

    frame: str = _f("the frame's name")


@model
class SummaryFrame(FrameOutcome):
    """One frame in the summary form: status, subsidy, reasons and pending steps, in the shapes of the full form."""

    reasons: list[Reason] = _f()
    pending_steps: list[Step] = _f()



@model
class FrameDecision(SummaryFrame):
    """One frame (枠) of the programme: the verdict, the subsidy in yen and why."""

    label: str = _f("the frame's label in the request's language")
    eligible: bool = _f("eligible now or once the pending steps are done")
    source: Cite = _f()
    step_dues: list[StepDue] = _f("the frame's steps that carry a due date")
    what_if: list[WhatIf] = _f()
    uncovered_expenses: list[UncoveredExpense] = _f()
    deadline: Deadline | None = _f()
    amount: Amount = _f()
    requirements: list[Trace | RuleOutcome] = _f()
    exclusions: list[Trace | RuleOutcome] = _f()
    steps: list[Trace | RuleOutcome] = _f()


@model
class Ranking(FrameOutcome):
    """A frame the case may apply to, highest subsidy first."""


@model
class DecidedCase:
    """What every form of a decision begins with: its id, the year that decided and why, the programme and the best frame."""

    decision_id: str = _f("time-ordered and unique across workers; the decision log's key")
    policy: PolicyRef = _f()
    selected_policy: SelectedPolicy = _f()
    engine_version: str = _f()
    programme: str = _f()
    year: int | None = _f()
    best_frame: str | None = _f("the frame with the highest subsidy, if any is eligible")


@model
class Decision(DecidedCase):
    """The explained decision (`policy eval --format json`) with the id it was logged under and the year that decided."""

    format: Literal["subsidy-decision/1"] = _f()
    title: str | None = _f()
    ranking: list[Ranking] = _f()
    frames: list[FrameDecision] = _f()
    exclusions_applied: list[str] = _f()


@model
class SummaryDecision(DecidedCase):
    """The summary form (`form=summary`): the fast form's status, subsidy and reasons per frame."""

    format: Literal["subsidy-decision-summary/2"] = _f()
    frames: list[SummaryFrame] = _f()
