"""What an editor asks of a policy, answered from the loader, the checker and the formatter: every
diagnostic of a policy folder (its includes and the year it `extends` included), the symbol under
a position with its label, kind, unit and citation, where a name is defined and used (across
files and years), completions, a file's outline and its formatting.

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
from engine.language.fmt import FormatChangedMeaning, format_file_text
from engine.language.resources import grammar_path

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
    detail: str | None = None  # anything else worth a line (a table's key, a frame's requirements, a source's title)


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
            add(Symbol("source", src.key, src.span, detail=src.title))
    for enum in s.enums.values():
        add(Symbol("enum", enum.name, enum.span, enum.label, detail=f"{len(enum.members)} members"))
        for m in enum.members:
            add(Symbol("member", m.name, m.span, m.label, owner=enum.name))
    for record in s.records.values():
        add(Symbol("record", record.name, record.span, record.label))
        for f in record.fields:
            add(Symbol("field", f.name, f.span, f.label, _type_text(s.record_types.get((record.name, f.name))), owner=record.name,
                       detail="fixed" if f.fixed else None))
    for group, item in s.groups.items():
        add(Symbol("group", group, item.span, item.label, detail=", ".join(f.name for f in item.fields)))
    for name, (group, f) in s.inputs.items():
        add(Symbol("input", name, f.span, f.label, _type_text(s.input_types.get(name)), owner=group, detail="fixed" if f.fixed else None))
    for table in s.tables.values():
        key = table.key_input.text if table.key_input else None
        add(Symbol("table", table.name, table.span, table.label, citation=table.source,
                   detail=(f"by {key}; " if key else "") + "columns " + ", ".join(c.text for c in table.columns)))
        for c in table.columns:
            add(Symbol("column", c.text, c.span, None, _type_text(s.column_types.get((table.name, c.text))), owner=table.name))
    for name, d in s.defs.items():
        add(Symbol(d.kind, name, d.span, d.label, _type_text(result.def_types.get(name)), d.source))
    for frame in s.frames:
        add(Symbol("frame", frame.name, frame.span, frame.label, citation=frame.source,
                   detail="requires " + ", ".join(r.text for r in frame.requires) if frame.requires else None))
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


# ---------------------------------------------------------------- hover

KIND_WORDS = {"rule": "rule", "value": "value", "exclusion": "exclusion", "step": "step", "input": "input",
              "group": "input group", "record": "record", "field": "record field", "enum": "enum", "member": "enum member",
              "table": "table", "column": "table column", "frame": "frame", "amount": "amount", "source": "source"}


def hover_text(analysis: Analysis, symbols: list[Symbol]) -> str:
    """Markdown: the kind and name, the labels (ja, en), the kind and unit, the citation with its
    quoted text and the source's title, and where it is defined."""
    parts = []
    for sym in symbols:
        head = f"**{KIND_WORDS[sym.kind]} {sym.name}**" + (f" (of {sym.owner})" if sym.owner else "")
        lines = [head]
        if sym.label:
            lines.append(f"{sym.label.ja}" + (f" / {sym.label.en}" if sym.label.en else ""))
        if sym.type:
            lines.append(f"type: `{sym.type}`" + (f", {sym.detail}" if sym.detail == "fixed" else ""))
        if sym.detail and sym.detail != "fixed":
            lines.append(sym.detail)
        if sym.citation:
            quote = f" 「{sym.citation.detail}」" if sym.citation.detail else ""
            title = analysis.source_titles.get(sym.citation.key)
            lines.append(f"source: `{sym.citation.key}`{quote}" + (f" — {title}" if title else ""))
        if sym.span:
            lines.append(f"defined at {sym.span}")
        parts.append("  \n".join(lines))
    return "\n\n---\n\n".join(parts)


# ---------------------------------------------------------------- references


def policy_files(folders) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        files.extend(sorted(Path(folder).rglob("*.rules")))
    return files


def year_folders(folder: Path) -> list[Path]:
    """The policy folder and its sibling years (a folder of years: policies/2023, 2024, 2025)."""
    siblings = [p for p in sorted(folder.parent.iterdir()) if p.is_dir() and (p / loader.ENTRY_FILE).is_file()]
    return siblings or [folder]


