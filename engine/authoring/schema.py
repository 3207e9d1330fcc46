"""The JSON Schema of a case, derived from the policy's input declarations (draft 2020-12)."""

from __future__ import annotations

from engine.tree import nodes as tree
from engine.evaluate.case import DATE_PATTERN, PERCENT_PATTERN, RATIO_PATTERN, max_items
from engine.language.literals import MAX_LITERAL
from engine.explain.render_json import value

_SCALARS = {
    "yen": {"type": "integer", "minimum": 0, "maximum": MAX_LITERAL, "description_suffix": "円 (whole yen)"},
    "count": {"type": "integer", "minimum": 0, "maximum": MAX_LITERAL},  # as the case reader: larger is a typo
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    # the case reader's own patterns (engine.evaluate.case): "1/2", "0.5", "1", "50%", or a number;
    # the 0…1 range of a string is checked there
    "ratio": {"anyOf": [{"type": "string", "pattern": RATIO_PATTERN},
                        {"type": "string", "pattern": PERCENT_PATTERN},
                        {"type": "number", "minimum": 0, "maximum": 1}]},
}


def _label(label: tree.Label | None) -> dict:
    if label is None:
        return {}
    out = {"title": label.ja}
    if label.en:
        out["description"] = label.en
    return out


def _field(policy: tree.Policy, f: tree.Field) -> dict:
    if f.kind == "enum":
        schema = {"type": "string", "enum": [m for m, _ in policy.enums[f.type_name].members]}
    elif f.kind == "list" and f.element == "enum":
        schema = {"type": "array", "maxItems": max_items(), "items": {"type": "string", "enum": [m for m, _ in policy.enums[f.type_name].members]}}
    elif f.kind == "list":
        schema = {"type": "array", "maxItems": max_items(), "items": _record(policy, policy.records[f.type_name])}
    else:
        schema = {k: v for k, v in _SCALARS[f.kind].items() if k != "description_suffix"}
        if f.maximum is not None:
            schema["maximum"] = f.maximum
        if f.signed:  # a loss: as low as the largest amount is high
            schema["minimum"] = -MAX_LITERAL
    schema.update(_label(f.label))
    if f.default is not None:
        schema["default"] = value(f.default)
    if f.optional:
        schema = {"anyOf": [schema, {"type": "null"}], **_label(f.label)}
    return schema


def _object(policy: tree.Policy, fields, label=None) -> dict:
    return {
        "type": "object",
        **_label(label),
        "properties": {f.name: _field(policy, f) for f in fields},
        "required": [f.name for f in fields if not f.optional and f.default is None],
        "additionalProperties": False,
    }


def _record(policy: tree.Policy, record: tree.Record) -> dict:
    return _object(policy, record.fields, record.label)


def case_schema(policy: tree.Policy) -> dict:
    top = [f for g in policy.groups if g.name is None for f in g.fields]
    schema = _object(policy, top)
    for g in policy.groups:
        if g.name is None:
            continue
        schema["properties"][g.name] = _object(policy, g.fields, g.label)
        if any(not f.optional and f.default is None for f in g.fields):
            schema["required"].append(g.name)
    schema["properties"]["description"] = {"type": "string", "title": "what this case demonstrates"}
    schema["properties"]["expected"] = {"type": "object", "title": "the decision `policy test` expects"}
    schema["properties"]["frame"] = {"anyOf": [{"type": "string", "enum": [f.name for f in policy.frames]},
                                               {"type": "array", "items": {"type": "string", "enum": [f.name for f in policy.frames]}}],
                                     "title": "evaluate only this frame (or these)"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"{policy.programme} case", **schema}
