"""Positions, diagnostics and the errors that carry them.

One position type (`Span`) is used by the AST, the checker and the case validator, so every
message a user sees points at a file, a line and a column.
"""

from __future__ import annotations

import re
import unicodedata

import attrs

from engine.i18n import N_, translator

DOMAIN = "language"  # the gettext domain of the loader's, parser's and checker's messages


@attrs.frozen
class Phrase:
    """A message of the policy language, kept as its catalogue key, English msgid and values until a
    language is known (the checker runs once; `policy check --lang`, the language server's locale
    and a 422 each say it in their own language). A value may itself be a Phrase, or have a
    `describe(lang)` (a Type): it is said in the same language."""

    key: str
    msgid: str
    values: tuple = ()

    def say(self, lang: str = "en") -> str:
        text = translator(lang, DOMAIN).pgettext(self.key, self.msgid)
        return text.format(**{name: _said(value, lang) for name, value in self.values})

    def __str__(self) -> str:
        return self.say("en")


def phrase(mark: tuple[str, str], **values) -> Phrase:
    """The message marked `N_(key, English msgid)`, its placeholders filled with `values`."""
    return Phrase(mark[0], mark[1], tuple(values.items()))


def _said(value, lang: str):
    if isinstance(value, Phrase):
        return value.say(lang)
    if hasattr(value, "describe"):
        return value.describe(lang)
    if isinstance(value, tuple):  # a list of words, each in the language
        return ", ".join(str(_said(v, lang)) for v in value)
    return value


def _english(text) -> str | None:
    return None if text is None else str(text)


@attrs.frozen
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Diagnostic:
    """A problem found in a policy. `message` and `help` are the English text (what programs match
    on: SARIF's rule ids, tests); `said(lang)` and `help_said(lang)` give them in a language. Either
    may be given as a Phrase, which is kept for the translation."""

    severity: str  # "error" | "warning"
    message: str = attrs.field(converter=_english)
    span: Span | None = None
    help: str | None = attrs.field(default=None, converter=_english)
    phrases: tuple = attrs.field(default=(None, None), eq=False, repr=False)

    def __init__(self, severity: str, message, span: Span | None = None, help=None):
        self.__attrs_init__(severity, message, span, help,
                            (message if isinstance(message, Phrase) else None, help if isinstance(help, Phrase) else None))

    def said(self, lang: str = "en") -> str:
        return self.phrases[0].say(lang) if self.phrases[0] is not None else self.message

    def help_said(self, lang: str = "en") -> str | None:
        return self.phrases[1].say(lang) if self.phrases[1] is not None else self.help


class PolicyError(Exception):
    """A policy that cannot be loaded: syntax, names, types or file problems."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str] | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        super().__init__(render_all(self.diagnostics, self.sources))

    def said(self, lang: str = "en") -> str:
        """The problems as `str(error)` gives them, in `lang`."""
        return render_all(self.diagnostics, self.sources, lang)


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def printable(text: str) -> str:
    """`text` safe to print anywhere (a terminal, JSON, a CSV cell, an HTTP body, a log line):
    one line of valid Unicode. Control characters (newlines, NUL, escape, DEL, C1, the line and
    paragraph separators) and lone surrogates (valid in JSON's `\\ud800`, not encodable in UTF-8)
    become visible escapes (`\\n`, `\\x00`, `\\ud800`). Every message that may carry a case's own
    text (its keys, values, CSV column names) passes through here: CaseError applies it to each
    problem, so batch records, CSV cells, the terminal and the service's 422 bodies all get it."""
    return _UNSAFE.sub(_escape, text)


class CaseError(Exception):
    """A case that does not fit the policy's input declarations. Each problem is made printable
    (`printable`): a problem may quote the case's own keys and values."""

    def __init__(self, problems: list[str], file: str | None = None, details: list | None = None, errors: list | None = None):
        self.problems = [printable(str(p)) for p in problems]
        # for programs, when the case reader made them: each problem whole (engine/evaluate/case_problems.py)
        self.errors = list(errors) if errors is not None else None
        # for programs, beside each problem when the reader knows it: (the field's path in the case
        # or None, the field as the message names it, the message without it)
        self.details = [None if d is None else tuple(None if x is None else printable(str(x)) for x in d)
                        for d in details] if details is not None else [None] * len(self.problems)
        file = printable(file) if file is not None else None
        self.file = file
        prefix = f"{file}: " if file else ""
        super().__init__("\n".join(prefix + p for p in self.problems))


def display_width(text: str) -> int:
    """Terminal columns taken by `text` (wide CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


SEVERITY = {"error": N_("severity.error", "error"), "warning": N_("severity.warning", "warning")}
HELP = N_("severity.help", "help")


def render(diagnostic: Diagnostic, sources: dict[str, str], lang: str = "en") -> str:
    d = diagnostic
    severity = phrase(SEVERITY[d.severity]).say(lang) if d.severity in SEVERITY else d.severity
    message, help_ = d.said(lang), d.help_said(lang)
    help_line = f"  {phrase(HELP).say(lang)}: {help_}" if help_ else ""
    if d.span is None:
        head = f"{severity}: {message}"
        return head + (f"\n{help_line}" if help_ else "")
    lines = [f"{d.span}: {severity}: {message}"]
    text = sources.get(d.span.file)
    if text is not None:
        source_lines = text.splitlines()
        if 1 <= d.span.line <= len(source_lines):
            line = source_lines[d.span.line - 1]
            before = line[: d.span.column - 1]
            if d.span.end_line == d.span.line and d.span.end_column > d.span.column:
                marked = line[d.span.column - 1 : d.span.end_column - 1]
            else:
                marked = line[d.span.column - 1 : d.span.column]
            gutter = f"{d.span.line:>4} | "
            lines.append(gutter + line)
            lines.append(" " * (len(gutter) + display_width(before)) + "^" * max(1, display_width(marked)))
    if help_:
        lines.append(help_line)
    return "\n".join(lines)


def render_all(diagnostics: list[Diagnostic], sources: dict[str, str], lang: str = "en") -> str:
    return "\n".join(render(d, sources, lang) for d in diagnostics)
