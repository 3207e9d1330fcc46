"""What an editor does with an analysed policy (`workspace.analyse`): the hover's text, where a name is
used, renaming it, completions, a file's outline and its formatting. The hover's and a refused
rename's words are said in the editor's language (the client's locale, ja unless it asks for en).
Positions are the language's own, as in `workspace`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs

from engine.authoring.words import word
from engine.authoring.workspace import (_CITE_KEY, NAME, UNITS, Analysis, Symbol, _mask, _memo_parse, absolute, analyse,
                                        word_at)
from engine.language import ast, loader
from engine.language.diagnostics import PolicyError, Span
from engine.language.fmt import FormatChangedMeaning, format_file_text
from engine.language.resources import grammar_path


# ---------------------------------------------------------------- hover

def _kind(kind: str, lang: str) -> str:
    return word(lang, "kind_of." + kind)


def _type_said(sym: Symbol, lang: str) -> str | None:
    """The symbol's kind and unit as the checker describes it, in `lang` (an amount is in yen)."""
    if sym.typed is not None and getattr(sym.typed, "kind", "error") != "error":
        text = sym.typed.describe(lang)
        return word(lang, "hover.optional", type=text) if getattr(sym.typed, "optional", False) else text
    return sym.type


def hover_text(analysis: Analysis, symbols: list[Symbol], lang: str = "en") -> str:
    """Markdown, in `lang`: the kind and name, the labels (ja, en), the kind and unit, the citation
    with its quoted text and the source's title, and where it is defined."""
    parts = []
    for sym in symbols:
        kind = _kind(sym.kind, lang)
        head = (word(lang, "hover.head_of", kind=kind, name=sym.name, owner=sym.owner) if sym.owner
                else word(lang, "hover.head", kind=kind, name=sym.name))
        lines = [head]
        if sym.label:
            lines.append(f"{sym.label.ja}" + (f" / {sym.label.en}" if sym.label.en else ""))
        typed = _type_said(sym, lang)
        if typed:
            lines.append(word(lang, "hover.type_fixed" if sym.fixed else "hover.type", type=typed))
        if sym.detail:
            key, values = sym.detail
            lines.append(word(lang, key, **dict(values)))
        if sym.citation:
            quote = f" 「{sym.citation.detail}」" if sym.citation.detail else ""
            title = analysis.source_titles.get(sym.citation.key)
            lines.append(word(lang, "hover.source", key=sym.citation.key, quote=quote, title=f" — {title}" if title else ""))
        if sym.span:
            lines.append(word(lang, "hover.defined_at", at=sym.span))
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
    """Why a rename is refused: an authoring word and its values, said in the editor's language."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(self.said("en"))

    def said(self, lang: str) -> str:
        values = dict(self.values)
        if "kinds" in values:  # the kinds of thing a name means, in the same language
            values["kinds"] = ", ".join(_kind(k, lang) for k in values["kinds"])
        return word(lang, self.key, **values)


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
        raise RenameRefused("rename.no_name")
    name = found[0]
    if not analysis.ok:
        raise RenameRefused("rename.not_loaded")
    meanings = analysis.symbols[name]
    if len(meanings) > 1:
        raise RenameRefused("rename.ambiguous", name=name, n=len(meanings), kinds=sorted({s.kind for s in meanings}))
    if meanings[0].kind == "source":
        raise RenameRefused("rename.citation_key")
    if not NAME.fullmatch(new_name) or new_name in keywords():
        raise RenameRefused("rename.not_a_name", name=repr(new_name))
    if new_name in analysis.symbols:
        raise RenameRefused("rename.taken", name=new_name)
    return occurrences(name, policy_files(lineage(analysis.folder, overlay)), overlay)


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
