"""`policy lsp` driven over its protocol (pytest-lsp runs `python -m engine.cli lsp` as a subprocess
and speaks JSON-RPC to it on stdio, as an editor would): diagnostics on open and on change, hover
with the citation, definition across files and years, references, completion of enum members,
document symbols and formatting. Positions are found in the policy text, never hard-coded."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp", reason="needs the lsp and test extras (pytest-lsp)")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from engine.language.fmt import format_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
P2024 = ROOT / "policies" / "2024"
P2025 = ROOT / "policies" / "2025"


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def position(text: str, needle: str, offset: int = 0, occurrence: int = 0) -> types.Position:
    """Where `needle` (its `occurrence`-th appearance) starts in `text`, plus `offset` characters."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1) + offset
    return types.Position(line=line, character=len(text.splitlines()[line][:column].encode("utf-16-le")) // 2)


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "engine.cli", "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(locale="en",
        capabilities=types.ClientCapabilities(), workspace_folders=[types.WorkspaceFolder(uri=uri(ROOT), name="main")]))
    yield
    await lsp_client.shutdown_session()


async def settled(client: LanguageClient, doc: str, predicate, rounds: int = 60):
    """Wait for diagnostics of `doc` that satisfy `predicate` (each publish is one notification)."""
    for _ in range(rounds):
        if doc in client.diagnostics and predicate(client.diagnostics[doc]):
            return client.diagnostics[doc]
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)
    raise AssertionError(f"no such diagnostics for {doc}: {client.diagnostics.get(doc)}")


def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> str:
    text = path.read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri(path), language_id="policy", version=1, text=text)))
    return text


def change(client: LanguageClient, path: Path, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


@pytest.mark.asyncio(loop_scope="module")
async def test_an_error_typed_into_a_file_gets_a_positioned_diagnostic_and_goes_away_when_fixed(client: LanguageClient):
    path = P2024 / "applicants.rules"
    text = open_doc(client, path)
    doc = uri(path)
    clean = await settled(client, doc, lambda ds: True)
    assert not [d for d in clean if d.severity == types.DiagnosticSeverity.Error]

    use = "when 組織形態 in"
    broken = text.replace(use, "when 組織形 in", 1)
    change(client, path, broken, 2)
    found = await settled(client, doc, lambda ds: any("組織形" in d.message for d in ds))
    error = next(d for d in found if "unknown name 組織形" in d.message)
    assert error.severity == types.DiagnosticSeverity.Error
    assert "did you mean 組織形態" in error.message
    expected = position(broken, "when 組織形 in", offset=len("when "))
    assert error.range.start == expected
    assert error.range.end.character == expected.character + len("組織形")

    change(client, path, text, 3)
    fixed = await settled(client, doc, lambda ds: not any("組織形" in d.message for d in ds))
    assert not [d for d in fixed if d.severity == types.DiagnosticSeverity.Error]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_syntax_error_in_an_included_file_is_reported_where_it_is(client: LanguageClient):
    path = P2024 / "requirements.rules"
    text = open_doc(client, path)
    doc = uri(path)
    await settled(client, doc, lambda ds: True)
    lines = text.splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.startswith("rule "))
    broken = "".join(lines[:n] + ["rule :\n"] + lines[n:])
    change(client, path, broken, 2)
    found = await settled(client, doc, lambda ds: any(d.severity == types.DiagnosticSeverity.Error for d in ds))
    assert found[0].range.start.line == n
    change(client, path, text, 3)
    await settled(client, doc, lambda ds: not any(d.severity == types.DiagnosticSeverity.Error for d in ds))


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_rule_shows_its_label_kind_and_citation(client: LanguageClient):
    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "requires 中小企業", offset=10)))
    assert result is not None
    value = result.contents.value
    assert "**rule 中小企業**" in value
    assert "中小企業・小規模事業者等に該当する / is an SME" in value
    assert "type: `true/false`" in value
    # rules-2024.md §7 C-11: "一方が" is cited from the 事務局's overview (key it-hojo), not seed-004
    assert "source: `it-hojo` 「資本金・従業員規模の一方が、右記以下の場合対象" in value
    assert "it-hojo.jp/overview" in value  # the title the programme header gives it-hojo
    assert "applicants.rules" in value


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_an_input_shows_its_unit(client: LanguageClient):
    path = P2024 / "frame_invoice.rules"
    text = open_doc(client, path)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "total of 金額", offset=10)))
    assert "**record field 金額**" in result.contents.value and "type: `円 (yen)`" in result.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_definition_jumps_from_a_use_to_another_file(client: LanguageClient):
    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "requires 中小企業", offset=11)))
    assert result and len(result) == 1
    target = result[0]
    assert target.uri == uri(P2024 / "applicants.rules")
    applicants = (P2024 / "applicants.rules").read_text(encoding="utf-8")
    assert target.range.start == position(applicants, "rule 中小企業 ", offset=5)


