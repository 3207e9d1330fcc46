"""Checks a parsed policy before anything is compiled: every name resolves, every expression
has a type that fits where it is used, tables cover their enum, bands ascend, every definition
cites a source. All problems are collected, not just the first (sqlglot's collect-all mode).

The result, `Checked`, hands the compiler the symbol tables, each expression's type and what
each name refers to; the compiler never resolves a name itself."""

from __future__ import annotations

from engine.i18n import N_
from engine.language import ast
from engine.language.diagnostics import Diagnostic, PolicyError, Span, phrase
from engine.language.checker_declarations import Declarations
from engine.language.checker_expressions import Expressions
from engine.language.checker_frames import Frames
from engine.language.symbols import Checked, Symbols


def _phrased(message, values: dict):
    """A checker's message: a mark N_(key, msgid) with its values becomes a Phrase; a Phrase is one."""
    return phrase(message, **values) if isinstance(message, tuple) else message


class _Checker(Declarations, Expressions, Frames):
    """One check of a whole policy: the passes live in the three mixins, by what they check."""

    def __init__(self, modules: list[ast.Module]):
        self.modules = modules
        self.diagnostics: list[Diagnostic] = []
        self.symbols = Symbols()
        self.types: dict = {}
        self.resolutions: dict = {}
        self.def_types: dict = {}
        # optional names a condition around the expression being checked has tested with `is given`
        # (`X is given and …`, `when X is given:`, `A if X is given else B`, a cap's `when X is given`)
        self.narrowed: frozenset = frozenset()
        self.visiting: list[str] = []
        self.used: set[str] = set()
        self.declared_at: dict[str, Span] = {}

    # ------------------------------------------------------------ reporting
    # a message is a mark N_(key, English msgid) filled with **values, or a Phrase already made
    def error(self, message, span: Span | None, help=None, **values) -> None:
        self.diagnostics.append(Diagnostic("error", _phrased(message, values), span, help))

    def warning(self, message, span: Span | None, help=None, **values) -> None:
        self.diagnostics.append(Diagnostic("warning", _phrased(message, values), span, help))


    # ------------------------------------------------------------ the whole policy
    def run(self) -> Checked:
        self.collect()
        self.type_declarations()
        for table in self.symbols.tables.values():
            self.check_table(table)
        self.check_depths()
        for name, d in self.symbols.defs.items():
            self.check_source(d.source, phrase(N_("what.definition", "{kind} {name}"), kind=d.kind, name=name), d.span)
            self.def_type(name, d.span)
        for frame in self.symbols.frames:
            self.check_frame(frame)
        for name, d in self.symbols.defs.items():
            if d.due is not None:
                self.check_due(name, d.due)
        for name, d in self.symbols.defs.items():
            if name not in self.used and d.kind in ("rule", "value"):
                self.warning(N_("check.unused", "{kind} {name} is never used"), d.span, kind=d.kind, name=name)
        for name, (group, f) in self.symbols.inputs.items():
            if name not in self.used:
                self.warning(N_("check.unused_input", "input {name} is never used"), f.span, name=name)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        warnings = [d for d in self.diagnostics if d.severity == "warning"]
        return Checked(self.symbols, self.types, self.resolutions, self.def_types, warnings, errors)


def check(modules: list[ast.Module], sources: dict[str, str]) -> Checked:
    """Check the policy; raise PolicyError listing every error (warnings ride along on success)."""
    checked = _Checker(modules).run()
    if checked.errors:
        ordered = sorted(checked.errors + checked.warnings, key=lambda d: (d.span is not None, d.span and (d.span.file, d.span.line, d.span.column)))
        raise PolicyError([d for d in ordered if d.severity == "error"], sources)
    return checked


def diagnose(modules: list[ast.Module]) -> list[Diagnostic]:
    """Every error and warning, in file order (for `policy check`)."""
    checked = _Checker(modules).run()
    found = checked.errors + checked.warnings
    return sorted(found, key=lambda d: (d.span is not None, d.span and (d.span.file, d.span.line, d.span.column)))
