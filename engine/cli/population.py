"""The population commands: `policy synth`, `template`, `sql` and `population` (decisions over many cases
with the policy's SQL form, and the what-if report of a change)."""

from __future__ import annotations

from pathlib import Path

import click

from engine.language.diagnostics import CaseError, PolicyError
from engine.compile.pipeline import load_policy
from engine.language.resources import default_policy_dir
from engine.cli.words import word
from engine.i18n.system import os_reason
from engine.cli.common import (EXIT_USAGE, EXIT_BAD_CASE, EXIT_BAD_POLICY, _case_message, _fail, cli, _write_whole,
                               _sibling_fields, _known_frames)


@cli.command("synth")
@click.option("--policy", "policy_dirs", multiple=True, type=click.Path(), help="Policy folder (repeatable). Default: the bundled 2024 and 2025.")
@click.option("--n", "n", type=int, default=3_364_891, show_default=True, help="Number of firms (rows).")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed writes the same firms.")
@click.option("-o", "--output", required=True, type=click.Path(), help="Parquet file (.jsonl: case JSON, one per line).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Language of its messages.")
def synth_command(policy_dirs, n, seed, output, lang) -> None:
    """Write a seeded synthetic population of SMEs (docs/batch-and-population.md) in the case-table layout."""
    import time

    from engine.population import synth
    from engine.language.resources import policies_root as bundled
    if n < 1:
        _fail(word(lang, "synth.bad_n", n=n), EXIT_USAGE)
    try:
        policies = [load_policy(d).policy for d in (policy_dirs or (bundled() / "2024", bundled() / "2025"))]
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    start = time.monotonic()
    try:
        synth.generate(policies, n, seed, output)
    except ImportError as exc:
        _fail(word(lang, "extra.population", command="synth", error=exc), EXIT_USAGE)
    except synth.PolicyMismatch as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    except synth.SynthError as exc:
        _fail(exc.said(lang), EXIT_USAGE)
    except OSError as exc:
        _fail(word(lang, "file.unwritable", path=output, reason=os_reason(lang, exc)), EXIT_USAGE)
    click.echo(word(lang, "synth.wrote" if n != 1 else "synth.wrote_one", n=n, seed=seed, path=output, seconds=time.monotonic() - start), err=True)


@cli.command("template")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The blank sheet: .xlsx or .csv.")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Language of the labels.")
@click.option("--items", type=click.IntRange(1, 100), default=5, show_default=True, help="Items' columns per list (経費[0] … ).")
@click.option("--bom/--no-bom", default=True, show_default=True, help="Begin a CSV with a UTF-8 BOM (for Excel).")
def template_command(output, policy_dir, lang, items, bom) -> None:
    """Write a blank sheet of cases for the policy: its columns, their labels and, in .xlsx, drop-down lists."""
    from engine.population import sheets

    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        _fail(word(lang, "template.format", path=output), EXIT_USAGE)
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)  # in --lang, as every command that takes it
    try:
        n = sheets.write_template(policy, Path(output), fmt, lang, items, bom)
    except sheets.SheetProblem as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(word(lang, "file.unwritable", path=output, reason=os_reason(lang, exc)), EXIT_USAGE)
    click.echo(word(lang, "template.wrote", n=n, path=output), err=True)


@cli.command("sql")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--dialect", default="duckdb", show_default=True,
              help="Any SQL dialect sqlglot writes (duckdb and spark are tested against the tree evaluator).")
@click.option("--frame", "frames", multiple=True, help="Only this frame (repeatable).")
@click.option("--no-dates", is_flag=True, help="Judge every case as though applied within the policy's term.")
@click.option("--fused", is_flag=True,
              help="The steps grouped by dependency level, as `policy population` runs it (default: a step per rule).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Language of its messages.")
