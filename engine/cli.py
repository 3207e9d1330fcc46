"""The `policy` command: a thin click layer over the pipeline. Exit codes are one table."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sys
from pathlib import Path

import click

from engine import __version__
from engine.explain import render_json, render_text
from engine.evaluate.case import read_case, read_case_file
from engine.language.diagnostics import CaseError, PolicyError, render_all
from engine.explain.counterfactual import what_if
from engine.evaluate.evaluator import evaluate
from engine.compile.pipeline import diagnose, load_policy
from engine.language.resources import DEFAULT_YEAR, default_policy_dir
from engine.language.resources import policies_root as bundled_policies
from engine.evaluate.selection import fields_of_years, policy_folders, select

# One table, used by every command (README: "Exit codes").
EXIT_OK = 0  # done; for `eval`: decided, whatever the decision (after OPA: a result is not a failure)
EXIT_NOT_ELIGIBLE = 1  # `eval --fail`: decided, and no frame eligible
EXIT_CHANGED = 1  # `diff`: some decision changed
EXIT_TEST_FAILED = 1  # `test`: some case did not get the decision it expects
EXIT_USAGE = 2  # wrong command line (click's own code)
EXIT_BAD_CASE = 3  # the case file is unreadable or does not fit the policy
EXIT_BAD_POLICY = 4  # the policy does not parse or check
EXIT_INTERNAL = 70  # a bug in the engine


def _case_message(exc: CaseError, lang: str = "en") -> str:
    from engine.evaluate.case_words import word

    head = word(lang, "invalid")
    return f"{head}:\n{exc}" if len(exc.problems) > 1 else f"{head}: {exc}"


def _load(case: str, policy_dir: str | None, policies_root: str | None, lang: str = "en"):
    """The policy (given, or the year in force on the case's date among --policies or the bundled
    years), the raw case, the selection, and the input names the other years declare."""
    if policy_dir and policies_root:
        _fail("give either --policy or --policies, not both", EXIT_USAGE)
    try:
        raw = read_case_file(case, lang)
        if policy_dir:
            return load_policy(policy_dir).policy, raw, None, frozenset()
        root = policies_root or bundled_policies()
        selection = select(root, raw, _shown(case, lang), default=None if policies_root else DEFAULT_YEAR, lang=lang)
        return selection.loaded.policy, raw, selection, fields_of_years(root)
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    except CaseError as exc:
        _fail(_case_message(exc, lang), EXIT_BAD_CASE)


def _shown(case: str, lang: str = "en") -> str:
    """How messages name the case file: `-` is standard input (in the messages' language)."""
    from engine.evaluate.case_words import word

    return word(lang, "file.stdin") if case == "-" else case


def _values(policy, raw, case: str, also_known: frozenset = frozenset(), lang: str = "en") -> dict:
    try:
        return read_case(policy, raw, _shown(case, lang), also_known=also_known, lang=lang)
    except CaseError as exc:
        _fail(_case_message(exc, lang), EXIT_BAD_CASE)


def _chosen(selection, policy) -> dict | None:
    """Which year effective dating picked and why, for the text and JSON outputs."""
    if selection is None:
        return None
    return {"folder": selection.folder.name, "programme": policy.programme, "in_force": [str(d) for d in policy.in_force],
            "chosen_by": {"field": selection.date_field, "date": None if selection.by_default else str(selection.applied_on),
                          "default": selection.by_default}}


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy")
def cli() -> None:
    """Rules-as-code for public subsidy programmes."""


@cli.command("eval")
@click.argument("case", type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--policy", "policy_dir", type=click.Path(), default=None,
              help="Policy folder (holding policy.rules). Default: the bundled year in force on the case's 申請日 (2024 for an undated case).")
@click.option("--policies", "policies_root", type=click.Path(), default=None,
              help="A folder of policy years: use the one in force on the case's application date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "brief"]), default="text", show_default=True,
              help="text: the explanation; json: the decision as data; brief: only what decides (the form of tests/snapshots/).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--frame", "frames", multiple=True, help="Evaluate only this frame (repeatable).")
@click.option("--trace/--no-trace", "full", default=False,
              help="Add every rule's trace with the values it saw (text and JSON; off by default).")
@click.option("--fail", "fail_if_none", is_flag=True,
              help="Exit 1 when no frame is eligible (by default a decision made is exit 0, whatever it says).")
def eval_command(case: str, policy_dir: str | None, policies_root: str | None, fmt: str, lang: str,
                 frames: tuple[str, ...], full: bool, fail_if_none: bool) -> None:
    """Evaluate CASE (a JSON file, or - for standard input) and explain the decision for every frame.
    Exit 0 when the case was decided, whatever the decision (1 with --fail when no frame is eligible)."""
    policy, raw, selection, also_known = _load(case, policy_dir, policies_root, lang)
    values = _values(policy, raw, case, also_known, lang)  # before anything reads the case (its "frame" key included)
    frames = _frames(policy, raw, frames, case, lang)
    decision = what_if(policy, values, evaluate(policy, values, frames or None))
    chosen = _chosen(selection, policy)
    if fmt == "json":
        out = render_json.decision(decision, lang, traces=full)
        if chosen:
            out = {"selected_policy": chosen, **out}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif fmt == "brief":
        from engine.explain import render_brief

        click.echo(render_brief.decision(decision, lang), nl=False)
    else:
        if chosen:
            click.echo(render_text.selection(chosen, lang))
        click.echo(render_text.decision(decision, lang, full), nl=False)
    eligible = any(f.status != "not_eligible" for f in decision.frames)
    sys.exit(EXIT_NOT_ELIGIBLE if fail_if_none and not eligible else EXIT_OK)


def _frames(policy, raw, frames: tuple[str, ...], case: str, lang: str = "en") -> tuple[str, ...]:
    """The frames to evaluate: --frame, else the case's own "frame" key, by name or label (none: every frame)."""
    known = [f.name for f in policy.frames]
    from_case = not frames and isinstance(raw, dict) and bool(raw.get("frame"))
    if from_case:  # the case names the frame it applies for
        frames = (raw["frame"],) if isinstance(raw["frame"], str) else tuple(raw["frame"])
    by_label = {f.label.ja: f.name for f in policy.frames} | {f.label.en: f.name for f in policy.frames if f.label.en}
    frames = tuple(by_label.get(f, f) for f in frames)  # a frame may be named by its label too
    unknown = [f for f in frames if f not in known]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.4)
        hint = f" (did you mean {close[0]}?)" if close else ""
        message = f"unknown frame {', '.join(unknown)}{hint}; the policy's frames are: {', '.join(known)}"
        if from_case:  # a field of the case, not an option: a bad case
            _fail(_case_message(CaseError([f"frame: {message}"], _shown(case, lang)), lang), EXIT_BAD_CASE)
        _fail(message, EXIT_USAGE)
    return frames


