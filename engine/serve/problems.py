"""Every error the service answers, as an RFC 9457 problem (`application/problem+json`): a stable
`type` URI and `code` per kind of error, its `title` and `detail` in the request's language (`?lang=`,
Japanese by default, as every other answer), the `instance` (the request's path), and the errors of
each field as `errors: [{field, got, expected, message}]` (a case that does not fit: also the field's
`label`, the kind of problem `code` and what the field `accepts`, engine/evaluate/case_problems.py).
Titles, descriptions and messages are the catalogue's (engine/serve/messages.py, domain "serve").

The kinds below are the catalogue: the answers, `/openapi.json` and the `/docs` page are all
written from it, so a new kind is documented the day it is added."""

from __future__ import annotations

import json

import attrs

from engine import __version__
from engine.serve.messages import Joined, Said, said

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "/problems/"  # a URI reference resolved against the service's own address; GET it for the description


@attrs.frozen
class Kind:
    code: str
    status: int

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.code

    @property
    def title(self) -> Said:
        return said(f"kind.{self.code}.title")

    @property
    def description(self) -> Said:
        """When it happens and what to do: the /docs page and /problems/{code}."""
        return said(f"kind.{self.code}.description")


def _kinds(*kinds: Kind) -> dict[str, Kind]:
    return {k.code: k for k in kinds}


# Their titles and descriptions are in the catalogue (engine/serve/messages.py, kind.<code>.*).
KINDS = _kinds(
    Kind("not_utf8", 400),
    Kind("malformed_json", 400),
    Kind("bad_query", 400),
    Kind("bad_batch", 400),
    Kind("no_route", 404),
    Kind("unknown_year", 404),
    Kind("unknown_definition", 404),
    Kind("method_not_allowed", 405),
    Kind("body_timeout", 408),
    Kind("body_too_large", 413),
    Kind("batch_too_large", 413),
    Kind("trace_too_large", 413),
    Kind("header_too_large", 431),
    Kind("header_timeout", 408),
    Kind("invalid_case", 422),
    Kind("no_year_in_force", 422),
    Kind("unknown_frame", 422),
    Kind("internal_error", 500),
    Kind("log_unavailable", 503),
    Kind("decision_timeout", 504),
)

_BY_STATUS = {400: "malformed_json", 404: "no_route", 408: "body_timeout", 413: "body_too_large", 422: "invalid_case",
              500: "internal_error", 503: "log_unavailable", 504: "decision_timeout"}


def text(value, lang: str) -> str:
    return value.in_(lang) if isinstance(value, (Said, Joined)) else value


class Problem(Exception):
    """A request the service cannot answer: its kind (`code`; a bare status picks that status's usual
    kind), the errors as [{field, message, got?, expected?}] (a message is a str, or Said: put into
    words in the answer's language), and a `detail` (Said) when the first error's message is not the right summary."""

    def __init__(self, code: str | int, errors: list[dict], year=None, extra: dict | None = None, *,
                 status: int | None = None, detail: Said | None = None):
        if isinstance(code, int):
            status, code = code, _BY_STATUS.get(code, "internal_error")
        self.kind = KINDS[code]
        self.status = status or self.kind.status
        self.errors, self.year, self.extra, self.detail = errors, year, extra or {}, detail
        super().__init__("; ".join(f"{e['field']}: {text(e['message'], 'en')}" if e.get("field") else text(e["message"], "en")
                                   for e in errors))

    @property
    def code(self) -> str:
        return self.kind.code

    def body(self, lang: str = "ja", instance: str | None = None) -> dict:
        errors = [field_error(e, lang) for e in self.errors]
        if self.detail is not None:
            detail = self.detail.in_(lang)
        elif len(errors) == 1:
            detail = f"{_named(errors[0])}: {errors[0]['message']}" if _named(errors[0]) else errors[0]["message"]
        else:
            detail = said("detail.count", n=len(errors)).in_(lang) + Joined(tuple(_named(e) or "—" for e in errors)).in_(lang)
        out = {"type": self.kind.type, "code": self.kind.code, "title": self.kind.title.in_(lang), "status": self.status,
               "detail": detail, **({"instance": instance} if instance else {}), "errors": errors, "engine_version": __version__, **self.extra}
        if self.year is not None:
            out["policy"] = {"year": self.year.policy.year, "folder": self.year.name, "programme": self.year.policy.programme,
                             "content_hash": self.year.content_hash}
        return out


def _named(error: dict) -> str | None:
    """A field as the detail names it: as its message does (the labels in Japanese), else by its path."""
    return error.get("label") or error["field"]


def field_error(error: dict, lang: str) -> dict:
    """{field, got, expected, message}, and as the case reader gives them, the field's `label` (as the
    message names it), the kind of problem (`code`) and what the field `accepts` as data. `got` is the
    value as the message quotes it; `expected`, what the field takes in words (null where nothing is
    expected of a value: a malformed body, an internal error)."""
    expected = error.get("expected")
    out = {"field": error.get("field"), "got": error.get("got"), "expected": text(expected, lang) if expected is not None else None,
           "message": text(error["message"], lang)}
    for key in ("label", "code", "accepts"):
        if error.get(key) is not None:
            out[key] = text(error[key], lang)
    return out


def plain(kind: str, lang: str, message: Said | str, status: int | None = None, **extra) -> dict:
    """The body of a problem raised outside a handler (a late request, a bug)."""
    return Problem(kind, [{"field": None, "message": message}], extra=extra, status=status).body(lang)


def encoded(kind: str, message: str, lang: str = "ja") -> bytes:
    """A problem as bytes, for the answers made below the application (the header limits)."""
    return json.dumps(plain(kind, lang, message), ensure_ascii=False).encode("utf-8")
