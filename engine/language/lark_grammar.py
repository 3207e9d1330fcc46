"""The Lark parser of `grammar/policy.lark`: LALR with an indentation post-lexer, built once per
process and its tables cached per user (only our own grammar is ever cached, never user input)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import lark
from lark import Token
from lark.indenter import DedentError, Indenter

from engine.language.resources import grammar_path


class PolicyIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LBRACE"]
    CLOSE_PAREN_types = ["RPAR", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token):
        try:
            yield from super().handle_NL(token)
        except DedentError:
            raise BadDedent(token) from None


class BadDedent(Exception):
    def __init__(self, token: Token):
        self.token = token


def _cache_file(grammar: str) -> str | bool:
    """Lark builds its LALR tables in ~0.5 s; it keeps them in a per-user cache file named by the
    grammar's hash and Lark's version (it only ever caches our own grammar, never user input)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "subsidy-policy"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    digest = hashlib.sha256((grammar + lark.__version__).encode()).hexdigest()[:16]
    return str(folder / f"grammar-{digest}.lark-cache")


@functools.lru_cache(maxsize=1)
def policy_lark() -> lark.Lark:
    grammar = grammar_path().read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        postlex=PolicyIndenter(),
        propagate_positions=True,
        maybe_placeholders=False,
        cache=_cache_file(grammar),
    )
