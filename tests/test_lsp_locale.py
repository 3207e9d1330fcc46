"""`policy lsp` speaks the language the editor asks for at initialize (its `locale`), Japanese when it
asks for none: a typo gets the checker's Japanese message and hint. (tests/test_lsp.py drives the
rest of the protocol with locale "en".)"""

from __future__ import annotations

import sys

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp", reason="needs the lsp and test extras (pytest-lsp)")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from test_lsp import P2024, change, open_doc, position, settled, uri  # noqa: E402

from engine.authoring.lsp import language_of  # noqa: E402


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "engine.cli", "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))  # no locale
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_a_client_that_names_no_locale_gets_japanese_diagnostics(client: LanguageClient):
    path = P2024 / "applicants.rules"
    text = open_doc(client, path)
    broken = text.replace("when 組織形態 in", "when 組織形 in", 1)
    change(client, path, broken, 2)
    found = await settled(client, uri(path), lambda ds: any("組織形" in d.message for d in ds))
    error = next(d for d in found if "組織形 という名前" in d.message)
    assert error.message == "組織形 という名前はありません\nヒント: 組織形態 のことですか？"
    assert error.range.start == position(broken, "when 組織形 in", offset=len("when "))
    change(client, path, text, 3)


def test_the_locale_chooses_the_language():
    assert [language_of(x) for x in ("en", "en-US", "EN-gb", "ja", "ja-JP", None, "", "fr")] == ["en", "en", "en", "ja", "ja", "ja", "ja", "ja"]


@pytest.mark.asyncio(loop_scope="module")
async def test_the_hover_and_a_refused_rename_are_in_japanese_too(client: LanguageClient):
    """Not only diagnostics: the hover's words (kind, type, source, where defined) and why a rename
    is refused follow the client's locale."""
    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "requires 中小企業", offset=10)))
    lines = hover.contents.value.split("  \n")
    assert lines[0] == "**中小企業**（ルール）"
    assert lines[1] == "中小企業・小規模事業者等に該当する / is an SME"
    assert lines[2] == "型: `真偽（true/false）`"
    assert lines[3].startswith("出典: `it-hojo` 「資本金・従業員規模の一方が、右記以下の場合対象")
    assert lines[4] == "定義: policies/2024/applicants.rules:18:6"
    path = P2024 / "applicants.rules"
    text = open_doc(client, path)
    with pytest.raises(Exception, match="組織形態 は2つのもの（選択肢, 入力項目）を指しています。名前を書き換えると、そのすべてが変わってしまいます"):
        await client.text_document_rename_async(types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position(text, "when 組織形態 in", offset=6),
            new_name="法人形態"))