def sql_command(policy_dir, dialect, frames, no_dates, fused, lang) -> None:
    """Print the policy as one SQL query over a table `cases` (layout: engine/sql/case_table.py, docs/batch-and-population.md)."""
    try:
        import sqlglot

        from engine.sql import query as sql
    except ImportError as exc:
        _fail(word(lang, "extra.population", command="sql", error=exc), EXIT_USAGE)
    known = sorted(d.value for d in sqlglot.dialects.Dialects if d.value)
    if dialect.lower() not in known:
        _fail(word(lang, "sql.dialect", dialect=repr(dialect), known=", ".join(known)), EXIT_USAGE)
    dialect = dialect.lower()  # sqlglot's names are lower case; `Spark` and `DuckDB` mean the same
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    _known_frames(policy, frames, lang)
    try:
        click.echo(sql.to_sql(policy, dialect, tuple(frames) or None, check_dates=not no_dates, fused=fused))
    except sql.InexactDialect as exc:
        _fail(word(lang, "sql.inexact", dialect=dialect, reason=exc), EXIT_USAGE)
    except sql.Unsupported as exc:
        _fail(word(lang, "sql.unsupported", reason=exc), EXIT_BAD_POLICY)


@cli.command("population")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Decisions file (.parquet, .csv or .xlsx); with --compare, the report (.txt, .json or .html; default: standard output).")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where the query runs: DuckDB in this process, or Spark (needs Java and the spark extra).")
@click.option("--frame", "frames", multiple=True, help="Only this frame (repeatable; not with --compare).")
@click.option("--compare", is_flag=True, help="PATHS are OLD_POLICY NEW_POLICY CASES: report what the change does.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "xlsx"]), default=None,
              help="The --compare report's format. Default: from -o's extension, else text.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the report, and of CSV and .xlsx decisions' statuses, reasons and steps.")
@click.option("--bom/--no-bom", default=True, show_default=True, help="Begin CSV decisions with a UTF-8 BOM (for Excel).")
@click.option("--headers", type=click.Choice(["both", "names", "labels"]), default="both", show_default=True,
              help="A CSV output's header rows: the column names (for programs), then their labels in --lang (for people; "
                   "a second row, skipped when the file is read back); or one of the two.")

@click.option("--national", type=click.IntRange(0), default=None,
              help="With --compare: the firms the cases stand for, to scale the figures to (default 3,364,891, every SME of Japan; 0: none).")
