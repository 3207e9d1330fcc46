"""The mapping between CSV columns and a policy's input declarations, the same in both directions.

* a scalar input is one column named by its path: `申請者.業種`, `申請日`;
* an empty cell is a value left out (an optional input, or one with a default);
* booleans are `true` / `false` (also TRUE / FALSE, はい / いいえ); amounts and counts are digits, or
  as a person types them on the self-check page (`10,000,000`, `100万円`); ratios and dates as in
  JSON (a date also as Excel writes it, `2024/3/1`);
* a list of enum members is one cell, members joined by `|`: `会計|受発注`;
* a list of records takes indexed columns: `経費[0].区分`, `経費[0].金額`, `経費[1].区分`, … — an item
  exists when any of its cells is filled."""

from __future__ import annotations

import difflib
import re

from engine.tree import nodes as tree

_INDEXED = re.compile(r"^(?P<list>[^\[\]]+)\[(?P<index>\d+)\]\.(?P<field>.+)$")


def _fields(policy: tree.Policy):
    for g in policy.groups:
        for f in g.fields:
            yield g.name, f


_SLASHED_DATE = re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})")


def _cell_to_value(text: str, kind: str):
    """A cell as a value, read as the self-check page reads an entry (engine.language.literals:
    `10,000,000`, `100万円`, `3億円`, full-width digits; TRUE / FALSE / はい / いいえ) and a date as
    Excel writes it (`2024/3/1`)."""
    from engine.language.literals import LiteralProblem, entered_bool, entered_count, entered_yen

    try:
        if kind in ("yen", "count"):
            value = (entered_yen if kind == "yen" else entered_count)(text)
            return text if value is None else value
    except LiteralProblem:
        return text  # passed on as text: the case reader says what it expected
    if kind == "bool":
        value = entered_bool(text)
        return text if value is None else value
    if kind == "date" and (m := _SLASHED_DATE.fullmatch(text)):
        return f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}"
    return text  # anything else is passed on as text: the case reader reports what it expected


def column_problems(policies: list[tree.Policy], header: list[str] | None, also_known: frozenset[str] = frozenset(),
                    lang: str = "en") -> list[str]:
    """What is wrong with a CSV header, in `lang`: a column no policy reads (a misspelt one would
    silently leave its input out), or a column given twice (the second would silently win). A column
    whose last name is in `also_known` (an input another policy year declares) is left alone, unread;
    so is an unnamed column (a trailing comma), whose cells row_to_case requires to be empty."""
    from engine.evaluate.case import META_KEYS, suggest
    from engine.evaluate.case_words import word

    known, lists = set(META_KEYS), {}
    for policy in policies:
        for group, f in _fields(policy):
            path = f"{group}.{f.name}" if group else f.name
            if f.kind == "list" and f.element == "record":
                lists.setdefault(path, set()).update(rf.name for rf in policy.records[f.type_name].fields)
            else:
                known.add(path)
    problems, seen = [], set()
    for column in header or ():
        m = _INDEXED.match(column or "")
        if not column:
            continue
        read = column in known or (m and m["list"] in lists and m["field"] in lists[m["list"]])
        if not read and (m["field"] if m else column.rsplit(".", 1)[-1]) in also_known:
            continue  # another year's input: not read under this policy
        named = _column_where(policies, column, lang)
        if column in seen:
            problems.append(word(lang, "column.twice", column=column, where=named))
        elif m and m["list"] in lists:
            if m["field"] not in lists[m["list"]]:
                fields = sorted(lists[m["list"]])
                close = difflib.get_close_matches(m["field"], fields, n=1, cutoff=0.5)  # as case.suggest
                # English names the field, as it always did; Japanese the whole column to write instead
                hint = word(lang, "hint", name=close[0] if lang == "en" else f"{m['list']}[{m['index']}].{close[0]}") if close else ""
                problems.append(word(lang, "column.no_field", column=column, list=m["list"], field=m["field"], hint=hint,
                                     fields=word(lang, "list.separator").join(fields), where=named,
                                     list_where=_column_where(policies, m["list"], lang)))
        elif column not in known:
            names = sorted(known - set(META_KEYS)) + [f"{p}[0].{f}" for p, fs in sorted(lists.items()) for f in sorted(fs)]
            problems.append(word(lang, "column.unknown", column=column, hint=suggest(column or "", names, lang), where=named))
        seen.add(column)
    return problems