@pytest.mark.asyncio(loop_scope="module")
async def test_definition_across_years_and_references_in_every_year(client: LanguageClient):
    path = P2025 / "changes.rules"
    text = open_doc(client, path)
    at = position(text, "rate 2/3 if 小規模事業者", offset=len("rate 2/3 if "))
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=at))
    assert [loc.uri for loc in result] == [uri(P2024 / "applicants.rules")]

    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=at,
        context=types.ReferenceContext(include_declaration=True)))
    files = {loc.uri for loc in refs}
    assert uri(P2024 / "applicants.rules") in files and uri(P2025 / "changes.rules") in files
    assert uri(P2024 / "frame_invoice.rules") in files
    assert all("#" not in (Path(loc.uri.removeprefix("file://")).read_text(encoding="utf-8").splitlines()[loc.range.start.line]
                           [:loc.range.start.character]) for loc in refs)  # never inside a comment


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_offers_the_members_of_the_enum_being_compared(client: LanguageClient):
    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    line = "  covers 経費 where 区分 in {"
    edited = text.replace("  covers 経費 where 区分 in {ソフトウェア, オプション, 役務}", line + "}", 1)
    change(client, path, edited, 2)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(edited, line, offset=len(line))))
    labels = {item.label for item in result.items}
    assert {"ソフトウェア", "オプション", "役務", "PC等"} <= labels
    assert all(item.kind == types.CompletionItemKind.EnumMember for item in result.items)
    assert "製造業" not in labels  # a member of another enum (業種)
    change(client, path, text, 3)


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_elsewhere_offers_names_in_scope_and_keywords(client: LanguageClient):
    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "requires 中小企業", offset=9)))
    kinds = {item.label: item.kind for item in result.items}
    assert kinds["中小企業"] == types.CompletionItemKind.Function
    assert kinds["従業員数"] == types.CompletionItemKind.Field
    assert kinds["requires"] == types.CompletionItemKind.Keyword


@pytest.mark.asyncio(loop_scope="module")
async def test_document_symbols_outline_the_file(client: LanguageClient):
    path = P2024 / "frame_normal.rules"
    open_doc(client, path)
    result = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path))))
    frames = [s for s in result if s.kind == types.SymbolKind.Class]
    assert [s.name for s in frames] == ["通常枠"]
    assert "ソフトウェア等" in [c.name for c in frames[0].children]


@pytest.mark.asyncio(loop_scope="module")
async def test_formatting_returns_what_policy_fmt_writes(client: LanguageClient):
    path = P2024 / "exclusions.rules"
    text = open_doc(client, path)
    messy = text.replace(" ≤ ", "<=").replace(" ≥ ", ">=")
    assert messy != text
    change(client, path, messy, 2)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1 and edits[0].new_text == format_text(messy)
    change(client, path, text, 3)


def apply_edits(text: str, edits) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def index(pos: types.Position) -> int:
        line = lines[pos.line] if pos.line < len(lines) else ""
        units, i = 0, 0
        while units < pos.character:
            units += 2 if ord(line[i]) > 0xFFFF else 1
            i += 1
        return offsets[pos.line] + i

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:index(edit.range.start)] + edit.new_text + text[index(edit.range.end):]
    return text


@pytest.mark.asyncio(loop_scope="module")
async def test_rename_rewrites_every_use_in_every_year_and_the_policies_still_check(client: LanguageClient, tmp_path):
    import shutil

    from engine.compile.pipeline import diagnose

    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "requires 中小企業", offset=10),
        new_name="中小企業該当"))
    assert uri(P2024 / "applicants.rules") in edit.changes and uri(path) in edit.changes
    copy = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", copy)
    for doc, edits in edit.changes.items():
        assert all(e.new_text == "中小企業該当" for e in edits)
        relative = Path(doc.removeprefix("file://")).relative_to(ROOT / "policies")
        target = copy / relative
        target.write_text(apply_edits(target.read_text(encoding="utf-8"), edits), encoding="utf-8")
    for year in ("2023", "2024", "2025"):
        found, _ = diagnose(copy / year)
        assert [d.message for d in found if d.severity == "error"] == [], year
    renamed = (copy / "2024" / "applicants.rules").read_text(encoding="utf-8")
    assert "rule 中小企業該当 " in renamed and not re_word("中小企業", renamed)


def re_word(word: str, text: str) -> bool:
    import re

    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    code = re.sub(r'"[^"\n]*"', '""', code)
    return bool(re.search(rf"(?<![\w・ー]){re.escape(word)}(?![\w・ー])", code))


@pytest.mark.asyncio(loop_scope="module")
async def test_rename_of_a_name_with_two_meanings_is_refused(client: LanguageClient):
    path = P2024 / "applicants.rules"
    text = open_doc(client, path)
    with pytest.raises(Exception, match="names 2 things"):
        await client.text_document_rename_async(types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "when 組織形態 in", offset=6),
            new_name="法人形態"))


@pytest.mark.asyncio(loop_scope="module")
async def test_a_citation_key_hovers_with_its_title_and_leads_to_the_programme_header(client: LanguageClient):
    path = P2024 / "applicants.rules"
    text = open_doc(client, path)
    at = position(text, "source seed-004", offset=len("source se"))
    hover = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(path)),
                                                                      position=at))
    assert "**source seed-004**" in hover.contents.value and "SoLabo" in hover.contents.value
    assert hover.range.start == position(text, "source seed-004", offset=len("source "))
    [target] = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=at))
    header = (P2024 / "policy.rules").read_text(encoding="utf-8")
    assert target.uri == uri(P2024 / "policy.rules") and target.range.start == position(header, "source seed-004", offset=7)


@pytest.mark.asyncio(loop_scope="module")
async def test_while_a_file_does_not_parse_hover_and_definition_still_answer(client: LanguageClient):
    broken_path, other = P2024 / "requirements.rules", P2024 / "frame_normal.rules"
    text = open_doc(client, broken_path)
    other_text = open_doc(client, other)
    change(client, broken_path, text + "\nrule :\n", 10)
    await settled(client, uri(broken_path), lambda ds: any(d.severity == types.DiagnosticSeverity.Error for d in ds))
    at = position(other_text, "requires 中小企業", offset=10)
    hover = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(other)),
                                                                      position=at))
    assert "**rule 中小企業**" in hover.contents.value  # the last good analysis answers
    [target] = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(other)), position=at))
    assert target.uri == uri(P2024 / "applicants.rules")
    change(client, broken_path, text, 11)
    await settled(client, uri(broken_path), lambda ds: not any(d.severity == types.DiagnosticSeverity.Error for d in ds))
