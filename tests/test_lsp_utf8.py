"""`policy lsp` with a client that asks for UTF-8 positions (as Neovim may): every position it
sends and receives counts bytes, three for each Japanese character (tests/test_lsp.py: UTF-16)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp", reason="needs the lsp and test extras (pytest-lsp)")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from test_lsp import change, open_doc, settled, uri  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
P2024 = ROOT / "policies" / "2024"


def utf8_position(text: str, needle: str, offset: int = 0) -> types.Position:
    at = text.index(needle)
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1) + offset
    return types.Position(line=line, character=len(text.splitlines()[line][:column].encode("utf-8")))


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "engine.cli", "lsp"]))
async def client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(types.InitializeParams(locale="en", capabilities=types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf8]))))
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_positions_count_utf8_bytes(client: LanguageClient):
    path = P2024 / "frame_normal.rules"
    text = open_doc(client, path)
    at = utf8_position(text, "requires 中小企業", offset=len("requires 中小"))
    hover = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(path)),
                                                                      position=at))
    assert "**rule 中小企業**" in hover.contents.value
    assert hover.range.start == utf8_position(text, "requires 中小企業", offset=len("requires "))
    assert hover.range.end.character - hover.range.start.character == len("中小企業".encode("utf-8"))

    broken = text.replace("requires 中小企業, 国内事業者", "requires 中小企業, 国内事業", 1)
    change(client, path, broken, 2)
    found = await settled(client, uri(path), lambda ds: any("国内事業" in d.message for d in ds))
    error = next(d for d in found if d.message.startswith("unknown rule 国内事業"))
    assert error.range.start == utf8_position(broken, "国内事業,")
    assert error.range.end.character - error.range.start.character == len("国内事業".encode("utf-8"))
    change(client, path, text, 3)
