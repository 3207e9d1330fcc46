"""The case reader's words, in every language of the catalogues (domain "case",
engine/locale/<lang>/LC_MESSAGES/case.po): each message marked with a stable key and its English
source. English names a field by its path in the case (`経費[0].区分`) and a choice by the name the
case spells; Japanese names both by the labels an applicant sees (「経費（税抜）」1件目の「経費の区分」,
「はい」か「いいえ」). The path stays available to programs beside each message (CaseError.details)."""

from __future__ import annotations

import json

from engine.i18n import N_, catalogue, say
from engine.tree import nodes as tree

SOURCE = catalogue([
    # where a problem is: English prints the path, Japanese the labels
    N_("where.case", "the case"),
    N_("where.field", "{path}"),
    N_("where.child", "{path}"),
    N_("where.item", "{path}"),
    N_("where.key", "{path}"),
    # what a field expects
    N_("expected.yen", "a whole number of yen (e.g. 500000)"),
    N_("expected.count", "a whole number (e.g. 12)"),
    N_("expected.ratio", 'a ratio: "1/2", "50%" or a number from 0 to 1'),
    N_("expected.bool", "true or false"),
    N_("expected.date", 'a date "YYYY-MM-DD"'),
    N_("expected.enum", "one of: {members}"),
    N_("expected.list", "a list of {record}"),
    N_("expected.object", "an object with fields {fields}"),
    N_("expected.case", "a JSON object"),
    N_("expected.frame", "the name of a frame or a list of names"),
    N_("expected.field_name", "one of: {allowed}"),  # an unknown key: the names it may be
    N_("expected.at_most", "{expected}, at most {most}"),
    N_("expected.at_least", "{expected}, at least {least}"),
    N_("expected.at_most_items", "a list of at most {most} items"),
    N_("list.separator", ", "),
    N_("hint", " (did you mean {name}?)"),
    # a value as a message quotes it
    N_("show.object", "an object"),
    N_("show.list", "a list"),
    N_("show.long_number", "{start}… ({n} digits)"),  # a number past 40 digits, shortened
    # the problems
    N_("missing", "missing; expected {expected}"),
    N_("missing.bool", "missing; expected true or false"),
    N_("missing.enum", "missing; expected one of: {members}"),
    N_("missing.group", "missing; expected an object with fields {fields}"),
    N_("got", "got {got}, expected {expected}"),
    N_("got.bool", "got {got}, expected true or false"),
    N_("got.enum", "got {got}, expected one of: {members}{hint}"),
    N_("got.date", 'got {got}, expected a date "YYYY-MM-DD" that exists'),
    N_("got.list", "got {got}, expected a list"),
    N_("got.object", "got {got}, expected an object with fields {fields}"),
    N_("got.case", "got {got}, expected a JSON object"),
    N_("got.frame", "got {got}, expected the name of a frame or a list of names"),
    N_("negative", "got {got}, expected {expected}; it must not be negative"),
    N_("fraction", "got {got}, expected {expected}; fractions of a yen or a person are not allowed"),
    N_("too_large", "got {got}, which is larger than {most}; is it a typo?"),
    N_("too_small", "got {got}, which is below {least}; is it a typo?"),  # a `signed` amount
    N_("above_maximum", "got {got}, expected at most {most} (the policy's bound for this field)"),
    N_("too_many", "{n} items; a list holds at most {most} (POLICY_MAX_ITEMS)"),
    N_("unknown", "unknown field{hint}; expected one of: {allowed}"),
    N_("invalid", "invalid case"),
    # choosing the policy year by the case's application date
    N_("list.or", " or "),
    N_("year.the_date", "the application date"),
    N_("year.pin_hint", "pin a year: ?year=…"),  # the service's way to judge a case under one year
    N_("year.no_date", "{field}: missing; choosing the policy in force needs the case's application date (or {hint})"),
    N_("year.none", "{field}: {date} is in no policy year's term{nearest}; the years: {terms} "
                    "(to judge the case under one year's rules anyway, give --policy with that year's folder)"),
    N_("year.between", ", between {before} (closed {closed}) and {after} (opens {opens})"),
    N_("year.after_last", ", after the last call, {before} (closed {closed})"),
    N_("year.before_first", ", before the first call, {after} (opens {opens})"),
    # the file and its JSON
    N_("json.empty", "the case is empty; expected a JSON object"),
    N_("json.duplicate", "the key {key} appears twice in one object"),
    N_("json.malformed_at", "line {line} column {column}: malformed JSON: {detail}"),
    N_("json.malformed_at_column", "column {column}: malformed JSON: {detail}"),  # a line of JSON Lines, which its record names
    N_("json.malformed", "malformed JSON: {detail}"),
    N_("json.constant", "malformed JSON: {name} is not a number a case may hold"),
    N_("json.too_deep", "the JSON is nested too deeply"),
    N_("file.stdin", "standard input"),
    N_("file.none", "no such file {file}"),
    N_("file.folder", "{file} is a folder; give a case file (.json)"),
    N_("file.unreadable", "cannot read {file}: {reason}"),
    N_("file.not_utf8", "not UTF-8 text (byte {byte} at offset {offset}); save the case as UTF-8"),
    N_("file.too_big", "the case is larger than {most} bytes ({size}); a case holds one applicant (POLICY_MAX_CASE_BYTES)"),
    # a record of a batch (engine/population/batch.py): a line, a CSV row
    N_("record.not_utf8", "not UTF-8 text; save the input as UTF-8"),
    N_("record.too_big", "the record is larger than {most} bytes; a case holds one applicant (POLICY_MAX_CASE_BYTES)"),
    N_("row.extra_cells", "{n} cell(s) more than the header has columns"),
    N_("row.unnamed_column", "got {got} in a column with no name; name the column or leave its cells empty"),
    # a sheet's header (engine/evaluate/csvmap.py column_problems): {where} is the column as
    # `where` names a field (Japanese: by its labels), beside the column as written
    N_("column.twice", "column {column}: given twice; give each column once"),
    N_("column.no_field", "column {column}: {list} items have no field {field}{hint}; they have: {fields}"),
    N_("column.unknown", "column {column}: no input has this path{hint}"),
    # a sheet's file (engine/population/sheets.py)
    N_("file.encoding_tried", "{encoding} (byte {byte} does not fit)"),
    N_("list.and", " and "),
    N_("file.neither_encoding", "neither UTF-8 nor CP932 text; tried {tried}; save it from Excel as 「CSV UTF-8 (コンマ区切り)」"),
    N_("file.not_xlsx", "not a readable .xlsx workbook ({reason})"),
    # a value of a table of cases refused by the SQL checks (engine/sql/case_checks.py): the first
    # failing case's id and how many more fail the same check
    N_("table.at", "{where}: {problem} (case id {id})"),
    N_("table.at_one_more", "{where}: {problem} (case id {id}, and 1 more case)"),
    N_("table.at_more", "{where}: {problem} (case id {id}, and {more} more cases)"),
])


