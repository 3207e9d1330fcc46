"""What an editor asks of a policy, answered from the loader and the checker: every
diagnostic of a policy folder (its includes and the year it `extends` included), the symbol under
a position with its label, kind, unit and citation; `editing.py` answers the rest (hover text,
references, rename, completions, outline, formatting) from this analysis.

Positions here are the language's own: 1-based lines and columns counted in characters, as `Span`
has them; `engine/authoring/lsp.py` converts them to the protocol's. Nothing here needs pygls, so
the analysis is tested and benchmarked without a client.

Unsaved editor text is read instead of the file on disk (an overlay). The loader reads files
itself, so `analyse` wraps its reader and its parser for the duration of one load (under a lock):
the reader takes an open document's text when there is one, and the parser is memoised on (text,
file) — ASTs are immutable — so a keystroke re-parses only the file that changed.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import attrs

from engine.language import ast, checker, loader
from engine.language import parser as policy_parser
from engine.language.diagnostics import Diagnostic, PolicyError, Span

NAME = re.compile(r"[^\W\d][\w・ー]*")
_CITE_KEY = re.compile(r"(?<![\w・ー])source\s+([^\s\"#]+)")
UNITS = ("円", "万円", "億円", "人", "者", "社", "件", "個", "か月")

_lock = threading.RLock()
_parsed: dict[tuple[str, str], object] = {}  # (text, shown file) -> Module or PolicyError


def _memo_parse(text: str, file: str):
    key = (text, file)
    hit = _parsed.get(key)
    if hit is None:
        try:
            hit = policy_parser.parse(text, file)
        except PolicyError as exc:
            hit = exc
        if len(_parsed) > 512:
            _parsed.clear()
        _parsed[key] = hit
    if isinstance(hit, PolicyError):
        raise PolicyError(hit.diagnostics, hit.sources)
    return hit


@contextmanager
def _overlaid(overlay: dict[str, str]):
    """The loader reading `overlay` (absolute path -> text) before the disk, parsing through the memo."""
    real_read, real_parse = loader._read, loader.parse

    def read(path: Path, shown: str, at, sources):
        text = overlay.get(os.path.abspath(path))
        return text if text is not None else real_read(path, shown, at, sources)

    with _lock:
        loader._read, loader.parse = read, _memo_parse
        try:
            yield
        finally:
            loader._read, loader.parse = real_read, real_parse


def absolute(shown: str) -> str:
    """A file as the loader names it (relative to the working folder, or absolute) made absolute."""
    return os.path.abspath(shown)


def policy_folder_of(path: str | Path) -> Path | None:
    """The nearest folder holding policy.rules at or above the file."""
    p = Path(os.path.abspath(path))
    for folder in [p.parent, *p.parent.parents]:
        if (folder / loader.ENTRY_FILE).is_file():
            return folder
    return None


# ---------------------------------------------------------------- symbols


@attrs.frozen
class Symbol:
    kind: str  # rule | value | exclusion | step | input | group | record | field | enum | member | table | column | frame | amount | source
    name: str
    span: Span | None
    label: ast.Label | None = None
    type: str | None = None  # kind and unit, as the checker describes it (円, 人, bool, an enum …)
    citation: ast.Citation | None = None
    owner: str | None = None  # the enum, table, record, group or frame it belongs to
    # anything else worth a line (a table's key, a frame's requirements, a source's title): an
    # authoring word and its values, said in the editor's language when shown
    detail: tuple[str, tuple] | None = None
    fixed: bool = False  # an input an applicant cannot change (`fixed`)
    typed: object = None  # the checker's Type, described in the editor's language (`type` is the English)


@attrs.define
class Analysis:
    folder: Path
    sources: dict  # shown file -> text
    diagnostics: list  # every Diagnostic found
    symbols: dict  # name -> [Symbol]
    source_titles: dict  # citation key -> title
    ok: bool  # loaded (perhaps with check errors) rather than stopped at a file or syntax error
    resolved: dict = attrs.field(factory=dict)  # (absolute file, line) -> [(start col, end col, Resolution)]: what the checker resolved each use to


def _type_text(t) -> str | None:
    if t is None or t.kind == "error":
        return None
    text = t.describe()
    return text + (", optional" if getattr(t, "optional", False) else "")


def _index(modules, result) -> tuple[dict, dict]:
    symbols: dict[str, list[Symbol]] = {}
    titles: dict[str, str] = {}

    def add(sym: Symbol) -> None:
        symbols.setdefault(sym.name, []).append(sym)

    s = result.symbols
    if s.programme is not None:
        for src in s.programme.sources:
            titles[src.key] = src.title
            add(Symbol("source", src.key, src.span, detail=("hover.title", (("title", src.title),))))
    for enum in s.enums.values():
        add(Symbol("enum", enum.name, enum.span, enum.label, detail=("hover.members", (("n", len(enum.members)),))))
        for m in enum.members:
            add(Symbol("member", m.name, m.span, m.label, owner=enum.name))
    for record in s.records.values():
        add(Symbol("record", record.name, record.span, record.label))
        for f in record.fields:
            typed = s.record_types.get((record.name, f.name))
            add(Symbol("field", f.name, f.span, f.label, _type_text(typed), owner=record.name, fixed=f.fixed, typed=typed))
    for group, item in s.groups.items():
        add(Symbol("group", group, item.span, item.label, detail=("hover.fields", (("fields", ", ".join(f.name for f in item.fields)),))))
    for name, (group, f) in s.inputs.items():
        typed = s.input_types.get(name)
        add(Symbol("input", name, f.span, f.label, _type_text(typed), owner=group, fixed=f.fixed, typed=typed))
    for table in s.tables.values():
        key = table.key_input.text if table.key_input else None
        columns = ", ".join(c.text for c in table.columns)
        add(Symbol("table", table.name, table.span, table.label, citation=table.source,
                   detail=("hover.keyed_columns", (("key", key), ("columns", columns))) if key else ("hover.columns", (("columns", columns),))))
        for c in table.columns:
            typed = s.column_types.get((table.name, c.text))
            add(Symbol("column", c.text, c.span, None, _type_text(typed), owner=table.name, typed=typed))
    for name, d in s.defs.items():
        typed = result.def_types.get(name)
        add(Symbol(d.kind, name, d.span, d.label, _type_text(typed), d.source, typed=typed))
    for frame in s.frames:
        add(Symbol("frame", frame.name, frame.span, frame.label, citation=frame.source,
                   detail=("hover.requires", (("rules", ", ".join(r.text for r in frame.requires)),)) if frame.requires else None))
        stack = list(frame.amounts)
        while stack:
            a = stack.pop()
            add(Symbol("amount", a.name, a.span, a.label, "円", a.source, owner=frame.name))
            stack.extend(a.parts)
    return symbols, titles


def _other_syntax_errors(folder: Path, overlay: dict[str, str], reported: set[str]) -> list[Diagnostic]:
    """When a load stops at one file's syntax error, the other files of the folder parsed alone."""
    found = []
    for path in sorted(folder.rglob("*.rules")):
        shown = loader._display(path)
        if absolute(shown) in reported:
            continue
        try:
            text = overlay.get(str(path.resolve())) or overlay.get(os.path.abspath(path)) or path.read_text(encoding="utf-8-sig")
            _memo_parse(text, shown)
        except PolicyError as exc:
            found.extend(exc.diagnostics)
        except (OSError, UnicodeDecodeError):
            continue
    return found


