"""`policy fmt`: one canonical layout for .rules files, line by line, so comments survive.

Two spaces per block level; comment lines take the indentation of the code they precede; one
space around comparison and arithmetic operators, written as ≤ ≥ ≠ ×; digits grouped by
thousands in amounts and numbers (5000万円 -> 5,000万円, keeping the author's unit); table
columns aligned; one blank line before each top-level block, never two in a row. The author's
order of definitions and lines is kept (moving lines would separate them from their comments).
The result is re-parsed and must mean exactly what the original meant."""

from __future__ import annotations

import re

import attrs

from engine.language.diagnostics import display_width
from engine.language.parser import parse

_OPERATORS = [("<=", "≤"), (">=", "≥"), ("!=", "≠"), ("==", "="), ("*", "×")]
_SPACED = re.compile(r"\s*(≤|≥|≠|×|÷|(?<![<>≤≥≠])=|<|>|\+)\s*")
_DIGITS = re.compile(r"(?:(?<![\w,./\-])|(?<=[億万]))(\d{4,})(?![\d/.%\-])")  # not inside names (要件2024)
_BLOCK_WORDS = ("programme", "enum", "record", "input", "table", "rule", "value", "exclusion", "step", "frame", "amend", "override")


def _split_strings(code: str) -> list[tuple[bool, str]]:
    """[(is_string, text), …] so that rewriting never touches quoted labels."""
    parts, i = [], 0
    for m in re.finditer(r'"[^"\n]*"', code):
        parts.append((False, code[i:m.start()]))
        parts.append((True, m.group()))
        i = m.end()
    parts.append((False, code[i:]))
    return parts


def _code_and_comment(line: str) -> tuple[str, str]:
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i].rstrip(), line[i:]
    return line.rstrip(), ""


def _group(match: re.Match) -> str:
    return f"{int(match.group(1)):,}"


def _normalise(code: str) -> str:
    out = []
    for is_string, text in _split_strings(code):
        if not is_string:
            if text.lstrip().startswith("source ") or "source " in text:
                head, sep, key = text.partition("source ")
                text = _normalise_plain(head) + sep + key.strip() + (" " if key.endswith(" ") else "")
            else:
                text = _normalise_plain(text)
        out.append(text)
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _normalise_plain(text: str) -> str:
    for ascii_op, symbol in _OPERATORS:
        text = text.replace(ascii_op, symbol)
    text = _SPACED.sub(lambda m: f" {m.group(1)} ", text)
    if text.lstrip().startswith("year "):
        return text  # a year is not an amount
    return _DIGITS.sub(_group, text)


_BOUND_CELL = re.compile(r"^(<=|>=|≤|≥|<|>)\s*(\S.*)$")
_BETWEEN_CELL = re.compile(r"^(\S.*?)\s*\.\.\s*(\S.*)$")


def _band_cell(cell: str) -> str:
    """A band of a table keyed by a number, spaced as `≤ 5人` and `6人 .. 20人`; any other cell as it is."""
    m = _BOUND_CELL.match(cell)
    if m:
        return f"{dict(_OPERATORS).get(m.group(1), m.group(1))} {m.group(2)}"
    m = _BETWEEN_CELL.match(cell)
    return f"{m.group(1)} .. {m.group(2)}" if m else cell


def _table(rows: list[tuple[str, str]]) -> list[str]:
    """Align the cells of consecutive `| … |` lines (indent, cells)."""
    tails = []  # a row's own `source …` after its last `|`, kept as written (one space before it)
    for _, row in rows:
        body, bar, tail = row.strip().rpartition("|")
        tails.append(" " + _normalise(tail) if bar and tail.strip() else "")
    bodies = [row.strip().rpartition("|")[0] + "|" if tail else row for (_, row), tail in zip(rows, tails)]
    cells = [[_DIGITS.sub(_group, c.strip()) for c in row.strip().strip("|").split("|")] for row in bodies]
    cells = [[_band_cell(row[0]), *row[1:]] if row else row for row in cells]
    widths = [max(display_width(r[i]) if i < len(r) else 0 for r in cells) for i in range(max(map(len, cells)))]
    lines = []
    for (indent, _), row, tail in zip(rows, cells, tails):
        padded = [c + " " * (widths[i] - display_width(c)) for i, c in enumerate(row)]
        lines.append(f"{indent}| " + " | ".join(padded) + " |" + tail)
    return lines