def occurrences(word: str, files, overlay: dict[str, str]) -> list[Span]:
    """Every place the name is written as a name (not in a comment or a string) in the files."""
    found = []
    for path in files:
        key = os.path.abspath(path)
        text = overlay.get(key)
        if text is None:
            try:
                text = Path(path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue
        if word not in text:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if word not in line:
                continue
            masked = _mask(line)
            for m in _CITE_KEY.finditer(masked):
                if m.group(1) == word:
                    found.append(Span(key, n, m.start(1) + 1, n, m.end(1) + 1))
            for m in NAME.finditer(masked):
                if m.group() == word and not any(c.start(1) <= m.start() < c.end(1) for c in _CITE_KEY.finditer(masked)):
                    found.append(Span(key, n, m.start() + 1, n, m.end() + 1))
    return found


# ---------------------------------------------------------------- rename


class RenameRefused(Exception):
    pass


def lineage(folder: Path, overlay: dict[str, str]) -> list[Path]:
    """The folder and the sibling years that share files with it (a year that `extends` it, or
    that it extends): where a rename must reach."""
    mine = {absolute(f) for f in analyse(folder, overlay).sources}
    out = []
    for year in year_folders(folder):
        theirs = mine if year == folder else {absolute(f) for f in analyse(year, overlay).sources}
        if year == folder or mine & theirs:
            out.append(year)
    return out


def rename(analysis: Analysis, text: str, line: int, column: int, new_name: str, overlay: dict[str, str]) -> list[Span]:
    """Every place to rewrite to rename the name under the position, in this policy and the years
    that share its files. Refused (RenameRefused, saying why) when the name means more than one
    thing (an input named as its enum: renaming the text would rename both), when the new name is
    not a name, is a keyword, or is already taken, and when the policy does not load."""
    found = word_at(text, line, column)
    if not found or found[0] not in analysis.symbols:
        raise RenameRefused("no name the policy defines here")
    word = found[0]
    if not analysis.ok:
        raise RenameRefused("the policy does not load; fix its errors first")
    meanings = analysis.symbols[word]
    if len(meanings) > 1:
        kinds = ", ".join(sorted({KIND_WORDS[s.kind] for s in meanings}))
        raise RenameRefused(f"{word} names {len(meanings)} things ({kinds}); renaming the text would rename them all")
    if meanings[0].kind == "source":
        raise RenameRefused("a citation key is renamed in the programme header and every source line by hand")
    if not NAME.fullmatch(new_name) or new_name in keywords():
        raise RenameRefused(f"{new_name!r} is not a name the language accepts")
    if new_name in analysis.symbols:
        raise RenameRefused(f"{new_name} is already defined")
    return occurrences(word, policy_files(lineage(analysis.folder, overlay)), overlay)


# ---------------------------------------------------------------- completion


def keywords() -> list[str]:
    text = grammar_path().read_text(encoding="utf-8")
    return sorted(set(re.findall(r'"([a-z]+)"', text)))


_MEMBER_CONTEXT = re.compile(
    r"(?P<operand>[^\W\d][\w・ー]*(?:\.[^\W\d][\w・ー]*)?)\s+(?:is(?:\s+not)?|contains|(?:not\s+)?in\s*\{[^}]*)\s*(?:[^\W\d][\w・ー]*)?$")
_DEFAULT_CONTEXT = re.compile(r"(?P<operand>[^\W\d][\w・ー]*)\s*:\s*(?P<type>[^\W\d][\w・ー]*).*default\s+(?:[^\W\d][\w・ー]*)?$")


def _enum_of(analysis: Analysis, operand: str) -> str | None:
    for sym in analysis.symbols.get(operand.split(".")[-1], []):
        if sym.kind in ("input", "field", "column") and sym.type:
            t = sym.type.removeprefix("list of ").removesuffix(", optional")
            if any(s.kind == "enum" for s in analysis.symbols.get(t, [])):
                return t
    return None


def completions(analysis: Analysis, text: str, line: int, column: int) -> list[tuple[str, str, str | None]]:
    """(label, kind, detail) for the position: an enum's members after `X is`, `X in {`, `X contains`
    or `default`; a table's columns after `table.`; a unit after a number; otherwise every name in
    scope and the keywords."""
    lines = text.splitlines()
    before = _mask(lines[line - 1][: column - 1]) if 1 <= line <= len(lines) else ""
    symbols = analysis.symbols

    def members(enum: str | None):
        out = []
        for name, syms in symbols.items():
            for s in syms:
                if s.kind == "member" and (enum is None or s.owner == enum):
                    out.append((name, "member", f"{s.owner}" + (f" — {s.label.ja}" if s.label else "")))
        return out

    dotted = re.search(r"([^\W\d][\w・ー]*)\.([^\W\d][\w・ー]*)?$", before)
    if dotted:
        table = dotted.group(1)
        return [(s.name, "column", s.type) for syms in symbols.values() for s in syms if s.kind == "column" and s.owner == table]
    m = _MEMBER_CONTEXT.search(before)
    if m:
        return members(_enum_of(analysis, m.group("operand")))
    m = _DEFAULT_CONTEXT.search(before)
    if m:
        return members(m.group("type"))
    if re.search(r"\d[\d,]*$", before):
        return [(u, "unit", None) for u in UNITS]
    out = []
    for name, syms in symbols.items():
        for s in syms:
            if s.kind in ("rule", "value", "exclusion", "step", "input", "group", "table", "frame", "enum", "record"):
                out.append((name, s.kind, (s.label.ja if s.label else None)))
                break
    out.extend((k, "keyword", None) for k in keywords())
    return out


# ---------------------------------------------------------------- outline and formatting


@attrs.frozen
class Outline:
    kind: str
    name: str
    span: Span
    children: tuple = ()
    label: str | None = None


def outline(text: str, file: str) -> list[Outline]:
    """The file's top-level definitions and what they hold (fields, members, amounts), or [] when it
    does not parse."""
    try:
        module = _memo_parse(text, file)
    except PolicyError:
        return []
    out = []
    for item in module.items:
        wrapped = item.item if isinstance(item, (ast.Override, ast.Amend)) else item
        label = getattr(getattr(wrapped, "label", None), "ja", None)
        if isinstance(wrapped, ast.Programme):
            out.append(Outline("programme", wrapped.name, wrapped.span, label=wrapped.title))
        elif isinstance(wrapped, ast.EnumDef):
            out.append(Outline("enum", wrapped.name, item.span,
                               tuple(Outline("member", m.name, m.span, label=m.label.ja if m.label else None) for m in wrapped.members), label))
        elif isinstance(wrapped, (ast.InputDef, ast.RecordDef)):
            name = wrapped.group if isinstance(wrapped, ast.InputDef) else wrapped.name
            fields = tuple(Outline("input" if isinstance(wrapped, ast.InputDef) else "field", f.name, f.span,
                                   label=f.label.ja if f.label else None) for f in wrapped.fields)
            if name is None:
                out.extend(fields)
            else:
                out.append(Outline("group" if isinstance(wrapped, ast.InputDef) else "record", name, item.span, fields, label))
        elif isinstance(wrapped, ast.TableDef):
            out.append(Outline("table", wrapped.name, item.span, label=label))
        elif isinstance(wrapped, ast.RuleDef):
            out.append(Outline(wrapped.kind, wrapped.name, item.span, label=label))
        elif isinstance(wrapped, ast.FrameDef):
            def amounts(parts):
                return tuple(Outline("amount", a.name, a.span, amounts(a.parts), a.label.ja if a.label else None) for a in parts)
            out.append(Outline("frame", wrapped.name, item.span, amounts(wrapped.amounts), label))
        elif isinstance(item, ast.Remove):
            out.append(Outline("remove", item.name.text, item.span))
    return out


def formatted(text: str, file: str) -> str | None:
    """The file laid out by `policy fmt`, or None when it does not parse (or fmt refuses)."""
    try:
        return format_file_text(text, file)
    except (PolicyError, FormatChangedMeaning):
        return None
