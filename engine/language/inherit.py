"""Next year's policy as a small change to last year's: `extends "../2024"` then new definitions,
`override` (replace whole), `amend` (change only the lines written) and `remove`.

Works on AST items: the result is one list of items, as if the author had written the merged
policy, each node keeping the span of the file it came from (so traces cite the right year)."""

from __future__ import annotations

import difflib

import attrs

from engine.i18n import N_
from engine.language import ast
from engine.language.diagnostics import Diagnostic, Phrase, phrase

_AMOUNT_FIELDS = {"label": "label", "source": "source", "help": "help", "base": "base", "bands": "bands",
                  "round_down": "round_down", "caps": "caps", "floors": "floors", "for_each": "for_each"}
_FRAME_FIELDS = {"label": "label", "source": "source", "help": "help", "requires": "requires", "exclusions": "exclusions",
                 "steps": "steps", "covers": "covers", "deadlines": "deadlines", "caps": "caps", "floors": "floors",
                 "earlier_unknown": "earlier_unknown"}


def kind_and_name(item) -> tuple[str, str] | None:
    if isinstance(item, ast.RuleDef):
        return item.kind, item.name
    if isinstance(item, ast.FrameDef):
        return "frame", item.name
    if isinstance(item, ast.TableDef):
        return "table", item.name
    if isinstance(item, ast.EnumDef):
        return "enum", item.name
    if isinstance(item, ast.RecordDef):
        return "record", item.name
    if isinstance(item, ast.InputDef) and item.group is not None:
        return "input", item.group
    return None