def format_text(text: str) -> str:
    raw = text.expandtabs(8).replace("\u3000", " ").splitlines()
    # indentation levels from the leading spaces of code lines
    levels: list[int] = [0]
    shaped: list[tuple[int | None, str, str]] = []  # (level or None for blank/comment, code, comment)
    depth = 0  # open parentheses: continuation lines keep their own layout
    for line in raw:
        stripped = line.strip()
        if not stripped:
            shaped.append((None, "", ""))
            continue
        if stripped.startswith("#"):
            shaped.append((None, "", stripped))
            continue
        if depth > 0:
            code, comment = _code_and_comment(stripped)
            shaped.append((-1, code, comment))
        else:
            width = len(line) - len(line.lstrip(" "))
            while levels and width < levels[-1]:
                levels.pop()
            if not levels or width > levels[-1]:
                levels.append(width)
            code, comment = _code_and_comment(stripped)
            shaped.append((len(levels) - 1, code, comment))
        plain = "".join(text for is_string, text in _split_strings(code) if not is_string)
        depth += plain.count("(") - plain.count(")") + plain.count("{") - plain.count("}")
        depth = max(depth, 0)
    out: list[str] = []
    pending_comments: list[str] = []
    table: list[tuple[str, str]] = []

    def flush_table():
        if table:
            out.extend(_table(table))
            table.clear()

    previous_level = 0
    for index, (level, code, comment) in enumerate(shaped):
        if level is None and not comment:  # blank line
            flush_table()
            if pending_comments:
                out.extend(pending_comments)
                pending_comments.clear()
            if out and out[-1] != "":
                out.append("")
            continue
        if level is None:  # comment line: indented like the code it precedes
            nxt = next((lv for lv, c, _ in shaped[index + 1:] if lv is not None and lv >= 0), previous_level)
            pending_comments.append("  " * nxt + comment)
            continue
        if level == -1:
            indent = "  " * (previous_level + 1)
        else:
            indent = "  " * level
            previous_level = level
        if code.startswith("|"):
            out.extend(pending_comments)
            pending_comments.clear()
            table.append((indent, code))
            continue
        flush_table()
        if level == 0 and code.split(" ", 1)[0] in _BLOCK_WORDS and code.endswith(":") and out and out[-1] != "":
            out.append("")
        out.extend(pending_comments)
        pending_comments.clear()
        line = indent + _normalise(code)
        out.append(line + ("  " + comment if comment else ""))
    flush_table()
    out.extend(pending_comments)
    while out and out[0] == "":
        out.pop(0)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _meaning(node):
    """The AST without positions or the literal spellings (what fmt may change)."""
    if attrs.has(type(node)):
        return (type(node).__name__,) + tuple(
            (f.name, _meaning(getattr(node, f.name))) for f in attrs.fields(type(node)) if f.name not in ("span", "text", "file")
        )
    if isinstance(node, (tuple, list)):
        return tuple(_meaning(x) for x in node)
    if isinstance(node, frozenset):
        return tuple(sorted(node))
    return node


class FormatChangedMeaning(Exception):
    pass


def format_file_text(text: str, name: str) -> str:
    """Formatted text; raises PolicyError if the original does not parse, and
    FormatChangedMeaning if the layout would change what the policy says (a bug in fmt)."""
    before = parse(text, name)
    formatted = format_text(text)
    after = parse(formatted, name)
    if _meaning(before) != _meaning(after):
        raise FormatChangedMeaning(f"fmt would change the meaning of {name}; left as it is")
    return formatted


def unified_diff(before: str, after: str, name: str) -> str:
    """`policy fmt --diff`: what formatting would change, as a unified diff (a/NAME → b/NAME)."""
    import difflib

    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name.lstrip('/')}", f"b/{name.lstrip('/')}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
