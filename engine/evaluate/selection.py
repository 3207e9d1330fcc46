"""Effective dating: from a folder of policy years, the policy in force on the case's application
date. One rule for every command and the service: the year whose `in force` term holds the date;
an undated case gets the default year where the caller has one (the bundled policies: 2024) and is
told so; a date no year covers is an error that lists every year and its term."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Sequence

import attrs

from engine.compile.pipeline import LoadedPolicy, load_policy
from engine.i18n import N_
from engine.language.diagnostics import CaseError, Diagnostic, PolicyError, phrase
from engine.evaluate.case_problems import MISSING, made
from engine.evaluate.case_words import expected, show, where, word
from engine.tree import nodes as tree


@attrs.frozen
class Selection:
    folder: Path
    loaded: LoadedPolicy
    applied_on: datetime.date | None  # None: the case has no date and the default year was taken
    date_field: str
    by_default: bool = False


class NoDate(CaseError):
    """The case gives no application date, and there is no default year."""


class NoYear(CaseError):
    """No year's term holds the case's application date."""


def policy_folders(root: str | Path) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise PolicyError([Diagnostic("error", phrase(N_("years.no_folder", "policies folder {folder} does not exist"), folder=root))])
    folders = sorted(p for p in root.iterdir() if (p / "policy.rules").is_file())
    if not folders:
        raise PolicyError([Diagnostic("error", phrase(N_("years.none", "{folder} holds no policy folder (a folder with policy.rules)"), folder=root))])
    return folders


def _date_at(raw, path) -> object:
    value = raw
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def terms_text(years: Sequence[tuple[str, tree.Policy]]) -> str:
    """`2023: 2023-01-01..2024-02-15; 2024: …` — every dated year and its term."""
    return "; ".join(f"{name}: {p.in_force[0]}..{p.in_force[1]}" for name, p in years if p.in_force)


def choose_year(years: Sequence[tuple[str, tree.Policy]], raw_case, file: str | None = None,
                no_date_hint: str = "give --policy", lang: str = "en") -> tuple[str, datetime.date | None, str]:
    """(name of the year in force, the date read, the date's field). Raises NoDate when the case
    gives no date, NoYear when no term holds it, CaseError when the date is not a date."""
    dated = [(name, p) for name, p in years if p.in_force and p.applied_on]
    fields = sorted({".".join(p.applied_on.path) for _, p in dated})
    found: list[tuple[str, datetime.date, str]] = []
    for name, p in dated:
        field = ".".join(p.applied_on.path)
        text = _date_at(raw_case, p.applied_on.path)
        if text is None:
            continue
        try:
            applied = datetime.date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
        except ValueError:
            applied = None
        if applied is None:  # the case reader's own words for a bad date
            named = where(p, p.applied_on.path, lang)
            message = word(lang, "got.date", got=show(text, lang))
            raise CaseError([f"{named}: {message}"], file, [(field, named, message)])
        if p.in_force[0] <= applied <= p.in_force[1]:
            found.append((name, applied, field))
        last = (applied, field)
    if len(found) > 1:
        terms = {name: p.in_force for name, p in dated}
        (a, applied, _), (b, _, _) = found[:2]
        raise PolicyError([Diagnostic("error", phrase(N_("years.overlap", "{a} ({a_start}..{a_end}) and {b} ({b_start}..{b_end}) are both "
                                                                          "in force on {date}; the terms of a policies folder's years must not overlap"),
                                                      a=a, a_start=terms[a][0], a_end=terms[a][1], b=b, b_start=terms[b][0], b_end=terms[b][1],
                                                      date=applied))])
    if found:
        return found[0]
    if not any(_date_at(raw_case, p.applied_on.path) is not None for _, p in dated):
        named = word(lang, "list.or").join(where(p, p.applied_on.path, lang) for p in {f: p for _, p in dated
                                                                                    for f in [".".join(p.applied_on.path)]}.values())
        named = named or word(lang, "year.the_date")
        said = word(lang, "year.no_date", field=named, hint=no_date_hint)
        paths = sorted({tuple(p.applied_on.path) for _, p in dated})
        # whole, for programs: the date's path (where the years agree on it), its name, the message without it
        problem = made(paths[0] if len(paths) == 1 else (), named, MISSING, None, expected(lang, "date"), {"type": "date"},
                       said[len(named) + 2:] if said.startswith(named + ": ") else said)
        raise NoDate([said], file, errors=[problem])
    applied, field = last
    named = where(next(p for _, p in dated if ".".join(p.applied_on.path) == field), tuple(field.split(".")), lang)
    raise NoYear([word(lang, "year.none", field=named, date=applied, nearest=_nearest(dated, applied, lang), terms=terms_text(dated))], file)


def _nearest(dated, applied: datetime.date, lang: str = "en") -> str:
    """`: between 2024 (closed 2024-10-15) and 2025 (opens 2025-03-31)` — the calls on either side."""
    before = max(((p.in_force[1], name) for name, p in dated if p.in_force[1] < applied), default=None)
    after = min(((p.in_force[0], name) for name, p in dated if p.in_force[0] > applied), default=None)
    if before and after:
        return word(lang, "year.between", before=before[1], closed=before[0], after=after[1], opens=after[0])
    if before:
        return word(lang, "year.after_last", before=before[1], closed=before[0])
    if after:
        return word(lang, "year.before_first", after=after[1], opens=after[0])
    return ""


def select(root: str | Path, raw_case, file: str | None = None, default: str | None = None, lang: str = "en") -> Selection:
    """The policy under `root` in force on the case's application date; an undated case gets the
    year named `default` (when given) and the selection says so."""
    loaded = {folder.name: (folder, load_policy(folder)) for folder in policy_folders(root)}
    years = [(name, lp.policy) for name, (_, lp) in loaded.items()]
    try:
        name, applied, field = choose_year(years, raw_case, file, lang=lang)
    except NoDate:
        if default is None or default not in loaded:
            raise
        folder, lp = loaded[default]
        field = ".".join(lp.policy.applied_on.path) if lp.policy.applied_on else ""
        return Selection(folder=folder, loaded=lp, applied_on=None, date_field=field, by_default=True)
    folder, lp = loaded[name]
    return Selection(folder=folder, loaded=lp, applied_on=applied, date_field=field)


def fields_of_years(root: str | Path, skip_broken: bool = False) -> frozenset[str]:
    """Every input name a year under `root` declares: a case written for one year is read under
    another with those fields unused, never refused as a typo. With `skip_broken`, a folder that
    does not load adds nothing (the neighbours of a --policy folder need not be policies of it)."""
    from engine.evaluate.case import field_names

    try:
        folders = policy_folders(root)
    except PolicyError:
        return frozenset()
    names: set[str] = set()
    for f in folders:
        try:
            names |= field_names(load_policy(f).policy)
        except PolicyError:
            if not skip_broken:
                raise
    return frozenset(names)