class _Merge:
    def __init__(self, base_items: list, base_name):  # the base's folder as `extends` names it, or a Phrase
        self.items = list(base_items)
        self.base_name = base_name
        self.diagnostics: list[Diagnostic] = []

    def error(self, message, span, help=None, **values) -> None:
        """`message`: a mark N_(key, English msgid) filled with `values`."""
        self.diagnostics.append(Diagnostic("error", phrase(message, **values), span, help))

    def find(self, kind: str, name: str, span, verb: str) -> int | None:
        for i, item in enumerate(self.items):
            if kind_and_name(item) == (kind, name):
                return i
        same_kind = [kn[1] for kn in map(kind_and_name, self.items) if kn and kn[0] == kind]
        close = difflib.get_close_matches(name, same_kind, n=1, cutoff=0.5)
        self.error(N_("inherit.not_in_base", "{verb} {kind} {name}: {base} has no {kind} {name}"), span,
                   phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None,
                   verb=verb, kind=kind, name=name, base=self.base_name)
        return None

    # ------------------------------------------------------------ amend
    def amend_amounts(self, base: tuple, patch: tuple, removed: tuple, where: Phrase) -> tuple:
        parts = list(base)
        for name in removed:
            index = next((i for i, p in enumerate(parts) if p.name == name.text), None)
            if index is None:
                self.error(N_("inherit.no_amount", "remove amount {name}: {where} has no amount {name}"), name.span, name=name.text, where=where)
            else:
                del parts[index]
        for p in patch:
            index = next((i for i, b in enumerate(parts) if b.name == p.name), None)
            if index is None:
                parts.append(p)
            else:
                parts[index] = self.amend_amount(parts[index], p)
        return tuple(parts)

    def amend_amount(self, base: ast.AmountDef, patch: ast.AmountDef) -> ast.AmountDef:
        changes = {field: getattr(patch, field) for key, field in _AMOUNT_FIELDS.items() if key in patch.given}
        if "round_down" in patch.given:  # the `round down` line brings its own source (or none)
            changes["round_source"] = patch.round_source
        changes["parts"] = self.amend_amounts(base.parts, patch.parts, patch.removed, phrase(N_("inherit.amount", "amount {name}"), name=base.name))
        # an amount still `like` another (resolved after the frames) states the lines of both
        changes["given"] = base.given | patch.given
        if patch.like is not None:
            changes["like"] = patch.like
        return attrs.evolve(base, **changes)

    def amend_frame(self, base: ast.FrameDef, patch: ast.FrameDef) -> ast.FrameDef:
        changes = {field: getattr(patch, field) for key, field in _FRAME_FIELDS.items() if key in patch.given}
        changes["amounts"] = self.amend_amounts(base.amounts, patch.amounts, patch.removed, phrase(N_("inherit.frame", "frame {name}"), name=base.name))
        return attrs.evolve(base, **changes)

    def amend_table(self, base: ast.TableDef, patch: ast.TableDef) -> ast.TableDef:
        if [c.text for c in patch.columns] != [c.text for c in base.columns]:
            self.error(N_("inherit.table_columns", "amend table {table}: the columns must be those of {base}: {columns}"), patch.span,
                       table=base.name, base=self.base_name, columns=", ".join(c.text for c in base.columns))
            return base
        rows = {r.key.text: r for r in base.rows}
        rows.update({r.key.text: r for r in patch.rows})
        return attrs.evolve(base, rows=tuple(rows.values()), source=patch.source or base.source, label=patch.label or base.label,
                            key_input=patch.key_input or base.key_input)

    def amend_enum(self, base: ast.EnumDef, patch: ast.EnumDef) -> ast.EnumDef:
        existing = {m.name for m in base.members}
        for m in patch.members:
            if m.name in existing:
                self.error(N_("inherit.member_exists", "amend enum {enum}: {member} is already a member"), m.span, enum=base.name, member=m.name)
        return attrs.evolve(base, members=base.members + tuple(m for m in patch.members if m.name not in existing),
                            label=patch.label or base.label)

    def amend_input(self, base: ast.InputDef, patch: ast.InputDef) -> ast.InputDef:
        fields = {f.name: f for f in base.fields}
        fields.update({f.name: f for f in patch.fields})
        return attrs.evolve(base, fields=tuple(fields.values()), label=patch.label or base.label)

    _AMENDERS = {ast.FrameDef: "amend_frame", ast.TableDef: "amend_table", ast.EnumDef: "amend_enum", ast.InputDef: "amend_input"}

    # ------------------------------------------------------------ the derived policy's items
    def apply(self, item) -> None:
        if isinstance(item, (ast.Include, ast.Extends)):
            return
        if isinstance(item, ast.Programme):
            self.programme(item)
        elif isinstance(item, ast.Override):
            kind, name = kind_and_name(item.item)
            index = self.find(kind, name, item.span, "override")
            if index is not None:
                self.items[index] = item.item
        elif isinstance(item, ast.Amend):
            kind, name = kind_and_name(item.item)
            index = self.find(kind, name, item.span, "amend")
            if index is not None:
                self.items[index] = getattr(self, self._AMENDERS[type(item.item)])(self.items[index], item.item)
        elif isinstance(item, ast.Remove):
            index = self.find(item.kind, item.name.text, item.name.span, "remove")
            if index is not None:
                del self.items[index]
        else:
            key = kind_and_name(item)
            if key is not None:
                clash = next((b for b in self.items if kind_and_name(b) == key), None)
                if clash is not None:
                    self.error(N_("inherit.defined_in_base", "{kind} {name} is already defined in {base} (at {at}); "
                                                             "write `override {kind} …` or `amend {kind} …`"), item.span,
                               kind=key[0], name=key[1], base=self.base_name, at=clash.span)
                    return
            self.items.append(item)

    def programme(self, item: ast.Programme) -> None:
        index = next((i for i, b in enumerate(self.items) if isinstance(b, ast.Programme)), None)
        if index is None:
            self.items.insert(0, item)
            return
        base = self.items[index]
        sources = {s.key: s for s in base.sources}
        sources.update({s.key: s for s in item.sources})
        self.items[index] = attrs.evolve(
            item, sources=tuple(sources.values()), title=item.title or base.title, in_force=item.in_force or base.in_force,
            applied_on=item.applied_on or base.applied_on, year=item.year or base.year,
        )