def word(lang: str, key: str, /, **values) -> str:
    return say(lang, "case", SOURCE, key, **values)


def show(value, lang: str = "en") -> str:
    """A value as a message quotes it: JSON's spelling, a long number shortened."""
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) > 40:
        digits = str(value)
        return word(lang, "show.long_number", start=digits[:20], n=len(digits.lstrip("-")))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return word(lang, "show.object" if isinstance(value, dict) else "show.list")
    return str(value)


def label_of(label: tree.Label | None, name: str, lang: str) -> str:
    if label is None:
        return name
    return label.ja if lang == "ja" else (label.en or label.ja)


def members_text(policy: tree.Policy, enum_name: str, lang: str, members=None) -> str:
    """The choices of an enum: by name in English (what a case spells), by on-screen label in Japanese."""
    enum = policy.enums.get(enum_name) if policy is not None and enum_name else None
    labels = dict(enum.members) if enum is not None else {}
    names = members if members is not None else [m for m, _ in (enum.members if enum else ())]
    shown = [label_of(labels.get(m), m, lang) if lang == "ja" else m for m in names]
    return word(lang, "list.separator").join(shown)


def expected(lang: str, kind: str) -> str:
    return word(lang, f"expected.{kind}")


def path_text(path: tuple) -> str:
    """("経費", 0, "金額") -> "経費[0].金額"."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def where(policy: tree.Policy, path: tuple, lang: str) -> str:
    """The field at `path`, as a person of `lang` names it (the catalogue decides: the path, or the
    labels). Keys the policy does not declare are quoted as written."""
    if not path:
        return word(lang, "where.case")
    groups = {g.name: g for g in policy.groups if g.name}
    top = {f.name: f for g in policy.groups if g.name is None for f in g.fields}
    text, fields, record_of = "", None, None
    for depth, key in enumerate(path):
        so_far = path_text(path[:depth + 1])
        if isinstance(key, int):
            text = word(lang, "where.item", path=so_far, parent=text, n=key + 1)
            fields = policy.records[record_of].fields if record_of in policy.records else None
            continue
        if depth == 0:
            found = groups.get(key) or top.get(key)
        else:
            found = next((f for f in fields or () if f.name == key), None)
        if found is None:
            text = word(lang, "where.key" if depth == 0 else "where.child", path=so_far, parent=text, label=key)
            fields, record_of = None, None
            continue
        shown = label_of(found.label, key, lang)
        text = word(lang, "where.field" if depth == 0 else "where.child", path=so_far, parent=text, label=shown)
        if isinstance(found, tree.Group):
            fields, record_of = found.fields, None
        else:
            fields, record_of = None, found.type_name if found.kind == "list" and found.element == "record" else None
    return text
