"""Text -> surface AST. Lark parses (LALR, with an indentation post-lexer); a Transformer builds
the frozen attrs nodes of `engine.language.ast`, each with its `Span`. Syntax errors become positioned
`Diagnostic`s that say, in words, what was expected."""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
from pathlib import Path

import lark
from lark import Token, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.indenter import DedentError, Indenter

from engine.language import ast, literals
from engine.i18n import N_
from engine.language.diagnostics import Diagnostic, Phrase, PolicyError, Span, phrase
from engine.language.resources import grammar_path


class _PolicyIndenter(Indenter):
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
            raise _BadDedent(token) from None


class _BadDedent(Exception):
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
def _lark() -> lark.Lark:
    grammar = grammar_path().read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        postlex=_PolicyIndenter(),
        propagate_positions=True,
        maybe_placeholders=False,
        cache=_cache_file(grammar),
    )


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
        pattern = _lark().get_terminal(name).pattern
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


def _syntax_diagnostic(file: str, exc: UnexpectedInput, text: str) -> Diagnostic:
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


_TOO_DEEP = N_("syntax.too_deep", "expression nested too deeply to read")


def parse(text: str, file: str) -> ast.Module:
    """Parse one .rules file. Raises PolicyError with one positioned diagnostic on bad syntax."""
    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise PolicyError([_syntax_diagnostic(file, exc, text)], {file: text}) from None
    except _BadDedent as exc:
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
        items = _ToAst(file).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, _LiteralError):
            raise PolicyError([exc.orig_exc.diagnostic], {file: text}) from None
        raise
    except RecursionError:
        raise PolicyError([Diagnostic("error", phrase(_TOO_DEEP), Span(file, 1, 1, 1, 1))], {file: text}) from None
    return ast.Module(file=file, items=tuple(items))


_LINE_KINDS = {ast.Citation: "source", ast.Deadline: "deadlines", ast.AmountDef: "parts", ast.Cap: "caps",
               ast.Floor: "floors", ast.Band: "bands"}


def _line_kind(line) -> str:
    """What part of a frame or amount a line sets (`amend` replaces exactly those parts)."""
    if type(line) in _LINE_KINDS:
        return _LINE_KINDS[type(line)]
    return line[0]


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


class _LiteralError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


_COMPARISONS = {"<=": "<=", "≤": "<=", ">=": ">=", "≥": ">=", "!=": "!=", "≠": "!=", "==": "=", "=": "=", "<": "<", ">": ">"}
_ARITHMETIC = {"+": "+", "-": "-", "−": "-", "×": "×", "*": "×", "÷": "÷"}


def _unquote(token: Token) -> str:
    return str(token)[1:-1]


