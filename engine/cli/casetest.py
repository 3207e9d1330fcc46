"""`policy test` (cases against the decisions they expect) and `policy diff` (what a policy change does to cases)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.evaluate.case import read_case_file
from engine.language.diagnostics import CaseError, PolicyError
from engine.compile.pipeline import load_policy
from engine.language.resources import DEFAULT_YEAR, default_policy_dir
from engine.language.resources import policies_root as bundled_policies
from engine.evaluate.selection import fields_of_years, policy_folders
from engine.cli.common import (EXIT_OK, EXIT_CHANGED, EXIT_TEST_FAILED, EXIT_BAD_CASE, EXIT_BAD_POLICY, _shown, _fail, cli,
                               _sibling_fields)
from engine.cli.words import word


@cli.command("diff")
@click.argument("old_dir", type=click.Path())
@click.argument("new_dir", type=click.Path())
@click.argument("cases", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: for pasting into a merge request.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the review (ja: Japanese, en: English).")
def diff_command(old_dir: str, new_dir: str, cases: tuple[str, ...], fmt: str, lang: str) -> None:
    """What changed from OLD_DIR to NEW_DIR: every changed definition, clause by clause; every case of
    CASES (files or folders of .json) whose decision changed, and the changes that account for it.
    Exit status 0 when no decision changed, 1 when one did (status, subsidy, unmet conditions, steps, round,
    best frame or a rule's outcome; a policy change that moves no case is listed, exit 0), 3 when a case
    could not be read."""
    from engine.authoring import diff, render_diff
    try:
        old, new = load_policy(old_dir).policy, load_policy(new_dir).policy
        # fields declared by the other years beside OLD and NEW are not typos in a shared corpus
        # fields declared by the other years beside OLD and NEW, or by the bundled years (a copied year's
        # folder has no siblings), are not typos in a shared corpus
        known = _sibling_fields(old_dir) | _sibling_fields(new_dir) | fields_of_years(bundled_policies())
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    report = diff.diff(old_dir, new_dir, old, new, cases, known)
    if not report.cases:
        _fail(word(lang, "cases.none", paths=", ".join(cases)), EXIT_BAD_CASE)
    if fmt == "json":
        click.echo(json.dumps(render_diff.json(report, lang), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_diff.markdown(report, lang), nl=False)
    else:
        click.echo(render_diff.text(report, lang), nl=False)
    if any(c.error for c in report.cases):
        sys.exit(EXIT_BAD_CASE)
    sys.exit(EXIT_CHANGED if report.changed else EXIT_OK)


@cli.command("test")
@click.argument("cases", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--coverage", "show_coverage", is_flag=True, help="Report what of the policy no case reached, per file and line.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True,
              help="text: each mismatch and a summary; json: the results as data; junit: JUnit XML for CI.")
@click.option("-v", "--verbose", is_flag=True, help="List every case (PASS, FAIL, SKIP) and, under each mismatch, the decision of its frame.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the results: each failure, the summary, coverage and the decisions -v shows.")
def test_command(cases: tuple[str, ...], policy_dir: str | None, show_coverage: bool, fmt: str, verbose: bool, lang: str) -> None:
    """Evaluate every case (files or folders; default examples/) against the decision it expects."""
    from engine.authoring import casetest, coverage, diff, render_casetest
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
        # a case is read as `eval` reads it: under --policy DIR, against DIR alone (the folders beside it
        # are not other years of it, and are not loaded); under the bundled years, knowing every bundled year's fields
        known = frozenset() if policy_dir else fields_of_years(bundled_policies())
        # without --policy, each case is judged under the bundled year `policy eval` would pick for it
        years = None if policy_dir else {f.name: load_policy(f).policy for f in policy_folders(bundled_policies())}
        policy = years[DEFAULT_YEAR] if years else policy  # the same object: coverage counts its cases
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    paths = diff.case_files(cases or ("examples",))
    if not paths:
        _fail(word(lang, "cases.none", paths=", ".join(cases or ("examples",))), EXIT_BAD_CASE)
    cov, keys = coverage.start(policy)  # coverage of --policy, or of the default year
    record = (lambda values, decision: coverage.record(cov, keys, policy, values, decision)) if show_coverage else None
    results = []
    covered = 0  # the cases judged under the policy whose coverage is reported
    for path in paths:
        if years is None:
            results.append(casetest.run_case(policy, path, known, record, lang=lang))
            covered += 1
            continue
        raw, chosen_years = _years_of_case(path, years, lang)
        for name, chosen, refused in chosen_years:
            label = _shown(str(path), lang) if name is None else f"{_shown(str(path), lang)} ({name})"
            if refused is not None:  # eval refuses it too, with these words
                results.append(casetest.CaseResult(case=label, outcome="invalid", error=refused))
            else:
                results.append(casetest.run_case(chosen, path, known, record if chosen is policy else None, name=label, raw=raw, lang=lang))
                covered += chosen is policy
    if fmt == "json":
        out = render_casetest.as_json(results, cov if show_coverage else None, covered)
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif fmt == "junit":
        click.echo(render_casetest.junit(results, lang=lang), nl=False)
    else:
        click.echo(render_casetest.results(results, verbose, lang), nl=False)
        if show_coverage:
            click.echo(render_casetest.coverage(cov, covered, lang), nl=False)
    if any(r.outcome == "invalid" for r in results):
        sys.exit(EXIT_BAD_CASE)
    sys.exit(EXIT_TEST_FAILED if any(r.outcome == "failed" for r in results) else EXIT_OK)


def _years_of_case(path: Path, years: dict, lang: str = "en") -> tuple[object, list[tuple[str | None, object, str | None]]]:
    """The case as read (None if it cannot be), and the bundled years `policy test` judges it under,
    as (label or None, policy, refusal):
    the one eval picks by the case's date (the default year when undated), or, when the case's
    expectation is given per year, each year it names (its expectation says which rules it is
    for, e.g. a boundary of 2024's term that no year's term holds). A date eval refuses is refused
    with eval's words."""
    from engine.authoring import casetest
    from engine.evaluate.selection import NoDate, choose_year

    try:
        raw = read_case_file(path, lang)
    except CaseError as exc:  # as run_case reports it (standard input is not read twice)
        return None, [(None, None, "; ".join(exc.problems))]
    named = [y for y in casetest.years_named(raw) if y in years]
    if named:
        return raw, [(y if len(named) > 1 else None, years[y], None) for y in named]
    try:
        name = choose_year(list(years.items()), raw, _shown(str(path), lang), lang=lang)[0]
    except NoDate:
        name = DEFAULT_YEAR
    except CaseError as exc:
        return raw, [(None, None, "; ".join(exc.problems))]
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    return raw, [(None, years[name], None)]
