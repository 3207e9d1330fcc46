"""The typed models of the service's other answers: problems, batches, the years served, health and
readiness, the page's call and the policy catalogue of /v1/rules (see models.py for the decisions)."""

from __future__ import annotations

from typing import Literal

from engine.evaluate.case_problems import CODES
from engine.serve.models import Decision, PolicyRef, SummaryDecision, Verdict, YearRef
from engine.serve.problems import KINDS
from engine.serve.typed import Date, JsonValue, model
from engine.serve.typed import field as _f  # "field" is also a key of some models
from engine.tree.nodes import Cite, Label

Code = Literal[tuple(KINDS)]  # type: ignore[valid-type]
FieldErrorCode = Literal[CODES]  # type: ignore[valid-type]


@model
class Accepts:
    """What a field of the case takes: its type (an input's type; field_name for an unknown key: the
    names it may be; frame for the case's "frame"), with the bounds, choices or fields where they apply."""

    type: Literal["yen", "count", "ratio", "bool", "date", "enum", "list", "object", "field_name", "frame"] = _f()
    minimum: int = _f("the least a number takes", optional=True)
    maximum: int = _f("the most a number takes", optional=True)
    choices: list[str] = _f("an enum's choices by name; the field names an unknown key may be", optional=True)
    fields: list[str] = _f("an object's fields by name", optional=True)
    of: str = _f("a list's element type", optional=True)
    max_items: int = _f("the most items a list holds", optional=True)


@model
class FieldError:
    """One thing wrong: the field's path (?name for a query parameter; null for the whole body), the value it got as JSON spells it, what it expects, and the message."""

    field: str | None = _f()
    got: str | None = _f()
    expected: str | None = _f()
    message: str = _f("in the request's language")
    label: str = _f("the field as the message names it (its labels in Japanese, its path in English), when the case reader gives it", optional=True)
    code: FieldErrorCode = _f("the kind of problem with the case, when the case reader gives it", optional=True)
    accepts: Accepts = _f("what the field takes, as data, when the case reader gives it", optional=True)


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
class YearServed(PolicyRef):
    """A policy year served."""

    title: str | None = _f()
    in_force: list[Date] | None = _f()
    applied_on: str | None = _f("the case's field whose date picks the year")
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
class Decided(Verdict):
    """A frame whose outcome the answers given already decide."""


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
