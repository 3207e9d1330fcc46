"""`policy lsp`: the language server, on standard input and output, built on pygls and lsprotocol
(the `lsp` extra). Every answer comes from `engine/authoring/workspace.py` (the loader, the checker
and the formatter); this module only speaks the protocol: it keeps the open documents, converts
positions (the language counts characters, the protocol UTF-16 code units) and publishes
diagnostics.

A document belongs to the nearest folder above it holding policy.rules. On open and on every
change, that folder is loaded and checked again with the unsaved text of every open document, and
so is every other open folder (a year that `extends` this one sees the change too). Diagnostics are
published for the files inside each folder; one found in the base year's files while checking a
year that extends it is shown on that year's policy.rules, naming its place.
"""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from engine import __version__
from engine.authoring import editing, workspace
from engine.language.diagnostics import HELP, phrase

SYMBOL_KINDS = {
    "programme": types.SymbolKind.Module, "enum": types.SymbolKind.Enum, "member": types.SymbolKind.EnumMember,
    "group": types.SymbolKind.Struct, "record": types.SymbolKind.Struct, "input": types.SymbolKind.Field,
    "field": types.SymbolKind.Field, "table": types.SymbolKind.Array, "column": types.SymbolKind.Field,
    "rule": types.SymbolKind.Boolean, "value": types.SymbolKind.Number, "exclusion": types.SymbolKind.Boolean,
    "step": types.SymbolKind.Event, "frame": types.SymbolKind.Class, "amount": types.SymbolKind.Number,
    "remove": types.SymbolKind.Null, "source": types.SymbolKind.Key,
}
COMPLETION_KINDS = {
    "member": types.CompletionItemKind.EnumMember, "column": types.CompletionItemKind.Field,
    "unit": types.CompletionItemKind.Unit, "keyword": types.CompletionItemKind.Keyword,
    "rule": types.CompletionItemKind.Function, "value": types.CompletionItemKind.Variable,
    "exclusion": types.CompletionItemKind.Function, "step": types.CompletionItemKind.Event,
    "input": types.CompletionItemKind.Field, "group": types.CompletionItemKind.Struct,
    "table": types.CompletionItemKind.Struct, "frame": types.CompletionItemKind.Class,
    "enum": types.CompletionItemKind.Enum, "record": types.CompletionItemKind.Struct,
}


# ---------------------------------------------------------------- positions


# the position encoding agreed with the client at initialize (pygls picks the client's first choice
# among utf-8, utf-16 and utf-32; utf-16 when the client names none)
ENCODING = {"value": "utf-16"}


def _units(ch: str) -> int:
    """Code units of one character in the agreed encoding (Japanese text: 3 in UTF-8, 1 in UTF-16)."""
    encoding = ENCODING["value"]
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def _code_units(text: str) -> int:
    return sum(_units(ch) for ch in text)


def _line(text: str | None, n: int) -> str:
    if text is None:
        return ""
    lines = text.splitlines()
    return lines[n - 1] if 1 <= n <= len(lines) else ""


def to_position(text: str | None, line: int, column: int) -> types.Position:
    """A 1-based line and character column as the protocol's 0-based line and offset in code units."""
    return types.Position(line=max(line - 1, 0), character=_code_units(_line(text, line)[: max(column - 1, 0)]))


def from_position(text: str, position: types.Position) -> tuple[int, int]:
    """The protocol's position as a 1-based line and character column."""
    line = _line(text, position.line + 1)
    units = 0
    for i, ch in enumerate(line):
        if units >= position.character:
            return position.line + 1, i + 1
        units += _units(ch)
    return position.line + 1, len(line) + 1


def to_range(text: str | None, span) -> types.Range:
    return types.Range(start=to_position(text, span.line, span.column), end=to_position(text, span.end_line, span.end_column))


# ---------------------------------------------------------------- the server


class PolicyLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("policy-lsp", __version__)
        self.analyses: dict[Path, workspace.Analysis] = {}
        self.published: dict[Path, set[str]] = {}  # folder -> uris it published diagnostics for
        self.lang = "ja"  # the language of the diagnostics: the client's locale at initialize (ja unless it asks for en)

    # -------------------------------------------------------- documents
    def overlay(self) -> dict[str, str]:
        out = {}
        for uri, doc in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path:
                out[os.path.abspath(path)] = doc.source
        return out

    def text_of(self, path: str) -> str | None:
        uri = from_fs_path(path)
        doc = self.workspace.text_documents.get(uri) if uri else None
        if doc is not None:
            return doc.source
        try:
            return Path(path).read_text(encoding="utf-8-sig")
        except OSError:
            return None

    def open_folders(self) -> list[Path]:
        folders = []
        for uri in self.workspace.text_documents:
            path = to_fs_path(uri)
            folder = workspace.policy_folder_of(path) if path else None
            if folder is not None and folder not in folders:
                folders.append(folder)
        return folders

    def analysis_for(self, uri: str) -> tuple[workspace.Analysis | None, str]:
        path = to_fs_path(uri) or ""
        folder = workspace.policy_folder_of(path)
        text = self.text_of(path) or ""
        if folder is None:
            return None, text
        if folder not in self.analyses:
            self.analyses[folder] = workspace.analyse(folder, self.overlay())
        return self.analyses[folder], text

    # -------------------------------------------------------- diagnostics
    def refresh(self, changed_uri: str) -> None:
        """Re-check the changed document's folder and every other folder with an open document."""
        path = to_fs_path(changed_uri)
        folders = self.open_folders()
        first = workspace.policy_folder_of(path) if path else None
        if first is not None and first in folders:
            folders.remove(first)
            folders.insert(0, first)
        overlay = self.overlay()
        for folder in folders:
            analysis = workspace.analyse(folder, overlay, self.analyses.get(folder))
            self.analyses[folder] = analysis
            self.publish(folder, analysis)

    def publish(self, folder: Path, analysis: workspace.Analysis) -> None:
        by_file: dict[str, list[types.Diagnostic]] = {}
        entry = str(folder / "policy.rules")
        for path in editing.policy_files([folder]):
            by_file.setdefault(str(path), [])
        for d in analysis.diagnostics:
            where = workspace.absolute(d.span.file) if d.span else entry
            help_ = d.help_said(self.lang)
            message = d.said(self.lang) + (f"\n{phrase(HELP).say(self.lang)}: {help_}" if help_ else "")
            if not where.startswith(str(folder) + os.sep):  # the base year's file: shown on this year's entry file
                message = f"{d.span}: {message}" if d.span else message
                where, span = entry, None
            else:
                span = d.span
            text = self.text_of(where)
            rng = to_range(text, span) if span else types.Range(start=types.Position(line=0, character=0),
                                                               end=types.Position(line=0, character=0))
            severity = types.DiagnosticSeverity.Error if d.severity == "error" else types.DiagnosticSeverity.Warning
            by_file.setdefault(where, []).append(types.Diagnostic(range=rng, message=message, severity=severity, source="policy"))
        uris = set()
        for where, diagnostics in by_file.items():
            uri = from_fs_path(where)
            if uri:
                uris.add(uri)
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
        for stale in self.published.get(folder, set()) - uris:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=stale, diagnostics=[]))
        self.published[folder] = uris

    def location(self, analysis: workspace.Analysis, sym: workspace.Symbol) -> types.Location | None:
        span = workspace.name_span(sym, analysis.sources)
        if span is None:
            return None
        path = workspace.absolute(span.file)
        return types.Location(uri=from_fs_path(path), range=to_range(self.text_of(path), span))


server = PolicyLanguageServer()


def language_of(locale: str | None) -> str:
    """The diagnostics' language for the client's locale (BCP 47: "en", "en-US", "ja-JP"): English
    when it asks for English, else Japanese."""
    return "en" if (locale or "").lower().split("-")[0] == "en" else "ja"


@server.feature(types.INITIALIZE)
def initialize(ls: PolicyLanguageServer, params: types.InitializeParams) -> None:
    ls.lang = language_of(params.locale)