def derive_frames(items: list) -> tuple[list, list[Diagnostic]]:
    """Each `frame B "…" like A:` as A with the lines B states, as `amend frame` changes a base
    year's frame: a line B states replaces A's line (all of A's `requires` for B's `requires`), an
    amount of A's name is amended line by line, a new one is added, `remove amount` drops one. B
    keeps its own name, label (A's if it gives none) and position; A may itself be `like` another."""
    frames = {item.name: item for item in items if isinstance(item, ast.FrameDef)}
    done: dict[str, ast.FrameDef] = {}
    m = _Merge([], phrase(N_("inherit.this_policy", "this policy")))
    structural: list[str] = []  # a `like` that leads nowhere: what follows from it is not reported

    def resolve(frame: ast.FrameDef, chain: tuple[str, ...]) -> ast.FrameDef:
        if frame.like is None or frame.name in done:
            return done.get(frame.name, frame)
        base_name = frame.like.text
        if base_name in chain + (frame.name,):
            m.error(N_("inherit.like_cycle", "frames are like each other in a circle: {chain}"), frame.like.span,
                    phrase(N_("hint.like_cycle", "one of them must state its lines itself")), chain=" -> ".join(chain + (frame.name, base_name)))
            structural.append(frame.name)
            return attrs.evolve(frame, like=None)
        base = frames.get(base_name)
        if base is None:
            close = difflib.get_close_matches(base_name, list(frames), n=1, cutoff=0.5)
            m.error(N_("inherit.like_unknown", "frame {frame} is like {base}, but this policy has no frame {base}"), frame.like.span,
                    phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None, frame=frame.name, base=base_name)
            structural.append(frame.name)
            return attrs.evolve(frame, like=None)
        merged = m.amend_frame(resolve(base, chain + (frame.name,)), frame)
        done[frame.name] = attrs.evolve(merged, name=frame.name, span=frame.span, like=None, label=frame.label or base.label)
        return done[frame.name]

    out = [resolve(item, ()) if isinstance(item, ast.FrameDef) else item for item in items]
    if structural:
        return out, [d for d in m.diagnostics if d.message.startswith(("frames are like", "frame "))]
    return out, m.diagnostics


_CHANGED_LINES = ("base", "bands", "round_down", "caps", "floors", "parts", "for_each")


