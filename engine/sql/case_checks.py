"""The case reader's value checks (engine/evaluate/case.py) over a table of cases, as SQL: a value a JSON
case would be refused for — a required input missing, a negative or absurd amount, a ratio outside
0…1, a name that is not a member of its enum, a list past POLICY_MAX_ITEMS — is refused in a Parquet file too, before any decision
is made, with the case reader's words, the case's id and how many cases share the problem.

The file's layout and types are checked before (population.Source); DATE and BOOLEAN columns hold
nothing a case reader would refuse. One pass counts every check's failures and finds the first
failing id; only a failing check is then read again, for the value to show."""

from __future__ import annotations

from typing import Callable

import attrs
from sqlglot import exp

from engine.tree import nodes as tree
from engine.evaluate.case import (above_maximum, expected, max_items, missing, negative, not_a_member, show, too_large,
                                  too_many_items)
from engine.evaluate.case_words import path_text, where, word
from engine.language.diagnostics import CaseError
from engine.language.literals import MAX_LITERAL

SOURCE = "cases"
ITEM = "x"  # the lambda variable over a list's items
MEMBER = "y"  # and over an item's own list of members
AN_ITEM = None  # in a Check's `parts`: the place of the list's item, found in the failing case


@attrs.frozen
class Check:
    path: str  # as the case reader names it in English: 申請者.資本金, 経費[…].金額
    bad: exp.Expression  # true on a case that fails the check
    value: exp.Expression  # what the case holds there (a list of the failing items, for a list)
    words: Callable[[object, str], str]  # the case reader's message for the value shown, in a language
    in_list: bool = False  # `value` lists the failing items: the first is shown
    item_bad: exp.Expression | None = None  # for a list's items: the condition on one item `x`
    list_raw: exp.Expression | None = None  # and the list
    parts: tuple = ()  # the path as the case reader's `where` takes it, AN_ITEM for a list's item


def _named(check: Check, policy: tree.Policy, index: int | None, lang: str) -> str:
    """The field as the case reader names it in `lang` (Japanese: by its labels, a list's item by its
    place in the first failing case); where the catalogue names a field by its path (English), the
    check's own path (経費[…].金額: the failing item may differ from case to case)."""
    if AN_ITEM in check.parts and index is None:
        return check.path
    parts = tuple(index if p is AN_ITEM else p for p in check.parts)
    named = where(policy, parts, lang)
    return check.path if named == path_text(parts) else named


def _missing(f: tree.Field, policy: tree.Policy) -> Callable[[object, str], str]:
    return lambda _, lang: missing(policy, f, lang)


def _conditions(policy: tree.Policy, f: tree.Field, e: exp.Expression, element: bool = False
                ) -> list[tuple[str, exp.Expression, exp.Expression, Callable]]:
    """(suffix, bad, value, words) for the checks of one value `e` of field `f` (not NULL); with
    `element`, `e` is one member of the list field `f`."""
    if f.kind in ("yen", "count"):
        below = ([("", exp.LT(this=e.copy(), expression=exp.Neg(this=exp.Literal.number(MAX_LITERAL))), e.copy(), too_large)]
                 if f.signed else  # a `signed` amount may be a loss, as far below 0 as an amount may be above
                 [("", exp.LT(this=e.copy(), expression=exp.Literal.number(0)), e.copy(), lambda v, lang, k=f.kind: negative(v, k, lang))])
        return below + [("", exp.GT(this=e.copy(), expression=exp.Literal.number(MAX_LITERAL)), e.copy(), too_large)] + (
                [("", exp.GT(this=e.copy(), expression=exp.Literal.number(f.maximum)), e.copy(),
                  lambda v, lang, m=f.maximum: above_maximum(v, m, lang))] if f.maximum is not None else [])
    if f.kind == "ratio":
        num, den = (exp.Dot(this=e.copy(), expression=exp.to_identifier(p)) for p in ("num", "den"))
        inside = exp.and_(exp.GTE(this=num.copy(), expression=exp.Literal.number(0)),
                          exp.GT(this=den.copy(), expression=exp.Literal.number(0)),
                          exp.LTE(this=num.copy(), expression=den.copy()))
        # a half-given ratio (one side NULL) is as wrong as one outside 0…1
        half = exp.NEQ(this=exp.Paren(this=_is_null(num)), expression=exp.Paren(this=_is_null(den)))
        given = exp.and_(_not_null(num), _not_null(den), exp.Not(this=exp.Paren(this=inside)))
        return [("", exp.or_(half, exp.Paren(this=given)), e.copy(), lambda v, lang: word(lang, "got", got=_ratio(v, lang), expected=expected(lang, "ratio")))]
    if f.kind == "list" and f.element == "enum" and not element:  # a record's list of members: one nested pass
        members = [m for m, _ in policy.enums[f.type_name].members]
        member = exp.column(MEMBER)
        wrong = exp.or_(_is_null(member), exp.Not(this=exp.In(this=member.copy(), expressions=[exp.Literal.string(m) for m in members])))
        failing = exp.ArrayFilter(this=e.copy(), expression=exp.Lambda(this=wrong, expressions=[exp.to_identifier(MEMBER)]))
        bad = exp.GT(this=exp.ArraySize(this=failing), expression=exp.Literal.number(0))
        return [("", bad, e.copy(), lambda v, lang, ms=tuple(members), t=f.type_name: _first_non_member(v, ms, lang, policy, t))]
    if f.kind == "enum" or (f.kind == "list" and f.element == "enum"):
        members = [m for m, _ in policy.enums[f.type_name].members]
        bad = exp.Not(this=exp.In(this=e.copy(), expressions=[exp.Literal.string(m) for m in members]))
        return [("", bad, e.copy(), lambda v, lang, ms=tuple(members), t=f.type_name: not_a_member(v, ms, lang, policy, t))]
    return []  # bool and date: the column's type holds nothing the case reader refuses


