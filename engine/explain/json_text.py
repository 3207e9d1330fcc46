"""A decision's JSON data as text: orjson when it is installed (the `population` and `serve` extras;
8–10× faster than the standard library on a traced decision), the standard library otherwise, and
for what orjson refuses (an integer past 64 bits, a lone surrogate). Either way the same bytes:
tests/test_json_text.py holds the two equal on every example's traced decision.

Our JSON data holds no floats (render_json.value refuses them), the one place the two encoders'
spellings differ."""

from __future__ import annotations

import json

try:
    import orjson
except ImportError:  # pragma: no cover - the extras install it; the core install works without
    orjson = None


def compact(data, default=None) -> bytes:
    """UTF-8, no spaces: json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=default),
    encoded (batch records, the service's answers and its decision log). A lone surrogate (valid in
    JSON as "\\ud800", not encodable as UTF-8) can only stand inside a string, where its backslash
    escape is exactly its JSON spelling."""
    if orjson is not None:
        try:
            return orjson.dumps(data, default=default)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return stdlib_compact(data, default)


def stdlib_compact(data, default=None) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=default).encode("utf-8", "backslashreplace")


def indented(data) -> str:
    """json.dumps(data, ensure_ascii=False, indent=2): `policy eval --format json`'s text."""
    if orjson is not None:
        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(data, ensure_ascii=False, indent=2)