def _column_where(policies: list[tree.Policy], column: str, lang: str) -> str:
    """A column as the case reader names the field it would fill (case_words.where): its path in
    English, its labels in Japanese (「申請者」の「資本金」); parts no policy declares as written."""
    from engine.evaluate.case_words import where

    path: list = []
    for part in column.split("."):
        m = re.fullmatch(r"(?P<name>[^\[\]]+)\[(?P<index>\d+)\]", part)
        path += [m["name"], int(m["index"])] if m else [part]
    declared = next((p for p in policies if any(g.name == path[0] or (g.name is None and any(f.name == path[0] for f in g.fields))
                                                for g in p.groups)), policies[0] if policies else None)
    return where(declared, tuple(path), lang) if declared is not None else column


def row_to_case(policy: tree.Policy, row: dict, lang: str = "en") -> dict:
    """One CSV row (column -> cell text) as a case object; a row that does not fit its header is a
    CaseError in `lang`."""
    if row.get(None) or (row.get("") or "").strip():
        from engine.evaluate.case_words import word
        from engine.language.diagnostics import CaseError

        if row.get(None):  # csv.DictReader keeps the cells past the header's last column under None
            raise CaseError([word(lang, "row.extra_cells", n=len(row[None]))])
        raise CaseError([word(lang, "row.unnamed_column", got=repr(row['']))])
    case: dict = {}
    records = {f.name: f for _, f in _fields(policy) if f.kind == "list" and f.element == "record"}
    for group, f in _fields(policy):
        if f.kind == "list" and f.element == "record":
            continue
        column = f"{group}.{f.name}" if group else f.name
        text = (row.get(column) or "").strip()
        if text == "" and column not in row:
            continue
        if text == "":
            if f.kind == "list":
                value = []
            else:
                continue
        elif f.kind == "list":
            value = [m.strip() for m in text.split("|") if m.strip()]
        else:
            value = _cell_to_value(text, f.kind)
        (case.setdefault(group, {}) if group else case)[f.name] = value
    items: dict = {}
    for column, text in row.items():
        m = _INDEXED.match(column or "")
        if not m or m["list"].split(".")[-1] not in records:
            continue
        items.setdefault(m["list"], {}).setdefault(int(m["index"]), {})[m["field"]] = (text or "").strip()
    for path, by_index in items.items():
        name = path.split(".")[-1]
        record = policy.records[records[name].type_name]
        kinds = {rf.name: rf for rf in record.fields}
        values = []
        for index in sorted(by_index):
            cells = by_index[index]
            if not any(cells.values()):
                continue
            item = {}
            for field, text in cells.items():
                rf = kinds.get(field)
                if text == "":
                    continue
                if rf is not None and rf.kind == "list":
                    item[field] = [m.strip() for m in text.split("|") if m.strip()]
                else:
                    item[field] = _cell_to_value(text, rf.kind if rf else "text")
            values.append(item)
        group = next(g for g, f in _fields(policy) if f.name == name)
        (case.setdefault(group, {}) if group else case)[name] = values
    for group, f in _fields(policy):  # a required list with no columns at all is an empty list
        if f.kind == "list" and f.element == "record" and not f.optional:
            (case.setdefault(group, {}) if group else case).setdefault(f.name, [])
    return case


def _value_to_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


def case_to_row(policy: tree.Policy, case: dict) -> dict:
    """A case object as one CSV row (the inverse of row_to_case)."""
    row = {}
    for group, f in _fields(policy):
        source = case.get(group, {}) if group else case
        if not isinstance(source, dict) or f.name not in source:
            continue
        column = f"{group}.{f.name}" if group else f.name
        value = source[f.name]
        if f.kind == "list" and f.element == "record":
            for i, item in enumerate(value or ()):
                for field, v in item.items():
                    row[f"{column}[{i}].{field}"] = _value_to_cell(v)
        else:
            row[column] = _value_to_cell(value)
    return row


def layout(policy: tree.Policy, items: int = 5) -> list[tuple[str, tree.Group, tree.Field, int | None, tree.Field | None]]:
    """Every column a case's row can have, in the policy's order: (column, group, field, item
    index, the item's field) — a list of records gets `items` items' columns."""
    out = []
    for g in policy.groups:
        for f in g.fields:
            column = f"{g.name}.{f.name}" if g.name else f.name
            if f.kind == "list" and f.element == "record":
                for i in range(items):
                    out += [(f"{column}[{i}].{rf.name}", g, f, i, rf) for rf in policy.records[f.type_name].fields]
            else:
                out.append((column, g, f, None, None))
    return out
