"""The error of a population run, shared by the run and its engines (kept apart so neither imports the
other), and the run's own words: its refusals, where a case sits in the file and why a sheet cannot
be read or written (engine/population/sheets.py's SheetProblem), in the run's language (catalogue
domain "population", beside the report's words)."""

from __future__ import annotations

from engine.i18n import N_, catalogue, say

WORDS = catalogue([
    N_("run.output_format", "{path}: the decisions are written as Parquet (.parquet), CSV (.csv) or Excel (.xlsx)"),
    N_("run.input_format", "{path}: cases are read from Parquet (.parquet), JSON Lines (.jsonl), JSON (.json: a case or an "
                           "array of cases), CSV (.csv) or Excel (.xlsx)"),
    N_("run.folder", "{path} is a folder; give a file of cases (.parquet, .jsonl, .json, .csv or .xlsx)"),
    N_("run.no_such_file", "no such file {path}"),
    N_("run.same_file", "-o {path} is the cases file itself; write to another file"),
    N_("run.unwritable", "cannot write {path}: {reason}"),
    N_("run.no_folder", "cannot write {path}: no such folder {folder}"),
    N_("run.damaged", "cannot read the cases in {path}: {first}; the file is damaged or not Parquet"),
    N_("run.not_parquet", "not a readable Parquet file ({reason})"),
    N_("run.not_one_document", "not one JSON document (a case, or an array of cases) nor JSON Lines (a case per line): {problem}"),
    N_("run.not_utf8", "not UTF-8 text ({reason})"),
    N_("run.at", "{where}: {problem}"),
    N_("run.line", "line {n}"),
    N_("run.row", "row {n}"),
    N_("run.case", "case {n}"),
    N_("run.the_case", "the case"),
    N_("run.column_missing", "column {path}: missing; expected {type}"),
    N_("run.column_type", "column {path}: got {got}, expected {type}"),
    N_("run.no_id", "column id: {n} case(s) without an id; expected a distinct id for every case"),
    N_("run.shared_id", "column id: {n} id(s) given to more than one case; expected a distinct id for every case"),
    N_("run.needs_spark", "--engine spark needs PySpark: pip install 'subsidy-policy[spark]' (and Java)"),
    N_("synth.no_policy", "give at least one policy"),
    N_("synth.n", "the number of firms must be a whole number from 1 to {most} (got {n})"),
    N_("synth.seed", "the seed must be a whole number from 0 to {most} (got {seed})"),
    N_("synth.csv", "CSV cannot hold the nested case-table layout; write .parquet (or .jsonl)"),
    N_("synth.format", "cannot tell what to write to {path}: name it .parquet (the case table) or .jsonl (case JSON, one per line)"),
    N_("synth.format_no_name", "cannot tell what to write to (an empty name): name it .parquet (the case table) or .jsonl (case JSON, one per line)"),
    N_("sheet.openpyxl_reading", "reading .xlsx needs openpyxl: pip install 'subsidy-policy[xlsx]'"),
    N_("sheet.openpyxl_writing", "writing .xlsx needs openpyxl: pip install 'subsidy-policy[xlsx]'"),
    N_("sheet.too_many_rows", "an .xlsx sheet holds at most {most} rows under its header; write .csv or .parquet for more"),
    N_("sheet.too_many_decisions", "{n} decisions do not fit an .xlsx sheet (at most {most} rows under its header); write .csv or .parquet"),
    N_("run.ansi_off", "Spark's ANSI mode is off (spark.sql.ansi.enabled): an overflow would wrap silently; turn it on"),
])


def word(lang: str, key: str, /, **values) -> str:
    """The population run's word `key` in `lang`, its placeholders filled."""
    return say(lang, "population", WORDS, key, **values)


class PopulationError(Exception):
    """A population run that cannot go on: the message says why, in the run's language."""
