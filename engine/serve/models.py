"""The typed models of every JSON answer of the service, from which /openapi.json's response schemas
are generated (typed.py). A decision's JSON is engine/explain/render_json's form of the evaluator's
Decision (engine/evaluate/decision.py): these classes name that form's keys and types, and a
citation is the policy's own Cite class. tests/test_serve_openapi.py validates the answers for every
example (full, traced, English, summary) against the generated schemas, unknown keys refused, so a
key added to the JSON and not here fails the tests."""

from __future__ import annotations

from typing import Literal

from engine.evaluate.decision import ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE
from engine.serve.problems import KINDS
from engine.serve.typed import Date, JsonValue, Rational, model
from engine.serve.typed import field as _f  # "field" is also a key of some models
from engine.tree.nodes import Cite, Label

Status = Literal[ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE]  # type: ignore[valid-type]
Code = Literal[tuple(KINDS)]  # type: ignore[valid-type]


@model
class PolicyRef:
    """The policy year that decided: its folder, programme and content hash (every file of the year, the grammar and the engine version)."""

    year: int = _f("the programme year")
    folder: str = _f("the year's folder name")
    programme: str = _f("the programme's name")
    content_hash: str = _f("SHA-256 over the year's files, the grammar and the engine version")


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
    kind: str = _f("rule value exclusion step compare member contains given not all any if cases arith round smaller total count among any_item all_item const input item table")
    result: JsonValue = _f("the step's value")
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


@model
class Step:
    """A step still to take before applying (gBizID, SECURITY ACTION…)."""

    name: str = _f()
    label: str | None = _f()
    source: Cite | None = _f()


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
    source: Cite | None = _f()
    at: str = _f()


@model
class Floor:
    """A lower limit of an amount: below it nothing is granted."""

    limit: int = _f("yen")
    met: bool = _f()
    at: str = _f()


@model
class Amount:
    """How a frame's amount is computed: the cost, the bands, rounding down, the parts or items, the caps and floors."""

    name: str = _f()
    label: str = _f()
    result: int = _f("the amount in yen")
    at: str = _f()
    source: Cite = _f(optional=True)
    item: int = _f("the list item this amount is for", optional=True)
    cost: Rational = _f(optional=True)
    bands: list[Band] = _f(optional=True)
    unrounded: Rational = _f(optional=True)
    rounding: Literal["down"] | None = _f(optional=True)
    parts: list[Amount] = _f(optional=True)
    items: list[Amount] = _f(optional=True)
    before_caps: int = _f()
    caps: list[Cap] = _f(optional=True)
    floors: list[Floor] = _f(optional=True)


@model
class FrameDecision:
    """One frame (枠) of the programme: the verdict, the subsidy in yen and why."""

    frame: str = _f("the frame's name")
    label: str = _f("the frame's label in the request's language")
    status: Status = _f()
    eligible: bool = _f("eligible now or once the pending steps are done")
    subsidy: int = _f("the subsidy in yen (0 when not eligible)")
    source: Cite = _f()
    reasons: list[Reason] = _f()
    pending_steps: list[Step] = _f()
    what_if: list[WhatIf] = _f()
    uncovered_expenses: list[UncoveredExpense] = _f()
    deadline: Deadline | None = _f()
    amount: Amount = _f()
    requirements: list[Trace | RuleOutcome] = _f()
    exclusions: list[Trace | RuleOutcome] = _f()
    steps: list[Trace | RuleOutcome] = _f()


@model
class Ranking:
    """A frame the case may apply to, highest subsidy first."""

    frame: str = _f()
    status: Status = _f()
    subsidy: int = _f()


@model
class Decision:
    """The explained decision (`policy eval --format json`) with the id it was logged under and the year that decided."""

    decision_id: str = _f("time-ordered and unique across workers; the decision log's key")
    policy: PolicyRef = _f()
    selected_policy: SelectedPolicy = _f()
    format: Literal["subsidy-decision/1"] = _f()
    engine_version: str = _f()
    programme: str = _f()
    title: str | None = _f()
    year: int | None = _f()
    best_frame: str | None = _f("the frame with the highest subsidy, if any is eligible")
    ranking: list[Ranking] = _f()
    frames: list[FrameDecision] = _f()
    exclusions_applied: list[str] = _f()


@model
class SummaryFrame:
    """One frame in the summary form: status, subsidy, reasons and pending steps, in the shapes of the full form."""

    frame: str = _f()
    status: Status = _f()
    subsidy: int = _f()
    reasons: list[Reason] = _f()
    pending_steps: list[Step] = _f()


@model
class SummaryDecision:
    """The summary form (`form=summary`): the fast form's status, subsidy and reasons per frame."""

    decision_id: str = _f()
    policy: PolicyRef = _f()
    format: Literal["subsidy-decision-summary/2"] = _f()
    engine_version: str = _f()
    programme: str = _f()
    year: int | None = _f()
    selected_policy: SelectedPolicy = _f()
    best_frame: str | None = _f()
    frames: list[SummaryFrame] = _f()