@click.option("--budget", default=None, help="With --compare: a budget to set the national figures against (e.g. 2000億円).")
def population_command(paths, output, policy_dir, engine, frames, compare, fmt, lang, bom, headers, national, budget) -> None:
    """Decide every case of CASES (Parquet in the case-table layout, JSON Lines or CSV) with the
    policy's SQL form, or with --compare report what changing OLD_POLICY to NEW_POLICY does."""
    import signal
    import time

    try:
        from engine.population import run as population, compare as population_compare
        from engine.sql import query as sql
    except ImportError as exc:
        _fail(word(lang, "extra.population", command="population", error=exc), EXIT_USAGE)
    start = time.monotonic()

    received = {"signal": signal.SIGINT}

    def terminated(signum, frame):  # SIGTERM: unwind as Ctrl-C does, so a half-written output is removed, then exit 143
        received["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    try:
        if compare:
            if len(paths) != 3:
                _fail(word(lang, "population.compare_usage"), EXIT_USAGE)
            if frames:
                _fail(word(lang, "population.compare_frame"), EXIT_USAGE)
            if policy_dir:
                _fail(word(lang, "population.compare_policy"), EXIT_USAGE)
            old_dir, new_dir, cases = paths
            misplaced = [p for p in (old_dir, new_dir) if Path(p).is_file()]
            if misplaced:
                _fail(word(lang, "population.compare_file", path=misplaced[0]), EXIT_USAGE)
            if output and fmt is None and Path(output).suffix.lower() not in REPORT_FORMATS:
                _fail(word(lang, "population.report_format", path=output), EXIT_USAGE)
            budget_yen = _budget(budget, lang)
            if output:
                population.writable(Path(output), cases, lang)  # before the comparison runs, and never over the cases
            old, new = load_policy(old_dir).policy, load_policy(new_dir).policy
            also = _sibling_fields(old_dir) | _sibling_fields(new_dir)  # a corpus written for other years too
            report = population_compare.compare(old, new, cases, engine, labels=(old_dir, new_dir), also_known=also,
                                                folders=(old_dir, new_dir), national=national, budget=budget_yen, lang=lang)
            _write_report(report, output, fmt, lang)
            _ignore_late_signals()
            click.echo(word(lang, "population.compared", n=report["cases"], engine=engine, seconds=time.monotonic() - start), err=True)
            return
        if len(paths) != 1 or output is None:
            _fail(word(lang, "population.usage"), EXIT_USAGE)
        if national is not None or budget is not None:
            _fail(word(lang, "population.compare_only", option="national" if national is not None else "budget"), EXIT_USAGE)
        if fmt:
            _fail(word(lang, "population.format_compare_only"), EXIT_USAGE)
        policy = load_policy(policy_dir or default_policy_dir()).policy
        _known_frames(policy, frames, lang)
        also = _sibling_fields(policy_dir or default_policy_dir())  # `policy synth` writes for 2024 and 2025
        n = population.decide(policy, paths[0], output, engine, tuple(frames) or None, also_known=also, lang=lang, bom=bom,
                              headers=headers)
        _ignore_late_signals()
        click.echo(word(lang, "population.decided" if n != 1 else "population.decided_one", n=n, engine=engine, seconds=time.monotonic() - start, path=output), err=True)
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    except CaseError as exc:
        _fail(_case_message(exc, lang), EXIT_BAD_CASE)
    except (population.PopulationError, population.SheetProblem) as exc:
        _fail(str(exc), EXIT_USAGE)
    except sql.Unsupported as exc:
        _fail(word(lang, "sql.unsupported", reason=exc), EXIT_BAD_POLICY)
    except KeyboardInterrupt:
        _fail(word(lang, "population.interrupted", path=output or word(lang, "population.the_report")), 128 + received["signal"])


def _ignore_late_signals() -> None:
    """The output is in place: a signal now must not say it was not written."""
    import signal

    for late in (signal.SIGTERM, signal.SIGINT):
        signal.signal(late, signal.SIG_IGN)


# the --compare report's format by -o's extension (standard output: text)
REPORT_FORMATS = {".txt": "text", ".text": "text", ".json": "json", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}


def _budget(text: str | None, lang: str = "en") -> int | None:
    """--budget as a person writes an amount (2000億円, 200,000,000,000)."""
    from engine.language.literals import LiteralProblem, entered_yen

    if text is None:
        return None
    try:
        value = entered_yen(text)
    except LiteralProblem as exc:
        _fail(word(lang, "population.budget", problem=exc.phrase.say(lang)), EXIT_USAGE)
    if not value:
        _fail(word(lang, "population.budget_zero", text=repr(text)), EXIT_USAGE)
    return value


def _write_report(report, output, fmt, lang) -> None:
    from engine.population import report as render_population, report_html

    fmt = fmt or REPORT_FORMATS.get(Path(output).suffix.lower() if output else "", "text")
    if fmt == "xlsx":
        if output is None:
            _fail(word(lang, "population.xlsx_to_file"), EXIT_USAGE)
        from engine.population import report_tables
        from engine.population.sheets import SheetProblem

        try:
            report_tables.write_xlsx(report, Path(output), lang)
        except OSError as exc:
            _fail(word(lang, "file.unwritable", path=output, reason=os_reason(lang, exc)), EXIT_USAGE)
        except SheetProblem as exc:  # openpyxl missing
            _fail(str(exc), EXIT_USAGE)
        return
    text = {"json": lambda: render_population.json_text(report), "html": lambda: report_html.page(report, lang),
            "text": lambda: render_population.text(report, lang)}[fmt]()
    if output is None:
        click.echo(text, nl=False)
        return
    _write_whole(text, output, lang)
