"""Decisions as spreadsheet cells: the columns `policy batch` and `policy population` write (CSV and
.xlsx), their headers in the policy's words, and statuses, reasons and steps as words rather than
codes. Reads summary rows only (the shape engine.sql.query.output_columns names: per frame F,
`F.status`, `F.subsidy`, `F.reasons` as `kind:name` strings, `F.pending_steps`, and `F.overdue_steps`
for a frame with a step that has its own due date)."""

from __future__ import annotations

from engine.explain.messages import message
from engine.explain.render_json import label
from engine.tree import nodes as tree, rounds

FRAME_COLUMNS = ("status", "subsidy", "reasons", "pending_steps")
_WHOLE_RECORD = ("id", "ok", "errors", "policy", "best_frame", "best_subsidy", "trace")


def columns(policies: list[tree.Policy], batch: bool) -> list[str]:
    """The columns, the same for `batch` and `population` (`batch` adds ok, errors — a bad record
    gets a row, where `population` refuses the run — a `policy` column when it chose between years,
    and `trace`)."""
    out = ["id"] + (["ok", "errors"] if batch else []) + (["policy"] if batch and len(policies) > 1 else [])
    out += ["best_frame", "best_subsidy"]
    for policy in policies:
        for f in policy.frames:
            out += [f"{f.name}.{c}" for c in FRAME_COLUMNS if f"{f.name}.{c}" not in out]
            if rounds.has_due_steps(policy, f) and f"{f.name}.overdue_steps" not in out:  # steps past their own due date
                out.append(f"{f.name}.overdue_steps")
    return out + (["trace"] if batch else [])


class Words:
    """A policy's (or several years') names in words, in one language. With years named
    ({year: policy}), a row that names its year (`policy`) gets that year's words."""

    def __init__(self, policies: list[tree.Policy] | dict, lang: str):
        self.lang = lang
        self.years = {name: Words([p], lang) for name, p in policies.items()} if isinstance(policies, dict) else {}
        policies = list(policies.values()) if isinstance(policies, dict) else policies
        self.frames: dict = {}
        self.definitions: dict = {}
        self.amounts: dict = {}
        for policy in policies:  # the last (newest) policy's words win
            self.definitions.update({n: d.label for n, d in policy.definitions.items()})
            for f in policy.frames:
                self.frames[f.name] = f.label
                self._amounts(f.amount)

    def _amounts(self, a: tree.Amount) -> None:
        self.amounts[a.name] = a.label
        for part in a.parts:
            self._amounts(part)

    def _of(self, labels: dict, name: str) -> str:
        return label(labels[name], self.lang) if name in labels else name

    def header(self, column: str) -> str:
        if column in _WHOLE_RECORD:
            return message(self.lang, f"sheet.{column}")
        frame, _, what = column.rpartition(".")
        return message(self.lang, f"sheet.{what}", frame=self._of(self.frames, frame))

    def status(self, status: str) -> str:
        return message(self.lang, f"status.{status}") if status else ""

    def frame(self, name: str | None) -> str:
        return self._of(self.frames, name) if name else ""

    def reason(self, reason: str) -> str:
        kind, _, name = reason.partition(":")
        if kind == "requirement":
            return self._of(self.definitions, name)
        if kind == "exclusion":
            return message(self.lang, "sheet.reason.exclusion", label=self._of(self.definitions, name))
        if kind == "floor":
            return message(self.lang, "sheet.reason.floor", label=self._of(self.amounts, name))
        return message(self.lang, f"sheet.reason.{kind}")

    def joined(self, items) -> str:
        return message(self.lang, "sheet.join").join(items)

    def yes_no(self, value) -> str:
        return message(self.lang, "yes" if value in (True, "true") else "no")

    def cells(self, row: dict, names: list[str]) -> list:
        """One row's cells in `names` order: amounts as integers, everything else as words."""
        if row.get("policy") in self.years:
            return self.years[row["policy"]].cells(row, names)
        out = []
        for column in names:
            value = row.get(column)
            what = column.rpartition(".")[2]
            if value is None:
                out.append("")
            elif column == "ok":
                out.append(self.yes_no(value))
            elif column == "best_frame":
                out.append(self.frame(value))
            elif what == "status":
                out.append(self.status(value))
            elif what == "reasons":
                out.append(self.joined(self.reason(r) for r in value))
            elif what in ("pending_steps", "overdue_steps"):
                out.append(self.joined(self._of(self.definitions, s) for s in value))
            else:
                out.append(value)
        return out


# ---------------------------------------------------------------- a blank sheet of cases (policy template)
# what a template's header cell takes: the catalogue's "sheet.hint.*" messages
_HINTED = ("yen", "count", "ratio", "bool", "date", "enum", "enumlist")


def _kind(field: tree.Field) -> str:
    return "enumlist" if field.kind == "list" and field.element == "enum" else field.kind


def input_label(group: tree.Group, field: tree.Field, index: int | None, item: tree.Field | None, lang: str) -> str:
    """A column's words: its group, its field (and item), as the policy labels them."""
    parts = [label(group.label, lang)] if group.label else []
    parts.append(label(field.label, lang))
    if item is not None:
        parts[-1] += f" {message(lang, 'sheet.hint.item', n=index + 1)}"
        parts.append(label(item.label, lang))
    return " › ".join(parts)


def input_hint(field: tree.Field, lang: str) -> str:
    """What a cell of this column takes, in words (for the header cell's comment)."""
    words = [message(lang, f"sheet.hint.{_kind(field)}") if _kind(field) in _HINTED else ""]
    if field.default is not None:
        shown = message(lang, "yes" if field.default is True else "no") if isinstance(field.default, bool) else field.default
        words.append(message(lang, "sheet.hint.default", value=shown))
    elif field.optional:
        words.append(message(lang, "sheet.hint.optional"))
    return "; ".join(w for w in words if w)


def bool_choices(lang: str) -> list[str]:
    return [message(lang, "yes"), message(lang, "no")] if lang == "ja" else ["true", "false"]
