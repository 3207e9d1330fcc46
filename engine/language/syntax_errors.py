"""A Lark syntax error as a positioned diagnostic that says, in words, what was expected (the terminal
and token names a policy author never sees are turned into the words of the language)."""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.i18n import N_
from engine.language.diagnostics import Diagnostic, Phrase, Span, phrase
from engine.language.lark_grammar import policy_lark


# What a person should read for each terminal the parser may expect.
_TERMINAL_WORDS = {
    "_NL": N_("terminal.newline", "the end of the line"),
    "_INDENT": N_("terminal.indent", "an indented block"),
    "_DEDENT": N_("terminal.dedent", "the end of the indented block"),
    "$END": N_("terminal.end", "the end of the file"),
    "NAME": N_("terminal.name", "a name"),
    "STRING": N_("terminal.string", 'a quoted text ("…")'),
    "CITE_KEY": N_("terminal.cite_key", "a source key (e.g. seed-004)"),
    "MONEY": N_("terminal.money", "an amount in yen (e.g. 50万円)"),
    "COUNT": N_("terminal.count", "a count (e.g. 300人)"),
    "RATIO": N_("terminal.ratio", "a ratio (e.g. 1/2)"),
    "PERCENT": N_("terminal.percent", "a percentage (e.g. 50%)"),
    "INT": N_("terminal.int", "a number"),
    "DATE": N_("terminal.date", "a date (YYYY-MM-DD)"),
    "DURATION": N_("terminal.duration", "a duration (e.g. 3年, 30日)"),
    "COMP_OP": N_("terminal.comparison", "a comparison (≤, <, =, ≠, ≥, >)"),
    "ADD_OP": N_("terminal.add", "+ or -"),
    "MUL_OP": N_("terminal.multiply", "× or ÷"),
    "TIER_MEASURE": N_("terminal.measure", "subsidy or cost"),
}


def _describe_terminal(name: str) -> Phrase | str:
    if name in _TERMINAL_WORDS:
        return phrase(_TERMINAL_WORDS[name])
    try:
        pattern = policy_lark().get_terminal(name).pattern
    except KeyError:
        return name
    return f'"{pattern.value}"' if pattern.type == "str" else name


# Literal terminals are summarised as one word when the parser would take any of them.
_VALUE_TERMINALS = {"MONEY", "COUNT", "RATIO", "PERCENT", "INT", "DATE", "DURATION", "TRUE", "FALSE"}
_VALUE_WORDS = N_("terminal.value", "a value (e.g. 50万円, 300人, 1/2, 50%, 2024-02-16, true)")


def _expected(names) -> Phrase | str:
    names = set(names)
    words = set()
    if _VALUE_TERMINALS <= names:
        names -= _VALUE_TERMINALS
        words.add(phrase(_VALUE_WORDS))
    words = sorted(words | {_describe_terminal(n) for n in names}, key=str)
    if not words:
        return ""
    if len(words) == 1:
        return phrase(N_("syntax.expected", "; expected {what}"), what=words[0])
    return phrase(N_("syntax.expected_one_of", "; expected one of: {what}"), what=tuple(words))


_TOKEN_WORDS = {"_NL": N_("token.newline", "end of line"), "_INDENT": N_("token.indent", "indented line"),
                "_DEDENT": N_("token.dedent", "end of the indented block"), "$END": N_("token.end", "end of file")}
_TOKEN_HELP = {
    "_INDENT": N_("hint.indent", "this line is indented more than the line before it; a block's lines share one indentation"),
    "_DEDENT": N_("hint.dedent", "the indented block ends here; check the indentation of the lines around it"),
}


def _describe_token(token: Token) -> Phrase | str:
    if token.type in _TOKEN_WORDS:
        return phrase(_TOKEN_WORDS[token.type])
    return f'"{token.value}"'


# characters an author types for an operator the language spells otherwise
_NEAR_OPERATORS = {"＞": ">", "＜": "<", "＝": "=", "≦": "≤", "≧": "≥", "＋": "+", "－": "-", "＊": "×", "／": "÷", "÷": "÷"}


def _near_keyword(token: Token, expected) -> str | None:
    """The expected keyword an unexpected word is a near miss of (`exclusion` for `exclusions`)."""
    import difflib

    if not (str(token.value).isascii() and str(token.value).isalpha()):
        return None
    keywords = [n.lower() for n in expected if n.isascii() and n.isalpha() and n.isupper() and n not in _TERMINAL_WORDS]
    close = difflib.get_close_matches(str(token.value).lower(), keywords, n=1, cutoff=0.75)
    return close[0] if close else None