@model
class FieldError:
    """One thing wrong: the field's path (?name for a query parameter; null for the whole body), the value it got as JSON spells it, what it expects, and the message."""

    field: str | None = _f()
    got: str | None = _f()
    expected: str | None = _f()
    message: str = _f("in the request's language")


@model
class Problem:
    """An error (RFC 9457 problem details, application/problem+json)."""

    type: str = _f("a URI reference per kind of error: GET it for the description")
    code: Code = _f("the kind of error")
    title: str = _f("the kind of error, in the request's language")
    status: int = _f("the HTTP status")
    detail: str = _f("this occurrence, in the request's language")
    instance: str = _f("the request's path", optional=True)
    errors: list[FieldError] = _f()
    engine_version: str = _f()
    policy: PolicyRef = _f("the year that read the case, once one was chosen", optional=True)
    years_available: list[int] = _f(optional=True)
    limit_bytes: int = _f(optional=True)
    limit_cases: int = _f(optional=True)
    time_limit_seconds: float = _f(optional=True)


@model
class BatchDecision:
    """A case of the batch that was decided."""

    index: int = _f()
    ok: Literal[True] = _f()
    decision: Decision | SummaryDecision = _f()


@model
class BatchProblem(Problem):
    """A case of the batch that was not decided: its problem."""

    index: int = _f()
    ok: Literal[False] = _f()


@model
class Batch:
    """One result per case, in order."""

    engine_version: str = _f()
    count: int = _f()
    errors: int = _f("how many cases were not decided")
    results: list[BatchDecision | BatchProblem] = _f()


@model
class YearServed:
    """A policy year served."""

    year: int = _f()
    folder: str = _f()
    programme: str = _f()
    title: str | None = _f()
    in_force: list[Date] | None = _f()
    applied_on: str | None = _f("the case's field whose date picks the year")
    content_hash: str = _f()
    frames: list[str] = _f()


@model
class Reload:
    """The last reload: whether it succeeded, when, the generation served, the error, the years changed and removed."""

    ok: bool = _f()
    at: str = _f()
    generation: int = _f()
    error: str | None = _f()
    changed: list[str] = _f(optional=True)
    removed: list[str] = _f(optional=True)


@model
class Policies:
    """The years served."""

    engine_version: str = _f()
    generation: int = _f()
    loaded_at: str = _f()
    last_reload: Reload = _f()
    years: list[YearServed] = _f()


@model
class Health:
    """The process answers."""

    status: Literal["ok"] = _f()
    engine_version: str = _f()


@model
class Ready:
    """Policies compiled, the last reload's result, the decision log writable."""

    status: Literal["ready", "not ready"] = _f()
    generation: int = _f()
    years: list[int] = _f()
    last_reload: Reload = _f()
    engine_version: str = _f()
    reason: str = _f(optional=True)


@model
class Decided:
    """A frame whose outcome the answers given already decide."""

    status: Status = _f()
    subsidy: int = _f()


@model
class YearRef:
    year: int = _f()
    content_hash: str = _f()


@model
class Relevant:
    """The self-check page's call: which questions can still change the result."""

    asked: list[str] = _f()
    not_asked: list[str] = _f()
    frames: list[str] = _f()
    decided: dict[str, Decided | None] = _f()
    policy: YearRef = _f()
    engine_version: str = _f()


@model
class Member:
    """A choice of an enum input, with its labels."""

    name: str = _f()
    label: Label = _f()


@model
class Column:
    """A column of a table: its type and unit."""

    name: str = _f()
    type: str = _f("yen count ratio bool date enum")
    unit: str | None = _f()


@model
class Definition:
    """An input, rule, value, exclusion, step, table or frame of a policy year: its labels in both languages, kind, type, unit, where it is written and the source it cites."""

    name: str = _f()
    kind: Literal["input", "rule", "value", "exclusion", "step", "table", "frame"] = _f()
    label: Label = _f("the labels, Japanese and English")
    type: str | None = _f("yen count ratio bool date enum list (a rule's is bool)")
    unit: str | None = _f("円 for yen; a count's unit as the policy writes it (人, か月)")
    source: Cite | None = _f("the source it cites (an input cites none)")
    at: str | None = _f("file:line of the policy (an input's declaration: none)")
    path: str = _f("an input's path in the case, e.g. 申請者.資本金 or 経費[].金額", optional=True)
    optional: bool = _f("an input the case may leave out", optional=True)
    members: list[Member] = _f("an enum input's choices", optional=True)
    items: str | None = _f("a list input's element type", optional=True)
    help: Label = _f(optional=True)
    text: str = _f("the definition's first line in the policy (/v1/rules/{name})", optional=True)
    key: str = _f("a table's key: the enum whose members are its rows", optional=True)
    columns: list[Column] = _f(optional=True)
    rows: dict[str, list[JsonValue]] = _f("a table's rows by member (/v1/rules/{name})", optional=True)
    requires: list[str] = _f("a frame's requirements", optional=True)
    exclusions: list[str] = _f("a frame's exclusions", optional=True)
    steps: list[str] = _f("a frame's steps", optional=True)


@model
class Rules:
    """What a policy year is made of."""

    engine_version: str = _f()
    policy: PolicyRef = _f()
    definitions: list[Definition] = _f()