def analyse(folder: str | Path, overlay: dict[str, str] | None = None, previous: Analysis | None = None) -> Analysis:
    """Load and check the policy folder with `overlay` (absolute path -> unsaved text). When it does
    not load (a syntax error, a missing include), the symbols of `previous` are kept for hover,
    definition and completion, and every file's own syntax errors are reported."""
    overlay = overlay or {}
    folder = Path(os.path.abspath(folder))
    with _overlaid(overlay):
        try:
            modules, sources, _ = loader.load(folder)
        except PolicyError as exc:
            reported = {absolute(d.span.file) for d in exc.diagnostics if d.span}
            diagnostics = list(exc.diagnostics) + _other_syntax_errors(folder, overlay, reported)
            return Analysis(folder, dict(exc.sources), diagnostics, previous.symbols if previous else {},
                            previous.source_titles if previous else {}, False, previous.resolved if previous else {})
    result = checker._Checker(modules).run()
    found = sorted(result.errors + result.warnings,
                   key=lambda d: (d.span is not None, d.span and (d.span.file, d.span.line, d.span.column)))
    symbols, titles = _index(modules, result)
    resolved: dict = {}
    for ref, resolution in result.resolutions.items():
        span = ref.span
        resolved.setdefault((absolute(span.file), span.line), []).append((span.column, span.end_column, resolution))
    return Analysis(folder, sources, found, symbols, titles, True, resolved)