def _too_many(e: exp.Expression) -> exp.Expression:
    """A list (not NULL) holding more than POLICY_MAX_ITEMS items, as the case reader refuses it."""
    return exp.and_(_not_null(e), exp.GT(this=exp.ArraySize(this=e.copy()), expression=exp.Literal.number(max_items())))


def _count_words(v, lang: str) -> str:
    return too_many_items(len(v) if isinstance(v, (list, tuple)) else int(v or 0), lang)


def _first_non_member(values, members: tuple[str, ...], lang: str, policy: tree.Policy, enum_name: str) -> str:
    return not_a_member(next((v for v in values or () if v not in members), None), members, lang, policy, enum_name)


def _ratio(v, lang: str) -> str:
    if isinstance(v, dict):
        return f"{show(v.get('num'), lang)}/{show(v.get('den'), lang)}"
    return show(v, lang)


def _is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=e.copy(), expression=exp.null())


def _not_null(e: exp.Expression) -> exp.Expression:
    return exp.Not(this=_is_null(e))


def _item_checks(policy: tree.Policy, path: str, at: tuple, raw: exp.Expression, f: tree.Field) -> list[Check]:
    """A list's items: each failing condition over the items, as `ARRAY_FILTER(list, x -> bad)`;
    `at`: the list's path as `where` takes it."""
    item = exp.column(ITEM)
    if f.element == "enum":
        parts = [("[…]", exp.or_(_is_null(item), c[1]), c[3]) for c in _conditions(policy, f, item, element=True)]
    else:
        parts = []
        for rf in policy.records[f.type_name].fields:
            value = exp.Dot(this=item.copy(), expression=exp.to_identifier(rf.name, quoted=True))
            if not (rf.optional or rf.default is not None):
                parts.append((f"[…].{rf.name}", _is_null(value), _missing(rf, policy)))
            if rf.kind == "list":  # an item's own list (its members) is bounded as a case's lists are
                parts.append((f"[…].{rf.name}", _too_many(value), _count_words))
            parts += [(f"[…].{rf.name}", exp.and_(_not_null(value), bad), words)
                      for _, bad, _, words in _conditions(policy, rf, value)]
    checks = []
    for suffix, bad, words in parts:
        failing = exp.ArrayFilter(this=raw.copy(), expression=exp.Lambda(this=bad, expressions=[exp.to_identifier(ITEM)]))
        any_bad = exp.and_(_not_null(raw), exp.GT(this=exp.ArraySize(this=failing.copy()), expression=exp.Literal.number(0)))
        field = suffix.rsplit(".", 1)[-1] if "." in suffix else None
        checks.append(Check(path=path + suffix, bad=any_bad, value=failing, in_list=True, item_bad=bad, list_raw=raw,
                            parts=at + (AN_ITEM,) + ((field,) if field else ()),
                            words=(lambda first, lang, w=words, name=field: w(first.get(name) if name and isinstance(first, dict) else first, lang))))
    return checks


def checks(policy: tree.Policy) -> list[Check]:
    """Every value check of the policy's inputs over the table `cases` (engine/sql/case_table.py)."""
    out = []
    for g in policy.groups:
        for f in g.fields:
            if g.name is None:
                raw, path, at = exp.column(f.name, table=SOURCE, quoted=True), f.name, (f.name,)
            else:
                raw = exp.Dot(this=exp.column(g.name, table=SOURCE, quoted=True), expression=exp.to_identifier(f.name, quoted=True))
                path, at = f"{g.name}.{f.name}", (g.name, f.name)
            if not (f.optional or f.default is not None):
                out.append(Check(path=path, bad=_is_null(raw), value=exp.null(), words=_missing(f, policy), parts=at))
            if f.kind == "list":
                out.append(Check(path=path, bad=_too_many(raw), value=exp.ArraySize(this=raw.copy()), words=_count_words, parts=at))
                out += _item_checks(policy, path, at, raw, f)
            else:
                out += [Check(path=path, bad=exp.and_(_not_null(raw), bad), value=value, words=words, parts=at)
                        for _, bad, value, words in _conditions(policy, f, raw)]
    return out


