"""What the command line itself says to a person, marked for the `cli` gettext domain: summaries on
standard error, progress, and the usage errors of the commands that take --lang. English msgid,
Japanese in engine/locale/ja/LC_MESSAGES/cli.po."""

from __future__ import annotations

from engine.i18n import N_, catalogue, say

WORDS = catalogue([
    # policy check
    N_("check.summary", "{errors} error(s), {warnings} warning(s)"),
    N_("check.summary_years", "{errors} error(s), {warnings} warning(s) in {years} policy years"),
    N_("check.year", "{year}: {errors} error(s), {warnings} warning(s)"),
    # policy fmt
    N_("fmt.would_reformat", "would reformat {path}"),
    N_("fmt.reformatted", "reformatted {path}"),
    N_("fmt.summary_check", "{files} file(s), {changed} to reformat{not_read}"),
    N_("fmt.summary", "{files} file(s), {changed} reformatted{not_read}"),
    N_("fmt.not_read", ", {n} not formatted: fix the error(s) above"),
    N_("fmt.not_utf8", "{path}: not UTF-8 text; save it as UTF-8"),
    N_("fmt.no_such", "no such file or folder {path}"),
    N_("fmt.changed_meaning", "fmt would change the meaning of {path}; left as it is"),
    # cases given on the command line (test, diff)
    N_("cases.none", "no case files in {paths}"),
    # the policy folder
    N_("policy.both", "give either --policy or --policies, not both"),
    N_("policy.twice", "policy {command}: give the policy folder once, as --policy DIR (got --policy {option} and {positional})"),
    N_("policy.deprecated", "policy {command}: the policy folder as an argument is deprecated; write --policy {positional}"),
    # batch --engine sql where the columnar path cannot run (engine/population/columnar.py why_not)
    N_("engine.trace", "--engine sql: --trace needs the tree evaluator"),
    N_("engine.formats", "--engine sql: it reads JSON Lines and writes JSON Lines or CSV"),
    N_("engine.one_year", "--engine sql: it decides under one policy year (give --policy)"),
    N_("engine.control_character", "--engine sql: a name of the policy holds a control character"),
    N_("engine.not_installed", "--engine sql: DuckDB, pyarrow and orjson are not all installed (pip install 'subsidy-policy[population]')"),
    # frames named by --frame or by the case
    N_("frame.unknown", "unknown frame {frames}{hint}; the policy's frames are: {known}"),
    N_("frame.no_such", "no frame {frame!r}{hint}; the frames are: {known}"),
    N_("frame.did_you_mean", " (did you mean {name}?)"),
    # policy batch, on standard error
    N_("batch.interrupted", "interrupted after {n:,} records; run again with --resume to continue"),
    N_("batch.interrupted_sheet", "interrupted after {n:,} records; nothing written"),
    N_("batch.progress", "{n:,} records, {rate:,.0f}/s"),
    N_("batch.left", ", {s:,.0f} s left"),
    N_("batch.read", "records read: {n:,}"),
    N_("batch.resumed", " (after {n:,} resumed)"),
    N_("batch.decisions", "decisions: {n:,}"),
    N_("batch.errors", "errors: {n:,}"),
    N_("batch.eligible", "eligible for {frame}: {n:,} (subsidy {yen:,}円)"),
    N_("batch.best", "total subsidy of each case's best frame: {yen:,}円"),
    N_("batch.resume_needs_file", "--resume needs an output file"),
    N_("batch.xlsx_files", ".xlsx is read from and written to files, not standard input or output"),
    N_("batch.xlsx_whole", "--{option} does not go with .xlsx output (a workbook is written whole at the end, "
                           "and a traced decision is larger than a cell); write .jsonl or .csv"),
    N_("batch.format_of", "cannot tell the {what} format of {path}; use --{what}-format jsonl|csv|xlsx"),
    N_("batch.not_written", "{problem}; {path} was not written"),
    # a bug of ours, and a missing extra (said before any option is read: in English)
    N_("internal", "internal error: {kind}: {error}\nThis is a bug in the engine; run again with POLICY_DEBUG=1 for details."),
    N_("extra.lsp", "policy lsp needs the lsp extra: pip install '.[lsp]' ({error})"),
    # policy synth, template, sql and population
    N_("extra.population", "policy {command} needs the population extra: pip install 'subsidy-policy[population]' ({error})"),
    N_("synth.bad_n", "the number of firms must be a whole number from 1 to 1,000,000,000 (got {n})"),
    N_("synth.wrote", "wrote {n:,} firms (seed {seed}) to {path} in {seconds:.1f} s"),
    N_("synth.wrote_one", "wrote 1 firm (seed {seed}) to {path} in {seconds:.1f} s"),
    N_("template.format", "cannot tell the template's format from {path}: name it .xlsx or .csv"),
    N_("template.wrote", "{n} columns → {path}"),
    N_("sql.dialect", "unknown dialect {dialect}; sqlglot writes: {known}"),
    N_("sql.inexact", "refusing --dialect {dialect}: {reason}; the query must be exact to the yen "
                      "(duckdb and spark are tested against the tree evaluator)"),
    N_("sql.unsupported", "the SQL form cannot write this policy exactly: {reason}"),
    N_("population.usage", "policy population CASES -o DECISIONS (or --compare OLD_POLICY NEW_POLICY CASES)"),
    N_("population.compare_usage", "--compare takes OLD_POLICY NEW_POLICY CASES"),
    N_("population.compare_frame", "--frame does not go with --compare: the report covers every frame of both policies"),
    N_("population.compare_policy", "--policy does not go with --compare: the policies are OLD_POLICY and NEW_POLICY"),
    N_("population.compare_file", "--compare takes OLD_POLICY NEW_POLICY CASES, policy folders first; {path} is a file"),
    N_("population.report_format", "cannot tell the report's format from {path}: name it .txt, .json, .html or .xlsx, or give --format"),
    N_("population.compare_only", "--{option} is for the --compare report"),
    N_("population.format_compare_only", "--format is for the --compare report; the decisions' format is -o's extension "
                                         "(.parquet, .csv or .xlsx)"),
    N_("population.xlsx_to_file", "the report as .xlsx goes to a file: give -o report.xlsx"),
    N_("population.budget", "--budget: {problem}"),
    N_("population.budget_zero", "--budget: {text} is no amount above 0円 (e.g. 2000億円)"),
    N_("population.decided", "decided {n:,} cases on {engine} in {seconds:.1f} s → {path}"),
    N_("population.decided_one", "decided 1 case on {engine} in {seconds:.1f} s → {path}"),
    N_("population.compared", "compared {n:,} cases on {engine} in {seconds:.1f} s"),
    N_("population.interrupted", "interrupted; {path} was not written (an existing file is left as it was)"),
    N_("population.the_report", "the report"),
    # files
    N_("file.unreadable", "cannot read {path}: {reason}"),
    N_("file.unwritable", "cannot write {path}: {reason}"),
])


def word(lang: str, key: str, /, **values) -> str:
    """The command line's word `key` in `lang`, its placeholders filled."""
    return say(lang, "cli", WORDS, key, **values)
