"""`policy lsp` without the lsp extra: a usage error naming the extra, as for serve and population."""

from __future__ import annotations

import sys


def test_without_pygls_the_command_names_the_extra(run, monkeypatch):
    for name in [m for m in sys.modules if m == "engine.authoring.lsp" or m.startswith(("pygls", "lsprotocol"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)  # import pygls now raises ImportError
    result = run("lsp")
    assert result.exit_code == 2
    assert "policy lsp needs the lsp extra: pip install '.[lsp]'" in result.stderr
