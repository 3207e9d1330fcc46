"""What changed between two policies, definition by definition and clause by clause, in the
policies' own words — and each changed clause as a unit that can be taken from one policy into the
other on its own (compile the result with compile.pipeline.compile_items), so that `policy diff`
and `policy population --compare` can say which change moved which decision.

Works on the merged AST items (a year that `extends` another comes with what it inherits), compared
without source positions: a comment, a blank line or a moved definition is no change."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs

from engine.language import ast
from engine.language.diagnostics import Span
from engine.language.inherit import kind_and_name

data = attrs.frozen(kw_only=True)

# the clauses of a frame and of an amount, in the order an author writes them, by their keyword
FRAME_CLAUSES = (("label", "label"), ("source", "source"), ("help", "help"), ("requires", "requires"),
                 ("exclusions", "exclusions"), ("steps", "steps"), ("covers", "covers"), ("deadlines", "deadline"),
                 ("caps", "at most"), ("floors", "at least"), ("earlier_unknown", "earlier rounds unknown"))
AMOUNT_CLAUSES = (("label", "label"), ("source", "source"), ("help", "help"), ("for_each", "for each"), ("base", "on"),
                  ("bands", "rate"), ("round_down", "round down"), ("caps", "at most"), ("floors", "at least"))
# clauses that only say what a thing is called or where it comes from: listed, never a cause of a decision
WORDING = frozenset({"label", "source", "help"})
_IGNORED = frozenset({"span", "given", "removed", "like", "derived"})  # an amount stated `like` another compares as stated whole


@data
class Clause:
    """One changed clause: `key` the definition (kind, name), `path` the amounts leading to it,
    `field` the clause (None: the whole definition or amount was added, removed or replaced)."""

    key: tuple[str, str]
    path: tuple[str, ...]
    field: str | None
    keyword: str
    old: tuple[str, ...]  # its lines in the old policy's words; () when absent
    new: tuple[str, ...]

    @property
    def wording_only(self) -> bool:
        return self.field in WORDING

    def where(self) -> str:
        parts = [f"{self.key[0]} {self.key[1]}"] + [f"amount {p}" for p in self.path]
        return " › ".join(parts)


@data
class DefinitionChange:
    kind: str
    name: str
    change: str  # added | removed | amended | overridden | changed
    label: str | None
    clauses: tuple[Clause, ...]


@data
class PolicyItems:
    """A policy folder's merged items (base included), its file texts and where each file lies."""

    folder: str
    items: tuple
    sources: dict
    inside: dict
    own: dict  # (kind, name) -> "override" | "amend" | "remove": what the folder's own files say


def load_items(folder: str | Path) -> PolicyItems:
    from engine.language import loader

    modules, sources, inside = loader.load(folder)
    items = tuple(item for m in modules for item in m.items)
    own: dict = {}
    for shown, relative in inside.items():
        if relative.startswith(".."):
            continue  # a file of the base policy
        from engine.language.parser import parse

        for item in parse(sources[shown], shown).items:
            if isinstance(item, (ast.Override, ast.Amend)):
                own[kind_and_name(item.item)] = "override" if isinstance(item, ast.Override) else "amend"
            elif isinstance(item, ast.Remove):
                own[(item.kind, item.name.text)] = "remove"
    return PolicyItems(folder=str(folder), items=items, sources=sources, inside=inside, own=own)


def key_of(item) -> tuple[str, str] | None:
    if isinstance(item, ast.Programme):
        return ("programme", "")  # one per policy, whatever its name
    return kind_and_name(item)


def bare(value):
    """The value without source positions: what two definitions are compared by."""
    if isinstance(value, Span):
        return None
    if attrs.has(type(value)):
        return (type(value).__name__,) + tuple(bare(getattr(value, f.name)) for f in attrs.fields(type(value))
                                               if f.name not in _IGNORED)
    if isinstance(value, (tuple, list)):
        return tuple(bare(v) for v in value)
    return value