@v_args(meta=True)
class _ToAst(lark.Transformer):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    # ------------------------------------------------------------ helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.file, 1, 1, 1, 1)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return Span(self.file, token.line, token.column, token.end_line, token.end_column)

    def _name(self, token: Token) -> ast.Name:
        return ast.Name(text=str(token), span=self._tspan(token))

    @staticmethod
    def _split_label(children):
        """Peel an optional Label off the front of `children`."""
        if children and isinstance(children[0], ast.Label):
            return children[0], children[1:]
        return None, children

    def _literal(self, meta, children, kind, convert):
        token = children[0]
        try:
            value = convert(str(token))
        except literals.LiteralProblem as exc:
            raise _LiteralError(Diagnostic("error", str(exc), self._tspan(token))) from None
        return ast.Literal(kind=kind, value=value, text=str(token), span=self._tspan(token))

    # ------------------------------------------------------------ file and header
    def start(self, meta, children):
        return list(children)

    def programme(self, meta, children):
        name, lines = _unquote(children[0]), children[1:]
        found = {"title": None, "year": None, "in_force": None, "applied_on": None}
        sources = []
        for line in lines:
            if isinstance(line, ast.SourceDecl):
                sources.append(line)
            else:
                found[line[0]] = line[1]
        return ast.Programme(name=name, sources=tuple(sources), span=self._span(meta), **found)

    def title(self, meta, children):
        return ("title", _unquote(children[0]))

    def year(self, meta, children):
        return ("year", self._literal(meta, children, "integer", literals.grouped_int).value)

    def in_force(self, meta, children):
        start = self._literal(meta, [children[0]], "date", literals.date).value
        end = self._literal(meta, [children[1]], "date", literals.date).value
        if end < start:  # every case would be judged outside the term (or blamed for it)
            raise _LiteralError(Diagnostic("error", phrase(N_("syntax.term_backwards", "in force {start} .. {end} ends before it starts; write the earlier date first"),
                                                  start=start, end=end),
                                           self._tspan(children[1])))
        return ("in_force", (start, end))

    def applied_on(self, meta, children):
        return ("applied_on", self._name(children[0]))

    def source_decl(self, meta, children):
        return ast.SourceDecl(key=str(children[0]), title=_unquote(children[1]), span=self._span(meta))

    def include(self, meta, children):
        return ast.Include(path=_unquote(children[0]), span=self._span(meta))

    def extends(self, meta, children):
        return ast.Extends(path=_unquote(children[0]), span=self._span(meta))

    def override(self, meta, children):
        return ast.Override(item=children[0], span=self._span(meta))

    def amend(self, meta, children):
        return ast.Amend(item=children[0], span=self._span(meta))

    def remove(self, meta, children):
        return ast.Remove(kind=str(children[0]), name=self._name(children[1]), span=self._span(meta))

    def remove_amount(self, meta, children):
        return ("remove_amount", self._name(children[0]))

    def label(self, meta, children):
        return ast.Label(ja=_unquote(children[0]), en=_unquote(children[1]) if len(children) > 1 else None)

    # ------------------------------------------------------------ types and inputs
    def enum_def(self, meta, children):
        label, members = self._split_label(children[1:])
        return ast.EnumDef(name=str(children[0]), label=label, members=tuple(members), span=self._span(meta))

    def enum_member(self, meta, children):
        return ast.EnumMember(name=str(children[0]), label=children[1] if len(children) > 1 else None, span=self._tspan(children[0]))

    def simple_type(self, meta, children):
        return ast.TypeRef(name=str(children[0]), is_list=False, span=self._span(meta))

    def list_type(self, meta, children):
        return ast.TypeRef(name=str(children[0]), is_list=True, span=self._span(meta))

    def optional(self, meta, children):
        return ("optional", True)

    def fixed(self, meta, children):
        return ("fixed", True)

    def signed(self, meta, children):
        return ("signed", True)

    def default(self, meta, children):
        return ("default", children[0])

    def default_member(self, meta, children):
        return ("default", self._name(children[0]))

    def maximum(self, meta, children):
        return ("maximum", children[0])

    def field(self, meta, children):
        name, type_ref, rest = children[0], children[1], children[2:]
        options = {"optional": False, "fixed": False, "signed": False, "default": None, "maximum": None}
        label = help_ = None
        for item in rest:
            if isinstance(item, ast.Label):
                label = item
            elif item[0] == "help":
                help_ = item[1]
            else:
                options[item[0]] = item[1]
        return ast.Field(name=str(name), type=type_ref, label=label, span=self._tspan(name), help=help_, **options)

    def field_help(self, meta, children):
        return ("help", children[0])

    def record_def(self, meta, children):
        label, fields = self._split_label(children[1:])
        return ast.RecordDef(name=str(children[0]), label=label, fields=tuple(fields), span=self._span(meta))

    def input_group(self, meta, children):
        label, fields = self._split_label(children[1:])
        return ast.InputDef(group=str(children[0]), label=label, fields=tuple(fields), span=self._tspan(children[0]))

    def input_field(self, meta, children):
        return ast.InputDef(group=None, label=None, fields=(children[0],), span=self._span(meta))

    # ------------------------------------------------------------ tables
    def by_key(self, meta, children):
        return self._name(children[0])

    def table_def(self, meta, children):
        name = children[0]
        label, rest = self._split_label(children[1:])
        key_input = None
        if rest and isinstance(rest[0], ast.Name):
            key_input, rest = rest[0], rest[1:]
        source = next((c for c in rest if isinstance(c, ast.Citation)), None)
        header = next(c for c in rest if isinstance(c, tuple))
        rows = tuple(c for c in rest if isinstance(c, ast.TableRow))
        return ast.TableDef(
            name=str(name), label=label, key_input=key_input, source=source,
            key_column=header[0].text, columns=header[1:], rows=rows, span=self._tspan(name),
        )

    def table_header(self, meta, children):
        return tuple(self._name(c) for c in children)

    def table_row(self, meta, children):
        key = children[0] if isinstance(children[0], ast.BandKey) else self._name(children[0])
        source = children[-1] if isinstance(children[-1], ast.Citation) else None
        cells = children[1:-1] if source is not None else children[1:]
        return ast.TableRow(key=key, cells=tuple(cells), span=self._span(meta), source=source)

    _BOUND_OPS = {"<=": "≤", ">=": "≥", "≤": "≤", "≥": "≥", "<": "<", ">": ">"}

    def band_bound(self, meta, children):
        op_token, value = children
        op = self._BOUND_OPS.get(str(op_token))
        if op is None:
            raise _LiteralError(Diagnostic("error", phrase(N_("syntax.band_bound", "a row of a table keyed by a number starts with ≤, <, ≥ or > "
                                                                                  "(or is `low .. high`), not {op}"), op=str(op_token)),
                                           self._tspan(op_token)))
        low, high = (value, None) if op in ("≥", ">") else (None, value)
        return ast.BandKey(op=op, low=low, high=high, text=f"{op} {value.text}", span=self._span(meta))

    def band_between(self, meta, children):
        low, high = children
        return ast.BandKey(op=None, low=low, high=high, text=f"{low.text} .. {high.text}", span=self._span(meta))

    # ------------------------------------------------------------ rules
    def source_line(self, meta, children):
        detail = _unquote(children[1]) if len(children) > 1 else None
        return ast.Citation(key=str(children[0]), detail=detail, span=self._span(meta))

    source_line_inline = source_line

    def help_line(self, meta, children):
        return ("help", children[0])

    def _rule(self, kind, meta, children):
        name = children[0]
        label, rest = self._split_label(children[1:])
        source = next((c for c in rest if isinstance(c, ast.Citation)), None)
        help_ = next((c[1] for c in rest if isinstance(c, tuple) and c and c[0] == "help"), None)
        body = rest[-1]
        due = next((c for c in rest if isinstance(c, ast.StepDue)), None)
        return ast.RuleDef(kind=kind, name=str(name), label=label, source=source, help=help_, body=body, span=self._tspan(name), due=due)

    def rule_def(self, meta, children):
        return self._rule("rule", meta, children)

    def value_def(self, meta, children):
        return self._rule("value", meta, children)

    def exclusion_def(self, meta, children):
        return self._rule("exclusion", meta, children)

    def step_def(self, meta, children):
        return self._rule("step", meta, children)

    def due_on(self, meta, children):
        day = self._literal(meta, children[:1], "date", literals.date).value
        source = children[1] if len(children) > 1 else None
        return ast.StepDue(date=day, amount=0, unit=None, source=source, span=self._span(meta))

    def due_by_deadline(self, meta, children):
        amount, unit, source = 0, None, None
        if len(children) >= 2 and not isinstance(children[0], ast.Citation):
            sign, token = str(children[0]), children[1]
            if literals.is_months(str(token)) or str(token).endswith(("年", "日")):
                amount = self._literal(meta, [token], "duration", literals.duration).value * (1 if sign == "+" else -1)
                unit = "か月" if literals.is_months(str(token)) else literals.duration_unit(str(token))
            else:
                raise _LiteralError(Diagnostic("error", phrase(N_("syntax.due_duration", "a step is due a duration (年, か月, 日) before or "
                                                                          "after the deadline, not {token}"), token=str(token)),
                                               self._tspan(token)))
        if children and isinstance(children[-1], ast.Citation):
            source = children[-1]
        return ast.StepDue(date=None, amount=amount, unit=unit, source=source, span=self._span(meta))

    def all_block(self, meta, children):
        return ast.And(items=tuple(children), block=True, span=self._span(meta))

    def any_block(self, meta, children):
        return ast.Or(items=tuple(children), block=True, span=self._span(meta))

    def cases_block(self, meta, children):
        return ast.Cases(branches=tuple(children[:-1]), otherwise=children[-1], span=self._span(meta))

    def when_branch(self, meta, children):
        return (children[0], children[1])

    def otherwise_branch(self, meta, children):
        return children[0]

    # ------------------------------------------------------------ frames and amounts
    def name_list(self, meta, children):
        return tuple(self._name(c) for c in children)

    def requires(self, meta, children):
        return ("requires", children[0])

    def exclusions_all(self, meta, children):
        return ("exclusions", children[0] if children else ())

    def exclusions_none(self, meta, children):
        return ("exclusions", None)

    def steps(self, meta, children):
        return ("steps", children[0])

    def covers(self, meta, children):
        return ("covers", (self._name(children[0]), children[1]))

    def deadline(self, meta, children):
        date = self._literal(meta, [children[1]], "date", literals.date).value
        rest = children[2:]
        time = opening = source = None
        for item in rest:
            if isinstance(item, ast.Citation):
                source = item
            elif isinstance(item, tuple) and item and item[0] == "opening":
                opening = item
            else:
                time = self._time(item)
        return ast.Deadline(name=_unquote(children[0]), date=date, span=self._span(meta), time=time,
                            opens=opening[1] if opening else None, opens_time=opening[2] if opening else None, source=source)

    def opening(self, meta, children):
        date = self._literal(meta, [children[0]], "date", literals.date).value
        return ("opening", date, self._time(children[1]) if len(children) > 1 else None)

    def _time(self, token) -> datetime.time:
        hours, minutes = (int(x) for x in str(token).split(":"))
        if hours > 23 or minutes > 59:
            raise _LiteralError(Diagnostic("error", phrase(N_("syntax.time", "{time} is not a time of day (HH:MM, 0:00 to 23:59)"), time=str(token)),
                                           self._tspan(token)))
        return datetime.time(hours, minutes)

    def deadlines_unknown(self, meta, children):
        return ("deadlines",)

    def earlier_rounds_unknown(self, meta, children):
        return ("earlier_unknown", True)

    def frame_def(self, meta, children):
        name = children[0]
        label, lines = self._split_label(children[1:])
        found = {"requires": (), "exclusions": (), "steps": (), "covers": None, "help": None}
        source, deadlines, amounts, caps, floors, removed = None, [], [], [], [], []
        given = {"label"} if label else set()
        like = None
        for line in lines:
            if isinstance(line, tuple) and line[0] == "like":
                like = line[1]
                continue
            given.add(_line_kind(line))
            if isinstance(line, ast.Citation):
                source = line
            elif isinstance(line, ast.Deadline):
                deadlines.append(line)
            elif isinstance(line, ast.AmountDef):
                amounts.append(line)
            elif isinstance(line, ast.Cap):
                caps.append(line)
            elif isinstance(line, ast.Floor):
                floors.append(line)
            elif line[0] == "remove_amount":
                removed.append(line[1])
            elif line[0] == "deadlines":
                pass  # `deadlines unknown`: none are checked (an `amend` drops the base's)
            elif line[0] in ("requires", "steps"):
                found[line[0]] = found[line[0]] + line[1]
            else:
                found[line[0]] = line[1]
        return ast.FrameDef(
            name=str(name), label=label, source=source, deadlines=tuple(deadlines), amounts=tuple(amounts),
            caps=tuple(caps), floors=tuple(floors), span=self._tspan(name), given=frozenset(given), removed=tuple(removed), like=like,
            **found,
        )

    def like(self, meta, children):
        return ("like", self._name(children[0]))

    def for_each(self, meta, children):
        return (self._name(children[0]), self._name(children[1]))

    def amount_def(self, meta, children):
        name = children[0]
        label, rest = self._split_label(children[1:])
        for_each = like = None
        if rest and isinstance(rest[0], tuple) and isinstance(rest[0][0], ast.Name):
            for_each, rest = rest[0], rest[1:]
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "amount_like":
            like, rest = rest[0][1], rest[1:]
        source = help_ = base = None
        bands, caps, floors, parts, removed, round_down, round_source = [], [], [], [], [], False, None
        given = {"label"} if label else set()
        for line in rest:
            given.add(_line_kind(line))
            if isinstance(line, ast.Citation):
                source = line
            elif isinstance(line, ast.Band):
                bands.append(line)
            elif isinstance(line, ast.Cap):
                caps.append(line)
            elif isinstance(line, ast.Floor):
                floors.append(line)
            elif isinstance(line, ast.AmountDef):
                parts.append(line)
            elif line[0] == "help":
                help_ = line[1]
            elif line[0] == "base":
                base = line[1]
            elif line[0] == "round_down":
                round_down, round_source = True, line[1]
            elif line[0] == "remove_amount":
                removed.append(line[1])
        if for_each is not None:
            given.add("for_each")
        return ast.AmountDef(
            name=str(name), label=label, for_each=for_each, source=source, help=help_, base=base,
            bands=tuple(bands), round_down=round_down, caps=tuple(caps), floors=tuple(floors),
            parts=tuple(parts), span=self._tspan(name), given=frozenset(given), removed=tuple(removed), like=like,
            round_source=round_source,
        )

    def amount_like(self, meta, children):
        names = tuple(self._name(c) for c in children)
        return ("amount_like", (None, names[0]) if len(names) == 1 else names)

    def base(self, meta, children):
        return ("base", children[0])

    def _band(self, meta, children):
        until = children[1] if len(children) > 1 else (None, None)
        return ast.Band(rate=children[0], measure=until[0], limit=until[1], span=self._span(meta))

    first_rate = _band
    next_rate = _band

    def until(self, meta, children):
        return (str(children[0]), children[1])

    def round_down(self, meta, children):
        return ("round_down", children[0] if children else None)

    def cap_line(self, meta, children):
        limit, rest = children[0], children[1:]
        condition, negated, source = None, False, None
        for item in rest:
            if isinstance(item, ast.Citation):
                source = item
            else:
                negated, condition = item[0] == "unless", item[1]
        return ast.Cap(limit=limit, condition=condition, negated=negated, source=source, span=self._span(meta))

    def cap_when(self, meta, children):
        return ("when", children[0])

    def cap_unless(self, meta, children):
        return ("unless", children[0])

    def floor_line(self, meta, children):
        return ast.Floor(limit=children[0], span=self._span(meta))

    # ------------------------------------------------------------ expressions
    def if_expr(self, meta, children):
        then, condition, otherwise = children
        return ast.IfElse(condition=condition, then=then, otherwise=otherwise, span=self._span(meta))

    def or_(self, meta, children):
        last = children[-1]
        if isinstance(last, ast.Literal) and last.kind != "bool":
            # `X or 0円`: a number or a date after `or` is a fallback value, never a condition; a
            # condition before it (`A ≥ X or 0円`) is the checker's to report, with the parentheses to add
            value = children[0] if len(children) == 2 else ast.Or(items=tuple(children[:-1]), block=False, span=self._span(meta))
            return ast.Fallback(value=value, fallback=last, span=self._span(meta))
        return ast.Or(items=tuple(children), block=False, span=self._span(meta))

    def and_(self, meta, children):
        return ast.And(items=tuple(children), block=False, span=self._span(meta))

    def not_(self, meta, children):
        return ast.Not(operand=children[0], span=self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(op=_COMPARISONS[str(op)], left=left, right=right, span=self._span(meta))

    def is_member(self, meta, children):
        return ast.InSet(operand=children[0], members=(self._name(children[1]),), negated=False, span=self._span(meta))

    def is_not_member(self, meta, children):
        return ast.InSet(operand=children[0], members=(self._name(children[1]),), negated=True, span=self._span(meta))

    def in_set(self, meta, children):
        return ast.InSet(operand=children[0], members=children[1], negated=False, span=self._span(meta))

    def not_in_set(self, meta, children):
        return ast.InSet(operand=children[0], members=children[1], negated=True, span=self._span(meta))

    def member_set(self, meta, children):
        return tuple(self._name(c) for c in children)

    def contains(self, meta, children):
        return ast.Contains(operand=children[0], member=self._name(children[1]), span=self._span(meta))

    def _round_names(self, tokens) -> tuple[ast.Name, ...]:
        return tuple(ast.Name(text=str(t)[1:-1], span=self._tspan(t)) for t in tokens)

    def round_is(self, meta, children):
        return ast.RoundIs(frame=self._name(children[0]), names=self._round_names(children[1:]), negated=False, span=self._span(meta))

    def round_is_not(self, meta, children):
        return ast.RoundIs(frame=self._name(children[0]), names=self._round_names(children[1:]), negated=True, span=self._span(meta))

    def round_in(self, meta, children):
        return ast.RoundIs(frame=self._name(children[0]), names=self._round_names(children[1:]), negated=False, span=self._span(meta))

    def is_given(self, meta, children):
        return ast.IsGiven(operand=children[0], span=self._span(meta))

    def arith(self, meta, children):
        left, op, right = children
        return ast.Arith(op=_ARITHMETIC[str(op)], left=left, right=right, span=self._span(meta))

    def round_down_expr(self, meta, children):
        return ast.RoundDown(operand=children[0], span=self._span(meta))

    def smaller(self, meta, children):
        return self._fold(ast.Smaller, meta, children)

    def larger(self, meta, children):
        return self._fold(ast.Larger, meta, children)

    def _fold(self, node, meta, children):
        """`smaller of (a, b, c)` is smaller of (smaller of (a, b), c): one binary node per comma."""
        result = children[0]
        for child in children[1:]:
            result = node(left=result, right=child, span=self._span(meta))
        return result

    def total(self, meta, children):
        where = children[2] if len(children) > 2 else None
        return ast.Total(field=self._name(children[0]), list_name=self._name(children[1]), where=where, span=self._span(meta))

    def total_of(self, meta, children):
        where = children[2] if len(children) > 2 else None
        return ast.TotalOf(value=children[0], list_name=self._name(children[1]), where=where, span=self._span(meta))

    def number(self, meta, children):
        where = children[1] if len(children) > 1 else None
        return ast.Number(list_name=self._name(children[0]), where=where, span=self._span(meta))

    def number_among(self, meta, children):
        return ast.NumberAmong(list_name=self._name(children[0]), members=children[1], span=self._span(meta))

    def any_item(self, meta, children):
        return ast.Quantified(quantifier="any", list_name=self._name(children[0]), where=children[1], span=self._span(meta))

    def all_item(self, meta, children):
        return ast.Quantified(quantifier="all", list_name=self._name(children[0]), where=children[1], span=self._span(meta))

    def name_ref(self, meta, children):
        return ast.NameRef(parts=tuple(str(c) for c in children), span=self._span(meta))

    # ------------------------------------------------------------ literals
    def money(self, meta, children):
        return self._literal(meta, children, "money", literals.money)

    def count(self, meta, children):
        return self._literal(meta, children, "count", literals.count)

    def ratio(self, meta, children):
        return self._literal(meta, children, "ratio", literals.ratio)

    def percent(self, meta, children):
        return self._literal(meta, children, "ratio", literals.percent)

    def integer(self, meta, children):
        return self._literal(meta, children, "integer", literals.grouped_int)

    def date(self, meta, children):
        return self._literal(meta, children, "date", literals.date)

    def round_deadline(self, meta, children):
        return ast.RoundOf(part="deadline", frame=self._name(children[0]), span=self._span(meta))

    def round_opening(self, meta, children):
        return ast.RoundOf(part="opening", frame=self._name(children[0]), span=self._span(meta))

    def duration(self, meta, children):
        return self._literal(meta, children, "duration", literals.duration)

    def true(self, meta, children):
        return ast.Literal(kind="bool", value=True, text="true", span=self._span(meta))

    def false(self, meta, children):
        return ast.Literal(kind="bool", value=False, text="false", span=self._span(meta))
