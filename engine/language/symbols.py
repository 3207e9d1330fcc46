"""What the checker hands the compiler — the symbol tables, each expression's type and what each
name refers to — and the few constants and helpers every part of the checker shares."""

from __future__ import annotations

import difflib

import attrs

from engine.language import ast
from engine.i18n import N_
from engine.language.diagnostics import Phrase, phrase
from engine.language.types import Type

ERROR = Type("error")  # the type of something already reported; silences follow-on messages
DATE_KIND, DURATION_KIND = "date", "duration"
INFERRED = "inferred"  # the citation key for a rule no document states (rules-2024.md's [I])


@attrs.frozen
class Resolution:
    kind: str  # input | def | table | item
    name: str  # input field, definition, table or record field name
    column: str | None = None  # for tables


@attrs.frozen
class Scope:
    """Inside `where …` over a list of records, or an amount `for each X in list`."""

    record: str
    variable: str | None


@attrs.define
class Symbols:
    programme: ast.Programme | None = None
    enums: dict = attrs.field(factory=dict)
    records: dict = attrs.field(factory=dict)
    groups: dict = attrs.field(factory=dict)  # group name -> InputDef
    inputs: dict = attrs.field(factory=dict)  # field name -> (group or None, Field)
    input_types: dict = attrs.field(factory=dict)  # field name -> Type
    record_types: dict = attrs.field(factory=dict)  # (record, field) -> Type
    tables: dict = attrs.field(factory=dict)
    column_types: dict = attrs.field(factory=dict)  # (table, column) -> Type
    table_bands: dict = attrs.field(factory=dict)  # table keyed by a number -> [(low, high), …] per row, ends included
    defs: dict = attrs.field(factory=dict)  # rule / value / exclusion / step
    frames: list = attrs.field(factory=list)


@attrs.define
class Checked:
    symbols: Symbols
    types: dict  # expression node -> Type
    resolutions: dict  # NameRef -> Resolution
    def_types: dict  # definition name -> Type
    warnings: list
    errors: list


def suggest(name: str, candidates) -> Phrase | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None
