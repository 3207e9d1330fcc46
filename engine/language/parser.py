"""Text -> surface AST. Lark parses (LALR, with an indentation post-lexer); a Transformer builds
the frozen attrs nodes of `engine.language.ast`, each with its `Span`. Syntax errors become positioned
`Diagnostic`s that say, in words, what was expected."""

from __future__ import annotations

import lark
from lark.exceptions import UnexpectedInput, VisitError

from engine.language import ast
from engine.i18n import N_
from engine.language.diagnostics import Diagnostic, PolicyError, Span, phrase
from engine.language.lark_grammar import BadDedent, policy_lark
from engine.language.syntax_errors import syntax_diagnostic
from engine.language.transform import ToAst
from engine.language.transform_declarations import LiteralError


_TOO_DEEP = N_("syntax.too_deep", "expression nested too deeply to read")


def parse(text: str, file: str) -> ast.Module:
    """Parse one .rules file. Raises PolicyError with one positioned diagnostic on bad syntax."""
    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = policy_lark().parse(text)
    except UnexpectedInput as exc:
        raise PolicyError([syntax_diagnostic(file, exc, text)], {file: text}) from None
    except BadDedent as exc:
        line = exc.token.end_line
        width = len(text.splitlines()[line - 1]) - len(text.splitlines()[line - 1].lstrip(" \t\u3000"))
        span = Span(file, line, width + 1, line, width + 2)
        message = phrase(N_("syntax.dedent", "indentation does not match any enclosing block"))
        raise PolicyError([Diagnostic("error", message, span, help=phrase(N_("hint.same_indent", "indent a block's lines by the same amount")))],
                          {file: text}) from None
    except RecursionError:
        raise PolicyError([Diagnostic("error", phrase(_TOO_DEEP), Span(file, 1, 1, 1, 1))], {file: text}) from None
    too_deep = _too_deep(tree)
    if too_deep is not None:
        line, column = too_deep
        message = phrase(N_("syntax.nesting", "expression nested more than {most} levels deep; split it into named rules or values"), most=MAX_NESTING)
        raise PolicyError([Diagnostic("error", message, Span(file, line, column, line, column + 1))], {file: text})
    try:
        items = ToAst(file).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, LiteralError):
            raise PolicyError([exc.orig_exc.diagnostic], {file: text}) from None
        raise
    except RecursionError:
        raise PolicyError([Diagnostic("error", phrase(_TOO_DEEP), Span(file, 1, 1, 1, 1))], {file: text}) from None
    return ast.Module(file=file, items=tuple(items))



MAX_NESTING = 150  # far beyond any guideline's sentence; keeps every later stage well inside Python's stack


def _too_deep(tree) -> tuple[int, int] | None:
    """Where the parse tree first nests deeper than MAX_NESTING (found without recursion)."""
    stack = [(tree, 1, (1, 1))]
    while stack:
        node, depth, at = stack.pop()
        meta = getattr(node, "meta", None)
        if meta is not None and not getattr(meta, "empty", True):
            at = (meta.line, meta.column)
        if depth > MAX_NESTING:
            return at
        for child in getattr(node, "children", ()):
            if isinstance(child, lark.Tree):
                stack.append((child, depth + 1, at))
    return None

