"""The call's period on the self-check page: for a day (the application date given, or today in
Japan), each frame's round — when it opens and closes and whether it is open that day — read from the
policy's deadlines by engine/tree/rounds.py, the same reading the evaluator makes. An applicant
sees this before a verdict, so that a confident 対象 for a call that has ended cannot mislead."""

from __future__ import annotations

import datetime

import attrs

from engine.tree import nodes as tree
from engine.tree import rounds
from engine.serve.page_text import text

JST = datetime.timezone(datetime.timedelta(hours=9))  # the 事務局's deadlines are Japan time


def today_in_japan() -> datetime.date:
    return datetime.datetime.now(JST).date()


def day_text(d: datetime.date, lang: str) -> str:
    """2024年7月1日 / 1 July 2024."""
    return text(lang, "date", year=d.year, month=d.month, day=d.day, month_name=f"{d:%B}")


def _moment(d: datetime.date, t: datetime.time | None, lang: str) -> str:
    return day_text(d, lang) + (f" {t.hour}:{t.minute:02d}" if t else "")


@attrs.frozen
class FrameRound:
    frame: tree.Frame
    state: str  # rounds.OPEN | BETWEEN | UNKNOWN | PASSED
    deadline: tree.Deadline | None  # the round the day falls in, or the next one (BETWEEN), or the last (PASSED)
    opens: datetime.date | None  # that round's first day, when known (the day after the previous round closed)
    opens_time: datetime.time | None


def _opening(frame: tree.Frame, index: int) -> tuple[datetime.date | None, datetime.time | None]:
    d = frame.deadlines[index]
    if d.opens is not None:
        return d.opens, d.opens_time
    if index > 0:  # rounds without a published opening follow each other (rules-2024.md §4, C-8)
        return frame.deadlines[index - 1].date + datetime.timedelta(days=1), None
    return None, None


def frame_rounds(policy: tree.Policy, day: datetime.date) -> list[FrameRound]:
    out = []
    for frame in policy.frames:
        if not frame.deadlines:
            continue
        state, index = rounds.round_of(frame.deadlines, frame.earlier_unknown, day)
        if state == rounds.PASSED:
            index = len(frame.deadlines) - 1
        elif state == rounds.UNKNOWN:
            index = 0
        opens, opens_time = _opening(frame, index)
        out.append(FrameRound(frame=frame, state=state, deadline=frame.deadlines[index], opens=opens, opens_time=opens_time))
    return out


def _label(frame: tree.Frame, lang: str) -> str:
    return (frame.label.en or frame.label.ja) if lang == "en" else frame.label.ja


def row(r: FrameRound, lang: str) -> str:
    d = r.deadline
    closes = _moment(d.date, d.time, lang)
    span = (_moment(r.opens, r.opens_time, lang) + "〜" + closes) if r.opens else text(lang, "call.until", closes=closes)
    key = {rounds.OPEN: "call.row.open", rounds.BETWEEN: "call.row.between", rounds.PASSED: "call.row.passed",
           rounds.UNKNOWN: "call.row.unknown"}[r.state]
    return text(lang, key, frame=_label(r.frame, lang), round=d.name, span=span, closes=closes)


def lead(policy: tree.Policy, found: list[FrameRound], day: datetime.date, given: bool, lang: str) -> str:
    """One sentence: is the call open on the day, and if not, has it ended or when does it open next."""
    on = text(lang, "call.on.given" if given else "call.on.today", day=day_text(day, lang))
    if not found:  # no frame's rounds are known (`deadlines unknown`): the policy's period of application
        if policy.in_force is None:
            return on + text(lang, "call.none")
        start, end = policy.in_force
        key = "call.span.before" if day < start else "call.span.passed" if day > end else "call.span.within"
        return on + text(lang, key, programme=policy.programme, start=day_text(start, lang), end=day_text(end, lang))
    if any(r.state == rounds.OPEN for r in found):
        return on + text(lang, "call.open")
    ahead = [r for r in found if r.state == rounds.BETWEEN]
    if ahead:
        first = min(ahead, key=lambda r: (r.opens or r.deadline.date))
        return on + text(lang, "call.between", opens=_moment(first.opens, first.opens_time, lang) if first.opens else
                         day_text(first.deadline.date, lang))
    if all(r.state == rounds.PASSED for r in found):
        last = max(found, key=lambda r: r.deadline.date).deadline
        return on + text(lang, "call.passed", programme=policy.programme, closes=_moment(last.date, last.time, lang))
    return on + text(lang, "call.unknown")


def notice(policy: tree.Policy, day: datetime.date | None, lang: str) -> tuple[str, list[str]]:
    """(the lead sentence, one line per frame) for the application date given, else today in Japan."""
    given = day is not None
    day = day or today_in_japan()
    found = frame_rounds(policy, day)
    unknown = [text(lang, "call.row.none", frame=_label(f, lang)) for f in policy.frames if not f.deadlines]
    return lead(policy, found, day, given, lang), [row(r, lang) for r in found] + unknown


def rows_by_frame(policy: tree.Policy, day: datetime.date | None, lang: str) -> dict[str, str]:
    """Each frame's line of the notice, by the frame's name (a result shows the granted frame's own)."""
    return {r.frame.name: row(r, lang) for r in frame_rounds(policy, day or today_in_japan())}
