"""Per-keystroke latency of `policy lsp` on policies/2024 (and on 2025, which extends it).

Two measures, each over N keystrokes typed one character at a time into a comment at the end of
policies/2024/applicants.rules (so each keystroke gives a changed, still valid policy):

1. in process: `engine.authoring.workspace.analyse` with the unsaved text (what the server does on
   each change: load with the overlay, parse only the changed file, check, index symbols);
2. over the protocol: `policy lsp` started as a subprocess, a pygls client sending
   textDocument/didChange and timing until the publishDiagnostics for that file arrives (with the
   2024 and 2025 folders both open, so each keystroke re-checks both years). Also the first open
   (every file parsed) and one hover.

    python benchmarks/lsp_latency.py [--keys 40]

Prints figures; asserts nothing about speed; writes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from engine.authoring import workspace  # noqa: E402

FILE = ROOT / "policies" / "2024" / "applicants.rules"
OTHER = ROOT / "policies" / "2025" / "changes.rules"
TYPED = "# the quick brown fox jumps over the lazy dog 0123456789"


def figures(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"{name:<52} n={len(ms):<3} median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   max {ms[-1]:6.1f} ms"


def in_process(keys: int) -> None:
    text = FILE.read_text(encoding="utf-8")
    folder = FILE.parent
    first = time.perf_counter()
    analysis = workspace.analyse(folder, {})
    print(f"{'in process: first analysis of policies/2024 (all files parsed)':<52} {1000 * (time.perf_counter() - first):6.1f} ms")
    times = []
    for i in range(1, keys + 1):
        overlay = {str(FILE): text + "\n" + TYPED[: i % len(TYPED) or 1] + "\n"}
        start = time.perf_counter()
        analysis = workspace.analyse(folder, overlay, analysis)
        times.append(time.perf_counter() - start)
        assert analysis.ok
    print(figures("in process: analyse after one keystroke (2024)", times))
    times = []
    base = workspace.analyse(ROOT / "policies" / "2025", {})
    for i in range(1, keys + 1):
        overlay = {str(FILE): text + "\n" + TYPED[: i % len(TYPED) or 1] + "\n"}
        start = time.perf_counter()
        base = workspace.analyse(ROOT / "policies" / "2025", overlay, base)
        times.append(time.perf_counter() - start)
    print(figures("in process: 2025 (extends 2024) after one keystroke", times))


async def over_protocol(keys: int) -> None:
    client = LanguageClient("lsp-latency", "1")
    arrived: dict[str, asyncio.Event] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        event = arrived.get(params.uri)
        if event is not None:
            event.set()

    await client.start_io(sys.executable, "-m", "engine.cli", "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    uri, other = FILE.as_uri(), OTHER.as_uri()
    text = FILE.read_text(encoding="utf-8")

    async def roundtrip(send, doc: str) -> float:
        arrived[doc] = asyncio.Event()
        start = time.perf_counter()
        send()
        await asyncio.wait_for(arrived[doc].wait(), 120)
        return time.perf_counter() - start

    first = await roundtrip(lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="policy", version=1, text=text))), uri)
    print(f"{'protocol: didOpen -> diagnostics (first, cold)':<52} {1000 * first:6.1f} ms")
    times = []
    for i in range(1, keys + 1):
        new = text + "\n" + TYPED[: i % len(TYPED) or 1] + "\n"
        times.append(await roundtrip(lambda new=new, i=i: client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=i + 1),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)])), uri))
    print(figures("protocol: didChange -> diagnostics (2024 open)", times))
    await roundtrip(lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=other, language_id="policy", version=1,
                                             text=OTHER.read_text(encoding="utf-8")))), other)
    times = []
    for i in range(1, keys + 1):
        new = text + "\n" + TYPED[: i % len(TYPED) or 1] + "\n"
        arrived[other] = asyncio.Event()  # the last publish of a keystroke is the 2025 folder's
        times.append(await roundtrip(lambda new=new, i=i: client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=keys + i + 1),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)])), other))
    print(figures("protocol: didChange -> both years re-checked", times))
    hover_times = []
    for _ in range(keys):
        start = time.perf_counter()
        await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=20, character=10)))
        hover_times.append(time.perf_counter() - start)
    print(figures("protocol: hover", hover_times))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    os.chdir(ROOT)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    in_process(args.keys)
    asyncio.run(over_protocol(args.keys))


if __name__ == "__main__":
    main()