# ---------------------------------------------------------------- a clause in the policy's words
def _spans(value):
    if isinstance(value, Span):
        yield value
    elif attrs.has(type(value)):
        for f in attrs.fields(type(value)):
            if f.name not in ("given", "removed"):
                yield from _spans(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _spans(v)


def _lines_of(value, sources: dict) -> tuple[str, ...]:
    """The source lines a value was written on, each stripped (one value may span several lines;
    a merged one, several files: each file's lines in the order the value meets them)."""
    spans = [s for s in _spans(value) if s.file in sources]
    out: list[str] = []
    for file in dict.fromkeys(s.file for s in spans):
        text = sources[file].splitlines()

        def end(s: Span) -> int:  # a clause's span runs on to the next line's indentation: not that line
            line = text[s.end_line - 1] if s.end_line <= len(text) else ""
            return s.end_line - 1 if s.end_line > s.line and not line[: s.end_column - 1].strip() else s.end_line

        mine = [s for s in spans if s.file == file]
        lines = text[min(s.line for s in mine) - 1:max(end(s) for s in mine)]
        out += [" ".join(line.split()) for line in lines if line.strip() and not line.strip().startswith("#")]
    return tuple(out)


def _label_text(label) -> str:
    return f'"{label.ja}"' + (f' en "{label.en}"' if label.en else "")


def words(value, keyword: str, sources: dict) -> tuple[str, ...]:
    """A clause as the author wrote it; an element per line for clauses written one per line."""
    if value == () and keyword == "deadline":
        return ("deadlines unknown",)
    if value is None or value == () or value is False:
        return ()
    if value is True:
        return (keyword,)
    if isinstance(value, ast.Label):
        return (f"{keyword} {_label_text(value)}",)
    if isinstance(value, tuple) and value and isinstance(value[0], datetime.date):
        return (f"in force {value[0]} .. {value[1]}",)
    if isinstance(value, tuple) and value and attrs.has(type(value[0])) and keyword in ("deadline", "at most", "at least"):
        return tuple(line for v in value for line in _lines_of(v, sources))
    return _lines_of(value, sources) or (f"{keyword} {value}",)


# ---------------------------------------------------------------- comparing two policies
def _clauses(old, new, table, key, path, sources_old, sources_new) -> list[Clause]:
    out = []
    for field, keyword in table:
        a, b = getattr(old, field), getattr(new, field)
        if bare(a) != bare(b):
            was, now = words(a, keyword, sources_old), words(b, keyword, sources_new)
            if keyword in ("deadline", "at most", "at least"):  # one element a line: only the lines that differ
                was, now = tuple(x for x in was if x not in now), tuple(x for x in now if x not in was)
            out.append(Clause(key=key, path=path, field=field, keyword=keyword, old=was, new=now))
    return out


def _amount_clauses(old: tuple, new: tuple, key, path, so, sn) -> list[Clause]:
    out = []
    olds, news = {a.name: a for a in old}, {a.name: a for a in new}
    for name in list(olds) + [n for n in news if n not in olds]:
        a, b = olds.get(name), news.get(name)
        here = path + (name,)
        if a is None or b is None:
            out.append(Clause(key=key, path=here, field=None, keyword="amount",
                              old=_lines_of(a, so)[:1] if a else (), new=_lines_of(b, sn)[:1] if b else ()))
        elif bare(a) != bare(b):
            out += _clauses(a, b, AMOUNT_CLAUSES, key, here, so, sn)
            out += _amount_clauses(a.parts, b.parts, key, here, so, sn)
    return out


def _definition_clauses(a, b, key, so, sn) -> list[Clause]:
    if isinstance(a, ast.FrameDef) and isinstance(b, ast.FrameDef):
        return _clauses(a, b, FRAME_CLAUSES, key, (), so, sn) + _amount_clauses(a.amounts, b.amounts, key, (), so, sn)
    if isinstance(a, ast.RuleDef) and isinstance(b, ast.RuleDef):
        table = (("label", "label"), ("source", "source"), ("help", "help"), ("body", a.kind))
        return _clauses(a, b, table, key, (), so, sn)
    if isinstance(a, ast.Programme) and isinstance(b, ast.Programme):
        table = (("title", "title"), ("year", "year"), ("in_force", "in force"), ("applied_on", "applied on"), ("sources", "source"))
        return [c for c in _clauses(a, b, table, key, (), so, sn)]
    # inputs, records, enums, tables: element by element (a field, a member, a row), each in its own words
    elements = {ast.InputDef: ("fields", lambda e: e.name), ast.RecordDef: ("fields", lambda e: e.name),
                ast.EnumDef: ("members", lambda e: e.name), ast.TableDef: ("rows", lambda e: e.key.text)}
    attribute, name = elements.get(type(b), (None, None))
    if attribute is None or type(a) is not type(b):
        return [Clause(key=key, path=(), field=None, keyword=key[0], old=_lines_of(a, so), new=_lines_of(b, sn))]
    olds = {name(e): e for e in getattr(a, attribute)}
    news = {name(e): e for e in getattr(b, attribute)}
    old_lines, new_lines = [], []
    for n in list(olds) + [n for n in news if n not in olds]:
        if bare(olds.get(n)) != bare(news.get(n)):
            old_lines += _lines_of(olds.get(n), so)
            new_lines += _lines_of(news.get(n), sn)
    rest = [f for f in attrs.fields(type(b)) if f.name not in (attribute, "span", "given", "removed")]
    for f in rest:
        if bare(getattr(a, f.name)) != bare(getattr(b, f.name)):
            old_lines += words(getattr(a, f.name), f.name, so)
            new_lines += words(getattr(b, f.name), f.name, sn)
    return [Clause(key=key, path=(), field=None, keyword=key[0], old=tuple(old_lines), new=tuple(new_lines))]


def compare(old: PolicyItems, new: PolicyItems) -> tuple[DefinitionChange, ...]:
    """Every added, removed, amended, overridden or otherwise changed definition, in the new
    policy's order (removed ones where the old policy had them)."""
    olds = {key_of(i): i for i in old.items if key_of(i)}
    news = {key_of(i): i for i in new.items if key_of(i)}
    order = list(news) + [k for k in olds if k not in news]
    changes = []
    for key in order:
        a, b = olds.get(key), news.get(key)
        label = getattr(b or a, "label", None)
        label_text = label.ja if isinstance(label, ast.Label) else None
        if key[0] == "programme":
            label_text = (b or a).name
        if a is None:
            changes.append(DefinitionChange(kind=key[0], name=key[1], change="added", label=label_text,
                                            clauses=(Clause(key=key, path=(), field=None, keyword=key[0], old=(),
                                                            new=_lines_of(b, new.sources)[:1]),)))
        elif b is None:
            changes.append(DefinitionChange(kind=key[0], name=key[1], change="removed", label=label_text,
                                            clauses=(Clause(key=key, path=(), field=None, keyword=key[0],
                                                            old=_lines_of(a, old.sources)[:1], new=()),)))
        elif bare(a) != bare(b):
            how = {"override": "overridden", "amend": "amended"}.get(new.own.get(key), "changed")
            changes.append(DefinitionChange(kind=key[0], name=key[1], change=how, label=label_text,
                                            clauses=tuple(_definition_clauses(a, b, key, old.sources, new.sources))))
    return tuple(changes)


# ---------------------------------------------------------------- one clause taken from the other policy
def _take(items: list, index: int | None, theirs) -> None:
    """items[index] becomes `theirs`: removed where the other policy has none, added where this one has none."""
    if theirs is None and index is not None:
        del items[index]
    elif theirs is not None and index is None:
        items.append(theirs)
    elif theirs is not None:
        items[index] = theirs


def _navigate_set(item, path: tuple[str, ...], field: str | None, value_from):
    """`item` with the amount at `path` (or its clause `field`) taken from `value_from` (the same
    item in the other policy, or None where it is absent there)."""
    if not path:
        return attrs.evolve(item, **{field: getattr(value_from, field)})
    attribute = "amounts" if isinstance(item, ast.FrameDef) else "parts"
    parts = list(getattr(item, attribute))
    theirs = {a.name: a for a in getattr(value_from, attribute)} if value_from is not None else {}
    index = next((i for i, a in enumerate(parts) if a.name == path[0]), None)
    source = theirs.get(path[0])
    if len(path) == 1 and field is None:  # the whole amount: added, removed or replaced
        _take(parts, index, source)
    elif index is not None and source is not None:
        parts[index] = _navigate_set(parts[index], path[1:], field, source)
    return attrs.evolve(item, **{attribute: tuple(parts)})


def with_clause(target: PolicyItems, other: PolicyItems, clause: Clause) -> tuple:
    """`target`'s items with `clause` as `other` has it."""
    theirs = next((i for i in other.items if key_of(i) == clause.key), None)
    items = list(target.items)
    index = next((n for n, i in enumerate(items) if key_of(i) == clause.key), None)
    if clause.field is None and not clause.path:  # the whole definition
        _take(items, index, theirs)
    elif index is not None and theirs is not None:
        items[index] = _navigate_set(items[index], clause.path, clause.field, theirs)
    return tuple(items)
