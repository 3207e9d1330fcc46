"""JSON Schema (2020-12, the dialect of OpenAPI 3.1) from attrs classes: each class becomes a named
schema, each field a property typed from its annotation. The response models (models.py) and the
policy's own classes where their JSON is the same (engine.tree.nodes.Cite) are written this way, so
`/openapi.json` and the docs page are generated from the classes, never kept beside them by hand.

Annotations understood: int, str, bool, None, float, `X | Y`, Literal[...], list[X], tuple[X, ...],
dict[str, X], Any, the markers below, and other attrs classes (a `$ref`). Field metadata: `doc`
(the description), `json` (the key when it is not a Python name, e.g. "from"), `optional` (the key
may be absent; otherwise it is required). A class with `OPEN = True` allows keys it does not name
(a trace's facts)."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

import attrs


class Rational:
    """A yen amount or rate as render_json writes it: an integer when whole, else "numerator/denominator"."""


class Date:
    """A date, "YYYY-MM-DD"."""


class JsonValue:
    """Any JSON value (a value the case or the rules gave)."""


_MARKERS = {
    Rational: {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^-?[0-9]+/[0-9]+$"}],
               "description": "an integer when whole, else a fraction \"n/d\""},
    Date: {"type": "string", "format": "date"},
    JsonValue: {},
}
_PRIMITIVE = {int: "integer", str: "string", bool: "boolean", float: "number", type(None): "null"}


def field(doc: str = "", *, optional: bool = False, json: str | None = None, default=attrs.NOTHING):
    """An attrs field with its description; `optional`: the key may be absent from the JSON."""
    metadata = {"doc": doc, "optional": optional, "json": json}
    if default is attrs.NOTHING and optional:
        default = None
    return attrs.field(default=default, metadata=metadata)


def model(cls):
    """A response model: frozen, keyword-only attrs; its docstring is its description."""
    return attrs.frozen(kw_only=True)(cls)


class Schemas:
    """The named schemas reached from the classes asked for, under `prefix` (OpenAPI's components)."""

    def __init__(self, prefix: str = "#/components/schemas/"):
        self.prefix = prefix
        self.named: dict[str, dict] = {}
        self._classes: dict[str, type] = {}

    def ref(self, cls: type) -> dict:
        name = cls.__name__
        if self._classes.setdefault(name, cls) is not cls:  # two classes, one name: a schema would silently stand for both
            raise TypeError(f"two response models are named {name}: {self._classes[name].__module__} and {cls.__module__}")
        if name not in self.named:
            self.named[name] = {}  # reserved first: a class may refer to itself (a trace's children)
            self.named[name] = self._object(cls)
        return {"$ref": self.prefix + name}

    def of(self, annotation) -> dict:
        if annotation in _MARKERS:
            return dict(_MARKERS[annotation])
        if annotation in _PRIMITIVE:
            return {"type": _PRIMITIVE[annotation]}
        if annotation is Any:
            return {}
        if attrs.has(annotation):
            return self.ref(annotation)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is Literal:
            values = list(args)
            return {"const": values[0]} if len(values) == 1 else {"enum": values}
        if origin in (types.UnionType, typing.Union):
            parts = [self.of(a) for a in args]
            simple = [p["type"] for p in parts if set(p) == {"type"}]
            if len(simple) == len(parts):
                return {"type": simple}
            return {"anyOf": parts}
        if origin in (list, tuple):
            return {"type": "array", "items": self.of(args[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(args[1])}
        raise TypeError(f"no JSON Schema for {annotation!r}")

    def _object(self, cls: type) -> dict:
        hints = typing.get_type_hints(cls)
        properties, required = {}, []
        for f in attrs.fields(cls):
            key = f.metadata.get("json") or f.name
            prop = self.of(hints[f.name])
            if f.metadata.get("doc"):
                prop = {**prop, "description": f.metadata["doc"]} if "$ref" not in prop else {"allOf": [prop], "description": f.metadata["doc"]}
            properties[key] = prop
            if not f.metadata.get("optional"):
                required.append(key)
        out = {"type": "object", "properties": properties, "required": required,
               "additionalProperties": bool(getattr(cls, "OPEN", False))}
        doc = (cls.__doc__ or "").strip()
        if doc and not doc.startswith(cls.__name__ + "("):  # attrs' generated signature is no description
            out = {"description": " ".join(doc.split()), **out}
        return out