def syntax_diagnostic(file: str, exc: UnexpectedInput, text: str) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        span = Span(file, exc.line, exc.column, exc.line, exc.column + 1)
        lines = text.splitlines()
        if exc.char in _NEAR_OPERATORS:
            return Diagnostic("error", phrase(N_("syntax.near_operator", "syntax error: unexpected character {char!r}; did you mean `{near}`?"),
                                              char=exc.char, near=_NEAR_OPERATORS[exc.char]), span,
                              help=phrase(N_("hint.half_width", "operators are written in half-width characters or as ≤ ≥ ≠ × ÷")))
        if exc.char == "/":
            return Diagnostic("error", phrase(N_("syntax.slash", "syntax error: `/` is not an operator; a ratio is written 1/3 (`× 1/3` for a third), "
                                                                 "a division `÷ 3`")), span)
        if exc.char == '"' and '"' not in (lines[exc.line - 1][exc.column:] if exc.line <= len(lines) else ""):
            # a text opened and never closed on its line: the lexer can only say the quote is unexpected
            return Diagnostic("error", phrase(N_("syntax.unclosed_quote", 'syntax error: this quoted text is never closed; expected a closing " on the same line')),
                              span, help=phrase(N_("hint.quote_one_line", "a quoted text ends on the line it starts on")))
        return Diagnostic("error", phrase(N_("syntax.unexpected_character", "syntax error: unexpected character {char!r}{expected}"),
                                          char=exc.char, expected=_expected(exc.allowed or ())), span)
    if isinstance(exc, UnexpectedEOF):
        return Diagnostic("error", phrase(N_("syntax.early_end", "syntax error: the file ends too early{expected}"),
                                          expected=_expected(exc.expected)), Span(file, 1, 1, 1, 1))
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    line, column = getattr(token, "line", None) or 1, getattr(token, "column", None) or 1
    if token.type in ("_INDENT", "_DEDENT") and getattr(token, "end_line", None):
        # the indenter places these on the newline before the line; the line itself is at fault
        line, column = token.end_line, token.end_column
    end_column = column + max(1, len(str(token.value))) if token.type not in ("_NL", "_DEDENT", "_INDENT") else column + 1
    span = Span(file, line, column, line, end_column)
    expected = exc.accepts or exc.expected
    if token.type == "_DEDENT" and "OTHERWISE" in expected:  # a `cases:` block left open
        last = line - 1
        lines = text.splitlines()
        while last > 1 and not lines[last - 1].strip():
            last -= 1
        width = len(lines[last - 1]) - len(lines[last - 1].lstrip())
        return Diagnostic("error", phrase(N_("syntax.no_otherwise", "this `cases:` block has no `otherwise:`; end it with an `otherwise:` line")),
                          Span(file, last, width + 1, last, len(lines[last - 1]) + 1),
                          help=phrase(N_("hint.otherwise", "`otherwise:` gives the result for every case no `when` matches")))
    near = _NEAR_OPERATORS.get(str(token.value)) or _near_keyword(token, expected)
    if near:
        after = phrase(N_("syntax.did_you_mean", " (did you mean `{near}`?)"), near=near)
    elif str(token.value) == "/":
        after = phrase(N_("syntax.slash_after", " (`/` is not an operator: write `× 1/3` for a third, or `÷ 3`)"))
    else:
        after = ""
    message = phrase(N_("syntax.unexpected", "syntax error: unexpected {token}{expected}{after}"),
                     token=_describe_token(token), expected=_expected(expected), after=after)
    hint = _indent_help(text, line) or (phrase(_TOKEN_HELP[token.type]) if token.type in _TOKEN_HELP else None)
    return Diagnostic("error", message, span, help=hint)


def _indent_help(text: str, line: int) -> Phrase | None:
    """The likelier cause when a line is indented with what the eye cannot tell from spaces."""
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = source[:len(source) - len(source.lstrip(" \t\u3000"))]
    if "\u3000" in indent:
        return phrase(N_("hint.full_width_space", "this line is indented with a full-width space (U+3000), which is not indentation; indent with ASCII spaces"))
    if "\t" in indent:
        return phrase(N_("hint.tab", "this line is indented with a tab (counted as 8 columns); indent every line of a block with the same ASCII spaces"))
    return None
