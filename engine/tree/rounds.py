"""The rounds of a call (a frame's deadlines), read by every evaluator alike: which round an
application date falls in, or why none does. Dates only: a case gives the day it applies, and a
round's closing time (17:00) is the applicant's to meet on its last day."""

from __future__ import annotations

import datetime

from engine.tree import dates

OPEN, BETWEEN, UNKNOWN, PASSED = "open", "between", "unknown", "passed"


def round_of(deadlines, earlier_unknown: bool, applied: datetime.date) -> tuple[str, int | None]:
    """(what, index): OPEN with the round's index; BETWEEN with the index of the round that opens
    next (the date is after one round closed and before the next opened, or before the first one
    opened); UNKNOWN (a date up to the first listed round, whose earlier rounds are not known and
    whose own opening is not either — never guessed as that round); PASSED after the last."""
    for i, d in enumerate(deadlines):
        if applied <= d.date:
            if d.opens is not None and applied < d.opens:
                return (UNKNOWN, None) if i == 0 and earlier_unknown else (BETWEEN, i)
            if i == 0 and earlier_unknown and d.opens is None:
                return UNKNOWN, None
            return OPEN, i
    return PASSED, None


def round_date(frame, applied: datetime.date | None, part: str) -> datetime.date | str | None:
    """`deadline of FRAME` / `opening of FRAME`: that date of the round `applied` falls in (part
    `name`: its name, for `round of FRAME is "…"`); None when there is no application date, it
    falls in no round (or an unknown one), or the round's opening is not stated."""
    if applied is None:
        return None
    what, index = round_of(frame.deadlines, frame.earlier_unknown, applied)
    if what != OPEN:
        return None
    d = frame.deadlines[index]
    return d.date if part == "deadline" else d.name if part == "name" else d.opens


def closed_spans(deadlines, earlier_unknown: bool) -> list[tuple[datetime.date | None, datetime.date]]:
    """The dates in no round before the last deadline, as (after, before): applied > after (or any
    date when after is None) and applied < before. Their union and `> last deadline` are exactly the
    dates round_of does not find a round for, UNKNOWN aside."""
    spans = []
    previous = None
    for i, d in enumerate(deadlines):
        if d.opens is not None and not (i == 0 and earlier_unknown):
            spans.append((previous.date if previous is not None else None, d.opens))
        previous = d
    return spans


def step_due(frame, due, applied: datetime.date | None) -> datetime.date | None:
    """The day a step of `frame` is due: its `due` date, or the deadline of the round `applied`
    falls in moved by the due's duration (None when the date is in no round)."""
    if due.date is not None:
        return due.date
    deadline = round_date(frame, applied, "deadline")
    return deadline if deadline is None or not due.amount else dates.shift(deadline, due.amount, due.unit)


def has_due_steps(policy, frame) -> bool:
    """Whether a step of `frame` has a `due` line (then every form reports its overdue steps)."""
    return any(policy.definitions[n].due is not None for n in frame.steps)


def overdue_steps(policy, frame, applied: datetime.date | None, pending) -> list[str]:
    """The steps of `pending` (still to take, in the frame's order) whose due date was before the
    application date."""
    if applied is None:
        return []
    out = []
    for name in pending:
        due = policy.definitions[name].due
        day = step_due(frame, due, applied) if due is not None else None
        if day is not None and applied > day:
            out.append(name)
    return out