def derive_amounts(items: list) -> tuple[list, list[Diagnostic]]:
    """Each `amount B "…" like F.A:` as amount A of frame F with the lines B states, as `amend`
    changes an amount (a line B states replaces A's, a part of A's name is amended, `remove amount`
    drops one). `like A` names an amount of the same frame, or else of the one frame that has an
    amount A. B keeps its name, position and label (A's if it gives none); A may itself be `like`
    another. Run after the frames are derived, so A may be one a frame took from the frame it is like."""
    frames = {item.name: item for item in items if isinstance(item, ast.FrameDef)}
    index = {name: _amounts_by_name(frame) for name, frame in frames.items()}
    m = _Merge([], phrase(N_("inherit.this_policy", "this policy")))
    done: dict[int, ast.AmountDef] = {}

    def find(frame_name: str, amount: ast.AmountDef) -> tuple[str, ast.AmountDef] | None:
        frame_ref, target = amount.like
        shown = f"{frame_ref.text}.{target.text}" if frame_ref is not None else target.text
        if frame_ref is not None:
            if frame_ref.text not in frames:
                close = difflib.get_close_matches(frame_ref.text, list(frames), n=1, cutoff=0.5)
                m.error(N_("inherit.amount_like_no_frame", "amount {amount} is like {like}, but this policy has no frame {frame}"), frame_ref.span,
                        phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None, amount=amount.name, like=shown, frame=frame_ref.text)
                return None
            found = index[frame_ref.text].get(target.text)
            if found is None:
                close = difflib.get_close_matches(target.text, list(index[frame_ref.text]), n=1, cutoff=0.5)
                m.error(N_("inherit.amount_like_no_amount", "amount {amount} is like {like}, but frame {frame} has no amount {target}"),
                        target.span, phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None, amount=amount.name, like=shown, frame=frame_ref.text, target=target.text)
                return None
            return frame_ref.text, found
        if target.text in index[frame_name]:
            return frame_name, index[frame_name][target.text]
        owners = [name for name, amounts in index.items() if target.text in amounts]
        if len(owners) == 1:
            return owners[0], index[owners[0]][target.text]
        if owners:
            m.error(N_("inherit.amount_like_ambiguous", "amount {amount} is like {target}, an amount of more than one frame ({frames})"),
                    target.span, phrase(N_("hint.name_the_frame", "name the frame: `like {frame}.{target}`"), frame=owners[0], target=target.text),
                    amount=amount.name, target=target.text, frames=", ".join(owners))
        else:
            names = sorted({n for amounts in index.values() for n in amounts})
            close = difflib.get_close_matches(target.text, names, n=1, cutoff=0.5)
            m.error(N_("inherit.amount_like_nowhere", "amount {amount} is like {target}, but no frame of this policy has an amount {target}"),
                    target.span, phrase(N_("hint.did_you_mean", "did you mean {name}?"), name=close[0]) if close else None, amount=amount.name, target=target.text)
        return None

    def resolve(frame_name: str, amount: ast.AmountDef, chain: tuple) -> ast.AmountDef:
        if id(amount) in done:
            return done[id(amount)]
        parts = tuple(resolve(frame_name, p, chain) for p in amount.parts)
        result = attrs.evolve(amount, parts=parts) if parts != amount.parts else amount
        if amount.like is not None:
            found = find(frame_name, amount)
            if found is None:
                result = attrs.evolve(result, like=None)
            elif found[1] is amount or any(seen == id(found[1]) for seen, _ in chain):
                circle = " -> ".join([n for _, n in chain] + [f"{frame_name}.{amount.name}", f"{found[0]}.{found[1].name}"])
                m.error(N_("inherit.amount_like_cycle", "amounts are like each other in a circle: {chain}"), amount.like[1].span,
                        phrase(N_("hint.like_cycle", "one of them must state its lines itself")), chain=circle)
                result = attrs.evolve(result, like=None)
            else:
                base_frame, base = found
                resolved = resolve(base_frame, base, chain + ((id(amount), f"{frame_name}.{amount.name}"),))
                merged = m.amend_amount(resolved, attrs.evolve(result, like=None))
                changed = tuple(k for k in _CHANGED_LINES if k in amount.given or (k == "parts" and "remove_amount" in amount.given))
                derived = ast.AmountLike(frame=base_frame, amount=base.name, frame_label=frames[base_frame].label,
                                         amount_label=resolved.label, changed=changed)
                result = attrs.evolve(merged, name=amount.name, span=amount.span, like=None, derived=derived,
                                      label=amount.label or resolved.label)
        done[id(amount)] = result
        return result

    out = []
    for item in items:
        if isinstance(item, ast.FrameDef):
            item = attrs.evolve(item, amounts=tuple(resolve(item.name, a, ()) for a in item.amounts))
        out.append(item)
    return out, m.diagnostics


def _amounts_by_name(frame: ast.FrameDef) -> dict[str, ast.AmountDef]:
    """A frame's amounts at any depth, by name (the first of a name, outermost first)."""
    found: dict[str, ast.AmountDef] = {}
    pending = list(frame.amounts)
    while pending:
        amount = pending.pop(0)
        found.setdefault(amount.name, amount)
        pending.extend(amount.parts)
    return found


def merge(base_items: list, derived_items: list, base_name: str) -> tuple[list, list[Diagnostic]]:
    """The derived policy's items applied on the base's; and every problem found."""
    m = _Merge(base_items, base_name)
    for item in derived_items:
        m.apply(item)
    return m.items, m.diagnostics