# ---------------------------------------------------------------- positions and words


def _mask(line: str) -> str:
    """The line with its comment cut and its strings blanked (same length up to the comment)."""
    out, in_string = [], False
    for ch in line:
        if ch == '"':
            in_string = not in_string
            out.append(" ")
        elif in_string:
            out.append(" ")
        elif ch == "#":
            break
        else:
            out.append(ch)
    return "".join(out)


def word_at(text: str, line: int, column: int) -> tuple[str, int, int, str | None] | None:
    """The name under (line, column) (1-based, characters), its start and end columns, and the name
    before a dot when it is written `A.B` (a table's column)."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    masked = _mask(lines[line - 1])
    for m in _CITE_KEY.finditer(masked):  # `source seed-004 "…"`: a citation key, which may hold - and digits
        if m.start(1) <= column - 1 <= m.end(1):
            return m.group(1), m.start(1) + 1, m.end(1) + 1, None
    for m in NAME.finditer(masked):
        if m.start() <= column - 1 <= m.end():
            prev = re.search(r"([^\W\d][\w・ー]*)\.$", masked[: m.start()])
            owner = prev.group(1) if prev else None
            return m.group(), m.start() + 1, m.end() + 1, owner
    return None


def name_span(sym: Symbol, sources: dict) -> Span | None:
    """The span of the symbol's name inside its definition (the first occurrence on its first line)."""
    span = sym.span
    if span is None:
        return None
    text = sources.get(span.file)
    if text is None:
        try:
            text = Path(absolute(span.file)).read_text(encoding="utf-8-sig")
        except OSError:
            return span
    lines = text.splitlines()
    if not 1 <= span.line <= len(lines):
        return span
    at = _mask(lines[span.line - 1]).find(sym.name, span.column - 1)
    if at < 0:
        return Span(span.file, span.line, span.column, span.line, span.column)
    return Span(span.file, span.line, at + 1, span.line, at + 1 + len(sym.name))


_RESOLVED_KINDS = {"input": ("input",), "def": ("rule", "value", "exclusion", "step"), "table": ("table",), "item": ("field",)}


def lookup(analysis: Analysis, text: str, line: int, column: int, file: str | None = None) -> list[Symbol]:
    """The symbols the name under the position may mean: what the checker resolved the use to when
    it did (an input, a definition, a table or its column, a record's field), else every symbol of
    that name (a column only when written `table.column`; types only where a type is written)."""
    found = word_at(text, line, column)
    if not found:
        return []
    word, start, _, owner = found
    candidates = analysis.symbols.get(word, [])
    if any(c.start(1) == start - 1 for c in _CITE_KEY.finditer(_mask(text.splitlines()[line - 1]))):
        return [s for s in candidates if s.kind == "source"]
    if file is not None:
        for first, last, resolution in analysis.resolved.get((os.path.abspath(file), line), []):
            if first <= start < last:
                if resolution.kind == "table" and resolution.column == word:
                    kinds, owner_name = ("column",), resolution.name
                elif resolution.name == word:
                    kinds, owner_name = _RESOLVED_KINDS.get(resolution.kind, ()), None
                else:
                    continue
                chosen = [s for s in candidates if s.kind in kinds and (owner_name is None or s.owner == owner_name)]
                if chosen:
                    return chosen
    if owner:
        columns = [s for s in candidates if s.kind == "column" and s.owner == owner]
        if columns:
            return columns
    if len(candidates) > 1:  # a column or a record's field only where it is qualified or resolved so
        named = [s for s in candidates if s.kind not in ("column", "field")]
        candidates = named or candidates
    if len(candidates) > 1:  # types (enums, records) after `name:` or `list of`; values everywhere else
        lines = text.splitlines()
        before = _mask(lines[line - 1])[: found[1] - 1]
        as_type = bool(re.search(r"(?::|list\s+of|^\s*(?:amend\s+)?(?:enum|record))\s*$", before))
        types = [s for s in candidates if (s.kind in ("enum", "record")) == as_type]
        candidates = types or candidates
    return candidates