@cli.command("batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option("-o", "--output", "output_path", required=True, type=click.Path(allow_dash=True), help="Output file, or - for standard output.")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: for each case, the bundled year in force on its 申請日 (2024 when undated); the output names it.")
@click.option("--trace", is_flag=True, help="Add each case's full explained decision (slower: the tree evaluator).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--input-format", type=click.Choice(["jsonl", "csv", "xlsx"]), default=None, help="Default: from INPUT's extension.")
@click.option("--output-format", type=click.Choice(["jsonl", "csv", "xlsx"]), default=None, help="Default: from OUTPUT's extension.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run: keep OUTPUT's whole records and skip their inputs.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the summary on standard error and of CSV and .xlsx statuses, reasons and steps "
                   "(JSON Lines keeps codes).")
@click.option("--bom/--no-bom", default=True, show_default=True, help="Begin a CSV output with a UTF-8 BOM (for Excel).")
@click.option("--headers", type=click.Choice(["both", "names", "labels"]), default="both", show_default=True,
              help="A CSV output's header rows: the column names (for programs), then their labels in --lang (for people; "
                   "a second row, skipped when the file is read back); or one of the two.")
@click.option("--engine", type=click.Choice(["auto", "rows", "sql"]), default="auto", show_default=True,
              help="rows: case by case in Python; sql: JSON Lines decided by the policy's SQL form on DuckDB, the same "
                   "records (needs the population extra and --policy); auto: sql for a JSON Lines file of 4 MB or more when it can.")