@server.feature(types.INITIALIZED)
def initialized(ls: PolicyLanguageServer, params: types.InitializedParams) -> None:
    encoding = getattr(ls.workspace, "position_encoding", None)
    ENCODING["value"] = str(getattr(encoding, "value", encoding) or "utf-16")


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PolicyLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PolicyLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PolicyLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PolicyLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)  # the file on disk counts again


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: PolicyLanguageServer, params: types.HoverParams) -> types.Hover | None:
    analysis, text = ls.analysis_for(params.text_document.uri)
    if analysis is None:
        return None
    line, column = from_position(text, params.position)
    symbols = workspace.lookup(analysis, text, line, column, to_fs_path(params.text_document.uri))
    if not symbols:
        return None
    found = workspace.word_at(text, line, column)
    rng = types.Range(start=to_position(text, line, found[1]), end=to_position(text, line, found[2])) if found else None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=editing.hover_text(analysis, symbols, ls.lang)),
                       range=rng)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: PolicyLanguageServer, params: types.DefinitionParams) -> list[types.Location] | None:
    analysis, text = ls.analysis_for(params.text_document.uri)
    if analysis is None:
        return None
    line, column = from_position(text, params.position)
    locations = [ls.location(analysis, s) for s in workspace.lookup(analysis, text, line, column, to_fs_path(params.text_document.uri))]
    return [loc for loc in locations if loc] or None


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def references(ls: PolicyLanguageServer, params: types.ReferenceParams) -> list[types.Location] | None:
    analysis, text = ls.analysis_for(params.text_document.uri)
    if analysis is None:
        return None
    line, column = from_position(text, params.position)
    found = workspace.word_at(text, line, column)
    if not found or found[0] not in analysis.symbols:
        return None
    files = editing.policy_files(editing.year_folders(analysis.folder))
    spans = editing.occurrences(found[0], files, ls.overlay())
    if not params.context.include_declaration:
        declared = {(workspace.absolute(s.file), s.line, s.column) for sym in analysis.symbols[found[0]]
                    if (s := workspace.name_span(sym, analysis.sources))}
        spans = [s for s in spans if (s.file, s.line, s.column) not in declared]
    return [types.Location(uri=from_fs_path(s.file), range=to_range(ls.text_of(s.file), s)) for s in spans]


@server.feature(types.TEXT_DOCUMENT_RENAME)
def rename(ls: PolicyLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit:
    analysis, text = ls.analysis_for(params.text_document.uri)
    if analysis is None:
        raise JsonRpcInvalidParams("not a file of a policy folder")
    line, column = from_position(text, params.position)
    try:
        spans = editing.rename(analysis, text, line, column, params.new_name, ls.overlay())
    except editing.RenameRefused as exc:
        raise JsonRpcInvalidParams(exc.said(ls.lang)) from None
    changes: dict[str, list[types.TextEdit]] = {}
    for s in spans:
        changes.setdefault(from_fs_path(s.file), []).append(
            types.TextEdit(range=to_range(ls.text_of(s.file), s), new_text=params.new_name))
    return types.WorkspaceEdit(changes=changes)


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "{", " "]))
def completion(ls: PolicyLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
    analysis, text = ls.analysis_for(params.text_document.uri)
    if analysis is None:
        return None
    line, column = from_position(text, params.position)
    items = [types.CompletionItem(label=label, kind=COMPLETION_KINDS.get(kind), detail=detail)
             for label, kind, detail in editing.completions(analysis, text, line, column)]
    return types.CompletionList(is_incomplete=False, items=items)


def _symbol(text: str, o: editing.Outline) -> types.DocumentSymbol:
    rng = to_range(text, o.span)
    return types.DocumentSymbol(name=o.name, detail=o.label, kind=SYMBOL_KINDS.get(o.kind, types.SymbolKind.Variable),
                                range=rng, selection_range=rng, children=[_symbol(text, c) for c in o.children] or None)


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: PolicyLanguageServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    return [_symbol(doc.source, o) for o in editing.outline(doc.source, doc.path or doc.uri)]


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: PolicyLanguageServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    new = editing.formatted(doc.source, doc.path or doc.uri)
    if new is None or new == doc.source:
        return [] if new is not None else None
    lines = doc.source.splitlines()
    end = types.Position(line=len(lines), character=0)
    return [types.TextEdit(range=types.Range(start=types.Position(line=0, character=0), end=end), new_text=new)]


def main() -> None:
    server.start_io()