def _count_query(conditions: list[exp.Expression]) -> exp.Select:
    """One row: per condition k, how many cases meet it (n{k}) and the smallest id that does (i{k})."""
    columns = []
    for k, bad in enumerate(conditions):
        when = exp.If(this=bad.copy(), true=exp.Literal.number(1))
        columns.append(exp.alias_(exp.Sum(this=exp.Case(ifs=[when], default=exp.Literal.number(0))), f"n{k}"))
        first = exp.If(this=bad.copy(), true=exp.column("id", table=SOURCE, quoted=True))
        columns.append(exp.alias_(exp.Min(this=exp.Case(ifs=[first])), f"i{k}"))
    return exp.select(*columns).from_(exp.Table(this=exp.to_identifier(SOURCE, quoted=True)))


def _any_item(raw: exp.Expression, item_bads: list[exp.Expression]) -> exp.Expression:
    """Some item of the list fails some check: one pass over the list for all of them."""
    failing = exp.ArrayFilter(this=raw.copy(), expression=exp.Lambda(this=exp.or_(*(b.copy() for b in item_bads)),
                                                                    expressions=[exp.to_identifier(ITEM)]))
    return exp.and_(_not_null(raw), exp.GT(this=exp.ArraySize(this=failing), expression=exp.Literal.number(0)))


def _failing(runner, found: list[Check]) -> list[tuple[Check, int, object]]:
    """(check, cases failing it, first failing id) for each check some case fails. A list's item
    checks are first screened together, one pass per list (a pass per check costs seconds on
    millions of cases), and counted one by one only when some item fails; all of it only after one
    pass has found some case failing something."""
    scalar = [c for c in found if not c.in_list]
    lists: dict[str, list[Check]] = {}
    for c in found:
        if c.in_list:
            lists.setdefault(c.list_raw.sql(), []).append(c)
    screens = [_any_item(cs[0].list_raw, [c.item_bad for c in cs]) for cs in lists.values()]
    anything = exp.select(exp.alias_(exp.Count(this=exp.Star()), "n")).from_(exp.Table(this=exp.to_identifier(SOURCE, quoted=True)))
    anything = anything.where(exp.or_(*(b.copy() for b in [c.bad for c in scalar] + screens)))
    if not runner.rows(anything.sql(dialect=runner.dialect))[0]["n"]:  # the usual case: one pass, nothing to say
        return []
    counts = runner.rows(_count_query([c.bad for c in scalar] + screens).sql(dialect=runner.dialect))[0]
    out = [(c, int(counts[f"n{k}"] or 0), counts[f"i{k}"]) for k, c in enumerate(scalar)]
    for j, cs in enumerate(lists.values()):
        if int(counts[f"n{len(scalar) + j}"] or 0):
            detail = runner.rows(_count_query([c.bad for c in cs]).sql(dialect=runner.dialect))[0]
            out += [(c, int(detail[f"n{k}"] or 0), detail[f"i{k}"]) for k, c in enumerate(cs)]
    return [(c, n, i) for c, n, i in out if n]


def check_values(runner, policies: list[tree.Policy], path: str, most: int = 10, lang: str = "en") -> None:
    """Raise CaseError in `lang` naming every check some case fails (at most `most`): the field and
    the case reader's words for the first failing case's value, as the case reader says them, its
    id, and how many cases fail the check."""
    found, seen, policy_of = [], set(), {}
    for p in policies:  # a check two policy years share is made once
        for c in checks(p):
            key = (c.path, c.bad.sql())
            if key not in seen:
                seen.add(key)
                found.append(c)
                policy_of[id(c)] = p
    if not found:
        return
    problems = []
    for c, n, case_id in _failing(runner, found)[:most]:
        at = exp.EQ(this=exp.column("id", table=SOURCE, quoted=True), expression=exp.Literal.number(case_id))
        shown = [exp.alias_(c.value.copy(), "v")] + ([exp.alias_(c.list_raw.copy(), "l")] if c.in_list else [])
        query = exp.select(*shown).from_(exp.Table(this=exp.to_identifier(SOURCE, quoted=True))).where(at)
        row = runner.rows(query.sql(dialect=runner.dialect))[0]
        value, index = row["v"], None
        if c.in_list:
            value = value[0] if value else None
            index = next((k for k, item in enumerate(row["l"] or ()) if item == value), None)  # the first failing item's place
        key, more = ("table.at", "") if n == 1 else ("table.at_one_more", "") if n == 2 else ("table.at_more", f"{n - 1:,}")
        problems.append(word(lang, key, where=_named(c, policy_of[id(c)], index, lang), problem=c.words(value, lang), id=case_id, more=more))
    if problems:
        raise CaseError(problems, path)