def batch_command(input_path, output_path, policy_dir, trace, workers, input_format, output_format, resume, lang, bom, headers,
                  engine) -> None:
    """Evaluate every case of INPUT (JSON Lines, CSV or .xlsx) into OUTPUT, one record per case, in order."""
    from engine.population import batch, columnar, sheets

    input_format = input_format or _format_of(input_path, "input")
    output_format = output_format or _format_of(output_path, "output")
    if resume and output_path == "-":
        _fail("--resume needs an output file", EXIT_USAGE)
    if "xlsx" in (input_format, output_format) and "-" in (input_path, output_path):
        _fail(".xlsx is read from and written to files, not standard input or output", EXIT_USAGE)
    if output_format == "xlsx" and (resume or trace):
        _fail(f"--{'resume' if resume else 'trace'} does not go with .xlsx output (a workbook is written whole at the end, "
              "and a traced decision is larger than a cell); write .jsonl or .csv", EXIT_USAGE)
    try:
        if policy_dir:
            policies, default = {Path(policy_dir).name: load_policy(policy_dir).policy}, None
        else:  # the bundled years: each record under the year in force on its 申請日
            policies = {f.name: load_policy(f).policy for f in policy_folders(bundled_policies())}
            default = DEFAULT_YEAR
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    try:
        if input_format == "jsonl":  # read as bytes: a line that is not UTF-8 is one bad record, not a crash
            source = sys.stdin.buffer if input_path == "-" else open(input_path, "rb")
    except OSError as exc:
        _fail(f"cannot read {input_path}: {exc.strerror}", EXIT_BAD_CASE)
    try:  # a CSV header is checked before any output is written
        also = _sibling_fields(policy_dir) if policy_dir else fields_of_years(bundled_policies())  # a corpus for several years
        if input_format == "jsonl":
            records = batch.json_lines(source)
        elif input_format == "csv":  # UTF-8 (with or without a BOM) or CP932, whichever decodes the whole file
            records = batch.csv_records(sheets.open_csv(input_path), list(policies.values()), also)
        else:
            records = sheets.xlsx_records(input_path, list(policies.values()), also)
    except CaseError as exc:
        _fail(_case_message(exc if exc.file else CaseError(exc.problems, input_path)), EXIT_BAD_CASE)
    except sheets.SheetProblem as exc:
        _fail(str(exc), EXIT_USAGE)
    use_sql, why_not = columnar.chosen(engine, policies, trace, input_format, output_format, input_path)
    if engine == "sql" and not use_sql:
        _fail(f"--engine sql: {why_not}", EXIT_USAGE)
    done = batch.whole_records(Path(output_path), output_format) if resume else 0
    header = batch.csv_header(policies, trace)
    words = batch.Words(policies, lang)
    sheet = None
    if output_path == "-":
        out = sys.stdout
    else:
        try:
            had_header = resume and output_format == "csv" and Path(output_path).exists() and Path(output_path).stat().st_size > 0
            if output_format == "xlsx":
                sheet = sheets.XlsxSheet(output_path, [words.header(c) for c in header])
                out = io.StringIO()  # nothing goes here: the workbook takes each record's cells
            else:
                # a lone surrogate can stand only inside a JSON string, where its backslash escape is its JSON spelling
                out = open(output_path, "a" if resume else "w", encoding="utf-8", newline="", errors="backslashreplace")
        except OSError as exc:
            _fail(f"cannot write {output_path}: {exc.strerror}", EXIT_USAGE)
        except sheets.SheetProblem as exc:
            _fail(str(exc), EXIT_USAGE)
    if output_format == "csv" and done == 0 and not (output_path != "-" and had_header):
        out.write(sheets.csv_head(sheets.header_rows(header, words.header, headers), bom))
    for _ in range(0 if use_sql else done):  # the records an earlier run already wrote (the columnar path skips its own)
        next(records, None)
    total = _count_records(input_path, input_format) if input_path != "-" and sys.stderr.isatty() else None
    progress = _Progress(total, done, lang) if sys.stderr.isatty() else None
    summary = batch.Summary()
    numeric = {c for c in header if c in ("id", "best_subsidy") or c.endswith(".subsidy")}
    # Ctrl-C is noted and acted on between chunks: a chunk's records and their count are taken
    # together, so the count said on interruption is the number of records written
    interrupted: list = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    try:
        decided = (columnar.decide_all(policies, source, output_format, also, default, lang, done, workers) if use_sql else
                   batch.decide_all(policies, records, trace, "jsonl" if input_format == "jsonl" else "csv", workers,
                                    output_format, also, default, lang))
        for text, counts in decided:
            if sheet is None:
                out.write(text)  # a chunk's records, whole lines
            else:  # the chunk's CSV lines, cell by cell into the workbook (amounts as numbers)
                for cells in csv.reader(io.StringIO(text)):
                    sheet.row([int(c) if n in numeric and c.isdigit() else c for n, c in zip(header, cells)])
            summary.merge(counts)
            if progress:
                out.flush()
                progress.show(summary.read)
            if interrupted:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        out.flush()
        click.echo("\n" + BATCH_WORDS[lang]["interrupted_sheet" if sheet else "interrupted"].format(n=done + summary.read), err=True)
        sys.exit(130)
    except sheets.SheetProblem as exc:
        _fail(f"{exc}; {output_path} was not written", EXIT_USAGE)
    finally:
        signal.signal(signal.SIGINT, previous)
        out.flush()
        if out is not sys.stdout:
            out.close()
    if sheet is not None:
        try:
            sheet.close()
        except OSError as exc:
            _fail(f"cannot write {output_path}: {exc.strerror or exc}", EXIT_USAGE)
    if progress:
        progress.done()
    click.echo(_batch_summary(summary, done, lang), err=True)
    sys.exit(EXIT_OK)


def _format_of(path: str, what: str) -> str:
    if path == "-":
        return "jsonl"  # standard input and output carry JSON Lines unless --input/--output-format says csv
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".xlsx"):
        return suffix[1:]
    _fail(f"cannot tell the {what} format of {path}; use --{what}-format jsonl|csv|xlsx", EXIT_USAGE)


def _count_records(path: str, input_format: str) -> int | None:
    try:
        with open(path, "rb") as f:
            lines = sum(1 for line in f if line.strip())
    except OSError:
        return None
    return lines - 1 if input_format == "csv" else lines


# `policy batch`'s words on standard error, Japanese first (--lang)
BATCH_WORDS = {
    "ja": {"interrupted": "{n:,}件で中断しました。続けるには --resume を付けて再実行してください",
           "interrupted_sheet": "{n:,}件で中断しました。出力は書いていません",
           "progress": "{n:,}件、毎秒{rate:,.0f}件", "left": "、残り{s:,.0f}秒",
           "read": "読み込んだ件数: {n:,}件", "resumed": "（前回までの{n:,}件に続けて）", "decisions": "判定: {n:,}件", "errors": "エラー: {n:,}件",
           "eligible": "{frame}の対象: {n:,}件（補助額 {yen:,}円）", "best": "各ケースの補助額が最も大きい枠の補助額の合計: {yen:,}円"},
    "en": {"interrupted": "interrupted after {n} records; run again with --resume to continue",
           "interrupted_sheet": "interrupted after {n} records; nothing written",
           "progress": "{n:,} records, {rate:,.0f}/s", "left": ", {s:,.0f} s left",
           "read": "records read: {n:,}", "resumed": " (after {n:,} resumed)", "decisions": "decisions: {n:,}", "errors": "errors: {n:,}",
           "eligible": "eligible for {frame}: {n:,} (subsidy {yen:,}円)", "best": "total subsidy of each case's best frame: {yen:,}円"},
}


class _Progress:
    """records done, rate and time left, on one terminal line (only when stderr is a terminal)."""

    def __init__(self, total, skipped, lang: str = "ja"):
        import time

        self.time, self.start, self.total, self.skipped, self.words = time, time.monotonic(), total, skipped, BATCH_WORDS[lang]

    def show(self, done: int) -> None:
        elapsed = max(self.time.monotonic() - self.start, 1e-9)
        rate = done / elapsed
        left = ""
        if self.total:
            remaining = max(self.total - self.skipped - done, 0)
            left = self.words["left"].format(s=remaining / rate) if rate else ""
        click.echo("\r" + self.words["progress"].format(n=self.skipped + done, rate=rate) + left + "   ", err=True, nl=False)

    def done(self) -> None:
        click.echo("", err=True)


def _batch_summary(summary, skipped: int, lang: str = "ja") -> str:
    words = BATCH_WORDS[lang]
    lines = [words["read"].format(n=summary.read) + (words["resumed"].format(n=skipped) if skipped else ""),
             words["decisions"].format(n=summary.decisions), words["errors"].format(n=summary.errors)]
    for frame, count in summary.eligible.items():
        lines.append(words["eligible"].format(frame=frame, n=count, yen=summary.subsidy[frame]))
    lines.append(words["best"].format(yen=summary.best_total))
    return "\n".join(lines)


@cli.command("explain")
@click.argument("case", type=click.Path(allow_dash=True))
@click.option("--policy", "policy_dir", type=click.Path(), default=None,
              help="Policy folder. Default: the bundled year in force on the case's 申請日 (2024 for an undated case).")
@click.option("--policies", "policies_root", type=click.Path(), default=None,
              help="A folder of policy years: use the one in force on the case's application date.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--frame", "frames", multiple=True, help="Explain only this frame, by name or label (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the page here (default: standard output).")
def explain_command(case: str, policy_dir: str | None, policies_root: str | None, lang: str, frames: tuple[str, ...],
                    output: str | None) -> None:
    """Render the explained decision for CASE (a JSON file, or - for standard input) as one self-contained HTML page."""
    from engine.explain import render_html
    policy, raw, selection, also_known = _load(case, policy_dir, policies_root, lang)
    values = _values(policy, raw, case, also_known, lang)
    frames = _frames(policy, raw, frames, case, lang)
    title = _shown(case, lang) if case == "-" else Path(case).name
    page = render_html.decision(what_if(policy, values, evaluate(policy, values, frames or None)), lang, title, _chosen(selection, policy))
    _write_text(page, output)


def _write_text(text: str, output: str | None) -> None:
    """Write a page or document to `output`, or to standard output when it is absent or `-` (as for batch)."""
    if output and output != "-":
        _write_whole(text, output)
    else:
        click.echo(text, nl=False)


def _write_whole(text: str, output: str) -> None:
    """Write `output` through a temporary file beside it, renamed over it once whole: a failure or a
    signal midway leaves the previous file (or none), never half a page or report."""
    from engine.population.outputs import atomic_output

    try:
        with atomic_output(Path(output)) as temp:
            temp.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)


@cli.command("diff")
@click.argument("old_dir", type=click.Path())
@click.argument("new_dir", type=click.Path())
@click.argument("cases", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: for pasting into a merge request.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
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
        _fail(str(exc), EXIT_BAD_POLICY)
    report = diff.diff(old_dir, new_dir, old, new, cases, known)
    if not report.cases:
        _fail(f"no case files in {', '.join(cases)}", EXIT_BAD_CASE)
    if fmt == "json":
        click.echo(json.dumps(render_diff.json(report, lang), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_diff.markdown(report, lang), nl=False)
    else:
        click.echo(render_diff.text(report, lang), nl=False)
    if any(c.error for c in report.cases):
        sys.exit(EXIT_BAD_CASE)
    sys.exit(EXIT_CHANGED if report.changed else EXIT_OK)


def _policy_option(default: str = "the bundled 2024 policy"):
    """`--policy DIR`, the one spelling of the policy folder on every command (OLD_DIR NEW_DIR of
    diff and --compare excepted: two policies)."""
    return click.option("--policy", "policy_option", type=click.Path(), default=None, help=f"Policy folder. Default: {default}.")


def _policy_folder(command: str, option: str | None, positional: str | None) -> str | None:
    """The folder from --policy, or from the positional spelling it replaces (still read, with a
    deprecation note on standard error so scripts keep working while they are moved over)."""
    if positional is None:
        return option
    if option is not None:
        _fail(f"policy {command}: give the policy folder once, as --policy DIR (got --policy {option} and {positional})", EXIT_USAGE)
    click.echo(f"policy {command}: the policy folder as an argument is deprecated; write --policy {positional}", err=True)
    return positional


@cli.command("schema")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option()
def schema_command(policy_dir: str | None, policy_option: str | None) -> None:
    """Print the JSON Schema of a case for the policy (for editors and validators). DIR: deprecated, use --policy."""
    from engine.authoring import schema
    policy_dir = _policy_folder("schema", policy_option, policy_dir)
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    click.echo(json.dumps(schema.case_schema(policy), ensure_ascii=False, indent=2))


@cli.command("graph")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@click.option("--frame", default=None, help="Only this frame and what it depends on.")
def graph_command(policy_dir: str | None, policy_option: str | None, fmt: str, frame: str | None) -> None:
    """Print the compiled evaluation tree as Mermaid or Graphviz dot source. DIR: deprecated, use --policy."""
    from engine.authoring import graph
    policy_dir = _policy_folder("graph", policy_option, policy_dir)
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    if frame is not None:
        _known_frames(policy, (frame,))
    g = graph.build(policy, frame)
    click.echo(graph.mermaid(g) if fmt == "mermaid" else graph.dot(g), nl=False)


@cli.command("test")
@click.argument("cases", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--coverage", "show_coverage", is_flag=True, help="Report what of the policy no case reached, per file and line.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True,
              help="text: each mismatch and a summary; json: the results as data; junit: JUnit XML for CI.")
@click.option("-v", "--verbose", is_flag=True, help="List every case (PASS, FAIL, SKIP) and, under each mismatch, the decision of its frame.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Language of the decisions -v shows.")
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
        _fail(str(exc), EXIT_BAD_POLICY)
    paths = diff.case_files(cases or ("examples",))
    if not paths:
        _fail(f"no case files in {', '.join(cases or ('examples',))}", EXIT_BAD_CASE)
    cov, keys = coverage.start(policy)  # coverage of --policy, or of the default year
    record = (lambda values, decision: coverage.record(cov, keys, policy, values, decision)) if show_coverage else None
    results = []
    covered = 0  # the cases judged under the policy whose coverage is reported
    for path in paths:
        if years is None:
            results.append(casetest.run_case(policy, path, known, record))
            covered += 1
            continue
        raw, chosen_years = _years_of_case(path, years)
        for name, chosen, refused in chosen_years:
            label = _shown(str(path)) if name is None else f"{_shown(str(path))} ({name})"
            if refused is not None:  # eval refuses it too, with these words
                results.append(casetest.CaseResult(case=label, outcome="invalid", error=refused))
            else:
                results.append(casetest.run_case(chosen, path, known, record if chosen is policy else None, name=label, raw=raw))
                covered += chosen is policy
    if fmt == "json":
        out = render_casetest.as_json(results, cov if show_coverage else None, covered)
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif fmt == "junit":
        click.echo(render_casetest.junit(results, lang=lang), nl=False)
    else:
        click.echo(render_casetest.results(results, verbose, lang), nl=False)
        if show_coverage:
            click.echo(render_casetest.coverage(cov, covered), nl=False)
    if any(r.outcome == "invalid" for r in results):
        sys.exit(EXIT_BAD_CASE)
    sys.exit(EXIT_TEST_FAILED if any(r.outcome == "failed" for r in results) else EXIT_OK)


def _years_of_case(path: Path, years: dict) -> tuple[object, list[tuple[str | None, object, str | None]]]:
    """The case as read (None if it cannot be), and the bundled years `policy test` judges it under,
    as (label or None, policy, refusal):
    the one eval picks by the case's date (the default year when undated), or, when the case's
    expectation is given per year, each year it names (its expectation says which rules it is
    for, e.g. a boundary of 2024's term that no year's term holds). A date eval refuses is refused
    with eval's words."""
    from engine.authoring import casetest
    from engine.evaluate.selection import NoDate, choose_year

    try:
        raw = read_case_file(path)
    except CaseError as exc:  # as run_case reports it (standard input is not read twice)
        return None, [(None, None, "; ".join(exc.problems))]
    named = [y for y in casetest.years_named(raw) if y in years]
    if named:
        return raw, [(y if len(named) > 1 else None, years[y], None) for y in named]
    try:
        name = choose_year(list(years.items()), raw, _shown(str(path)))[0]
    except NoDate:
        name = DEFAULT_YEAR
    except CaseError as exc:
        return raw, [(None, None, "; ".join(exc.problems))]
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    return raw, [(None, years[name], None)]


def _sibling_fields(policy_dir) -> frozenset:
    """Input names the other policy years beside `policy_dir` declare (a shared corpus may carry them);
    a folder beside it that does not load is no year of it, and is no reason to stop."""
    return fields_of_years(Path(policy_dir).resolve().parent, skip_broken=True)


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", "check_only", is_flag=True, help="List the files that would change and exit 1 if any; change nothing.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print what would change as a unified diff and exit 1 if anything would; change nothing (implies --check).")
def fmt_command(paths: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Lay out .rules files (PATHS: files or folders; default: policies/) in the one canonical way."""
    from engine.language import fmt  # the parser (and Lark) load only for the commands that parse
    check_only = check_only or show_diff
    files = []
    for p in map(Path, paths or ("policies",)):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*.rules") if f.is_file()))  # a folder named x.rules is not one
        elif p.exists():
            files.append(p)
        else:
            _fail(f"no such file or folder {p}", EXIT_USAGE)
    seen: set = set()
    files = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]  # a file named twice is one file
    changed, failed = [], 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of the text (as the loader reads it)
            formatted = fmt.format_file_text(text, str(path))
        except UnicodeDecodeError:
            click.echo(f"{path}: not UTF-8 text; save it as UTF-8", err=True)
            failed += 1
            continue
        except (PolicyError, fmt.FormatChangedMeaning) as exc:
            click.echo(str(exc), err=True)
            failed += 1
            continue
        if formatted != text:
            changed.append(path)
            if show_diff:
                click.echo(fmt.unified_diff(text, formatted, path.as_posix()), nl=False)
            if not check_only:
                path.write_text(formatted, encoding="utf-8")
    for path in changed if not show_diff else ():
        click.echo(f"{'would reformat' if check_only else 'reformatted'} {path}")
    not_read = f", {failed} not formatted: fix the error(s) above" if failed else ""
    click.echo(f"{len(files)} file(s), {len(changed)} {'to reformat' if check_only else 'reformatted'}{not_read}", err=True)
    if failed:
        sys.exit(EXIT_BAD_POLICY)
    sys.exit(1 if check_only and changed else EXIT_OK)


@cli.command("check")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option("the bundled 2024 policy; a folder of policy years checks each")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="text: file:line:col with the line and a caret, on standard error; json: the problems as data; "
                   "sarif: SARIF 2.1.0 for CI annotations (json and sarif on standard output).")
def check_command(policy_dir: str | None, policy_option: str | None, fmt: str) -> None:
    """Parse and check a policy folder (default: the bundled 2024 policy), or every year of a folder
    of policy years (e.g. `policy check --policy policies`); report every problem as file:line:col.
    DIR: deprecated, use --policy."""
    policy_dir = _policy_folder("check", policy_option, policy_dir)
    folder = Path(policy_dir) if policy_dir else default_policy_dir()
    years = [folder]
    if folder.is_dir() and not (folder / "policy.rules").exists():
        try:  # a folder of years: check each one
            years = policy_folders(folder)
        except PolicyError:
            years = [folder]  # neither: the single-folder check says what is missing
    errors = warnings = 0
    checked = []  # (folder, diagnostics) for --format json|sarif
    for year in years:
        try:
            found, sources = diagnose(year)
        except PolicyError as exc:
            checked.append((str(year), list(exc.diagnostics)))
            if fmt != "text":
                errors += 1
                continue
            if len(years) == 1:
                _fail(str(exc), EXIT_BAD_POLICY)
            click.echo(str(exc), err=True)
            errors += 1
            continue
        checked.append((str(year), list(found)))
        errors += sum(d.severity == "error" for d in found)
        warnings += sum(d.severity != "error" for d in found)
        if fmt != "text":
            continue
        if found:
            click.echo(render_all(found, sources), err=True)
        if len(years) > 1:
            click.echo(f"{year}: {sum(d.severity == 'error' for d in found)} error(s), "
                       f"{sum(d.severity != 'error' for d in found)} warning(s)", err=True)
    if fmt == "text":
        click.echo(f"{errors} error(s), {warnings} warning(s)" + (f" in {len(years)} policy years" if len(years) > 1 else ""), err=True)
    else:
        from engine.authoring import render_check

        out = render_check.as_json(checked) if fmt == "json" else render_check.as_sarif(checked)
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    sys.exit(EXIT_BAD_POLICY if errors else EXIT_OK)


@cli.command("doc")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option()
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the document here (default: standard output); .html or .md chooses the format.")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default=None,
              help="html: one self-contained page; markdown. Default: from -o's extension, else markdown.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
def doc_command(policy_dir: str | None, policy_option: str | None, output: str | None, fmt: str | None, lang: str) -> None:
    """Render a policy (default: the bundled 2024) as a reviewer's document: every frame, rule, table
    and question with its citation, and what a year that extends another changed. DIR: deprecated, use --policy."""
    from engine.authoring import doc
    policy_dir = _policy_folder("doc", policy_option, policy_dir)
    if fmt is None:
        fmt = "html" if output and Path(output).suffix.lower() in (".html", ".htm") else "markdown"
    try:
        document = doc.build(policy_dir or default_policy_dir(), lang)
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    _write_text(doc.page(document, lang) if fmt == "html" else doc.markdown(document, lang), output)


@cli.command("lsp")
def lsp_command() -> None:
    """Run the language server on standard input and output (for editors; needs the lsp extra)."""
    try:
        from engine.authoring import lsp
    except ImportError as exc:
        _fail(f"policy lsp needs the lsp extra: pip install '.[lsp]' ({exc})", EXIT_USAGE)
    lsp.main()


@cli.command("serve")
@click.option("--policies", "policies_root", type=click.Path(), default=None, help="A folder of policy years. Default: the bundled policies.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port (printed).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes. Default: one per CPU.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None, help="Append every decision to this JSON Lines file.")
@click.option("--log-fsync", is_flag=True, help="Flush each log record to disk before answering (survives a power cut).")
@click.option("--log-mask", multiple=True, help="Also mask this field in the log (e.g. 申請者.従業員数; repeatable).")
@click.option("--max-body", type=click.IntRange(1024), default=256 * 1024, show_default=True, help="Largest request body, bytes (batch: 16×).")
@click.option("--max-batch", type=click.IntRange(1), default=1000, show_default=True, help="Most cases in one /v1/batch request.")
@click.option("--watch", type=click.FloatRange(0.1), default=None, help="Check the policy files every N seconds; reload when they change.")
@click.option("--request-timeout", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds a request may take, body included: past it 408 (body still arriving) or 504. 0: no limit.")
@click.option("--max-header", type=click.IntRange(1024), default=64 * 1024, show_default=True,
              help="Largest request line and headers, bytes: past it 431 and the connection closes.")
@click.option("--header-timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds from a request's first byte (or the connection) to its last header: past it 408.")
@click.option("--max-trace", type=click.IntRange(0), default=16 * 1024 * 1024, show_default=True,
              help="Largest traced decision (trace=true), bytes of JSON: past it 413. 0: no limit.")
def serve_command(policies_root, host, port, workers, log_path, log_fsync, log_mask, max_body, max_batch, watch, request_timeout,
                  max_header, header_timeout, max_trace) -> None:
    """Serve decisions over HTTP (POST /v1/decide …) and the self-check page at /. SIGHUP reloads the policies."""
    try:
        from engine.serve.server import LogPathError, serve
    except ImportError as exc:
        _fail(f"policy serve needs the serve extra: pip install 'subsidy-policy[serve]' ({exc})", EXIT_USAGE)
    from engine.language.resources import policies_root as bundled
    options = {"log": log_path, "log_fsync": log_fsync, "log_mask": tuple(log_mask), "max_body": max_body,
               "max_batch": max_batch, "watch": watch, "request_timeout": request_timeout,
               "max_header": max_header, "header_timeout": header_timeout, "max_trace": max_trace}
    try:
        serve(policies_root or str(bundled()), host, port, workers or os.cpu_count() or 1, options,
              announce=lambda text: click.echo(text, err=True))
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    except LogPathError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE)


@cli.command("synth")
@click.option("--policy", "policy_dirs", multiple=True, type=click.Path(), help="Policy folder (repeatable). Default: the bundled 2024 and 2025.")
@click.option("--n", "n", type=int, default=3_364_891, show_default=True, help="Number of firms (rows).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="Parquet file (.jsonl: case JSON, one per line).")
def synth_command(policy_dirs, n, seed, output) -> None:
    """Write a seeded synthetic population of SMEs (docs/batch-and-population.md) in the case-table layout."""
    import time

    from engine.population import synth
    from engine.language.resources import policies_root as bundled
    if n < 1:
        _fail(f"the number of firms must be a whole number from 1 to 1,000,000,000 (got {n})", EXIT_USAGE)
    try:
        policies = [load_policy(d).policy for d in (policy_dirs or (bundled() / "2024", bundled() / "2025"))]
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    start = time.monotonic()
    try:
        synth.generate(policies, n, seed, output)
    except ImportError as exc:
        _fail(f"policy synth needs the population extra: pip install 'subsidy-policy[population]' ({exc})", EXIT_USAGE)
    except synth.PolicyMismatch as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    except synth.SynthError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    click.echo(f"wrote {n:,} firm{'s' if n != 1 else ''} (seed {seed}) to {output} in {time.monotonic() - start:.1f} s", err=True)


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
        _fail(f"cannot tell the template's format from {output}: name it .xlsx or .csv", EXIT_USAGE)
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    try:
        n = sheets.write_template(policy, Path(output), fmt, lang, items, bom)
    except sheets.SheetProblem as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    click.echo(f"{n} columns → {output}", err=True)


@cli.command("sql")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--dialect", default="duckdb", show_default=True,
              help="Any SQL dialect sqlglot writes (duckdb and spark are tested against the tree evaluator).")
@click.option("--frame", "frames", multiple=True, help="Only this frame (repeatable).")
@click.option("--no-dates", is_flag=True, help="Judge every case as though applied within the policy's term.")
@click.option("--fused", is_flag=True,
              help="The steps grouped by dependency level, as `policy population` runs it (default: a step per rule).")
def sql_command(policy_dir, dialect, frames, no_dates, fused) -> None:
    """Print the policy as one SQL query over a table `cases` (layout: engine/sql/case_table.py, docs/batch-and-population.md)."""
    try:
        import sqlglot

        from engine.sql import query as sql
    except ImportError as exc:
        _fail(f"policy sql needs the population extra: pip install 'subsidy-policy[population]' ({exc})", EXIT_USAGE)
    known = sorted(d.value for d in sqlglot.dialects.Dialects if d.value)
    if dialect.lower() not in known:
        _fail(f"unknown dialect {dialect!r}; sqlglot writes: {', '.join(known)}", EXIT_USAGE)
    dialect = dialect.lower()  # sqlglot's names are lower case; `Spark` and `DuckDB` mean the same
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    _known_frames(policy, frames)
    try:
        click.echo(sql.to_sql(policy, dialect, tuple(frames) or None, check_dates=not no_dates, fused=fused))
    except sql.InexactDialect as exc:
        _fail(f"refusing --dialect {dialect}: {exc}; the query must be exact to the yen (duckdb and spark are tested "
              f"against the tree evaluator)", EXIT_USAGE)
    except sql.Unsupported as exc:
        _fail(f"the SQL form cannot write this policy exactly: {exc}", EXIT_BAD_POLICY)


@cli.command("population")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Decisions file (.parquet, .csv or .xlsx); with --compare, the report (.txt, .json or .html; default: standard output).")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
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
        _fail(f"policy population needs the population extra: pip install 'subsidy-policy[population]' ({exc})", EXIT_USAGE)
    start = time.monotonic()

    received = {"signal": signal.SIGINT}

    def terminated(signum, frame):  # SIGTERM: unwind as Ctrl-C does, so a half-written output is removed, then exit 143
        received["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    try:
        if compare:
            if len(paths) != 3:
                _fail("--compare takes OLD_POLICY NEW_POLICY CASES", EXIT_USAGE)
            if frames:
                _fail("--frame does not go with --compare: the report covers every frame of both policies", EXIT_USAGE)
            if policy_dir:
                _fail("--policy does not go with --compare: the policies are OLD_POLICY and NEW_POLICY", EXIT_USAGE)
            old_dir, new_dir, cases = paths
            misplaced = [p for p in (old_dir, new_dir) if Path(p).is_file()]
            if misplaced:
                _fail(f"--compare takes OLD_POLICY NEW_POLICY CASES, policy folders first; {misplaced[0]} is a file", EXIT_USAGE)
            if output and fmt is None and Path(output).suffix.lower() not in REPORT_FORMATS:
                _fail(f"cannot tell the report's format from {output}: name it .txt, .json, .html or .xlsx, or give --format", EXIT_USAGE)
            budget_yen = _budget(budget)
            if output:
                population.writable(Path(output), cases)  # before the comparison runs, and never over the cases
            old, new = load_policy(old_dir).policy, load_policy(new_dir).policy
            also = _sibling_fields(old_dir) | _sibling_fields(new_dir)  # a corpus written for other years too
            report = population_compare.compare(old, new, cases, engine, labels=(old_dir, new_dir), also_known=also,
                                                folders=(old_dir, new_dir), national=national, budget=budget_yen)
            _write_report(report, output, fmt, lang)
            _ignore_late_signals()
            click.echo(f"compared {report['cases']:,} cases on {engine} in {time.monotonic() - start:.1f} s", err=True)
            return
        if len(paths) != 1 or output is None:
            _fail("policy population CASES -o DECISIONS (or --compare OLD_POLICY NEW_POLICY CASES)", EXIT_USAGE)
        if national is not None or budget is not None:
            _fail(f"--{'national' if national is not None else 'budget'} is for the --compare report", EXIT_USAGE)
        if fmt:
            _fail("--format is for the --compare report; the decisions' format is -o's extension (.parquet, .csv or .xlsx)", EXIT_USAGE)
        policy = load_policy(policy_dir or default_policy_dir()).policy
        _known_frames(policy, frames)
        also = _sibling_fields(policy_dir or default_policy_dir())  # `policy synth` writes for 2024 and 2025
        n = population.decide(policy, paths[0], output, engine, tuple(frames) or None, also_known=also, lang=lang, bom=bom,
                              headers=headers)
        _ignore_late_signals()
        click.echo(f"decided {n:,} case{'s' if n != 1 else ''} on {engine} in {time.monotonic() - start:.1f} s → {output}", err=True)
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    except CaseError as exc:
        _fail(_case_message(exc), EXIT_BAD_CASE)
    except (population.PopulationError, population.SheetProblem) as exc:
        _fail(str(exc), EXIT_USAGE)
    except sql.Unsupported as exc:
        _fail(f"the SQL form cannot write this policy exactly: {exc}", EXIT_BAD_POLICY)
    except KeyboardInterrupt:
        _fail(f"interrupted; {output or 'the report'} was not written (an existing file is left as it was)", 128 + received["signal"])


def _ignore_late_signals() -> None:
    """The output is in place: a signal now must not say it was not written."""
    import signal

    for late in (signal.SIGTERM, signal.SIGINT):
        signal.signal(late, signal.SIG_IGN)


# the --compare report's format by -o's extension (standard output: text)
REPORT_FORMATS = {".txt": "text", ".text": "text", ".json": "json", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}


def _budget(text: str | None) -> int | None:
    """--budget as a person writes an amount (2000億円, 200,000,000,000)."""
    from engine.language.literals import LiteralProblem, entered_yen

    if text is None:
        return None
    try:
        value = entered_yen(text)
    except LiteralProblem as exc:
        _fail(f"--budget: {exc}", EXIT_USAGE)
    if not value:
        _fail(f"--budget: {text!r} is no amount above 0円 (e.g. 2000億円)", EXIT_USAGE)
    return value


def _known_frames(policy, frames) -> None:
    """Usage error for a --frame the policy does not have, with the closest name."""
    import difflib

    names = [f.name for f in policy.frames]
    unknown = [f for f in frames if f not in names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1, cutoff=0.4)
        hint = f" (did you mean {close[0]}?)" if close else ""
        _fail(f"no frame {unknown[0]!r}{hint}; the frames are: {', '.join(names)}", EXIT_USAGE)


def _write_report(report, output, fmt, lang) -> None:
    from engine.population import report as render_population, report_html

    fmt = fmt or REPORT_FORMATS.get(Path(output).suffix.lower() if output else "", "text")
    if fmt == "xlsx":
        if output is None:
            _fail("the report as .xlsx goes to a file: give -o report.xlsx", EXIT_USAGE)
        from engine.population import report_tables
        from engine.population.sheets import SheetProblem

        try:
            report_tables.write_xlsx(report, Path(output), lang)
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
        except SheetProblem as exc:  # openpyxl missing
            _fail(str(exc), EXIT_USAGE)
        return
    text = {"json": lambda: render_population.json_text(report), "html": lambda: report_html.page(report, lang),
            "text": lambda: render_population.text(report, lang)}[fmt]()
    if output is None:
        click.echo(text, nl=False)
        return
    _write_whole(text, output)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug of ours: say so plainly, without a traceback
        if os.environ.get("POLICY_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in the engine; run again with POLICY_DEBUG=1 for details.", err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
