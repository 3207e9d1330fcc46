"""The service's own words (domain "serve", engine/locale/<lang>/LC_MESSAGES/serve.po): the kinds of
error (title and description), the messages of its problems (the query, the body, the limits, the
routes, the years) and the words of the /docs page. A message is kept as a key and its values
(`said`) and put into words once the request's language is known (`Said.in_`): a Problem carries it
unsaid, and its body says it in `?lang=`."""

from __future__ import annotations

import attrs

from engine.i18n import N_, catalogue, say

SOURCE = catalogue([
    # the kinds of error, by code (engine/serve/problems.py KINDS): a title, and when it happens and what to do
    N_("kind.not_utf8.title", "The body is not UTF-8"),
    N_("kind.not_utf8.description", "Send the request body as UTF-8 text."),
    N_("kind.malformed_json.title", "The body is not valid JSON"),
    N_("kind.malformed_json.description", "The body's JSON has a syntax error, a key given twice, or nesting too deep; errors[].message says where."),
    N_("kind.bad_query.title", "A query parameter is wrong"),
    N_("kind.bad_query.description", "An unknown parameter, a wrong value, or a parameter given more than once (only frame may repeat); field is ?name."),
    N_("kind.bad_batch.title", "The batch is not a list of cases"),
    N_("kind.bad_batch.description", "The body of /v1/batch is a JSON list of cases, or an object {\"cases\": [...]}."),
    N_("kind.no_route.title", "No such route"),
    N_("kind.no_route.description", "The routes are listed in /openapi.json and on /docs."),
    N_("kind.unknown_year.title", "No such policy year"),
    N_("kind.unknown_year.description", "The years served are in years_available. Asked by the query's ?year=, the status is 422."),
    N_("kind.unknown_definition.title", "No definition of that name"),
    N_("kind.unknown_definition.description", "The name of /v1/rules/{name} is no input, rule, value, exclusion, step, table or frame of the year; /v1/rules lists them."),
    N_("kind.method_not_allowed.title", "Method not allowed"),
    N_("kind.method_not_allowed.description", "The Allow header lists the methods the route takes."),
    N_("kind.body_timeout.title", "The body did not arrive in time"),
    N_("kind.body_timeout.description", "The body did not arrive within --request-timeout; the connection is closed. Send the whole body at once."),
    N_("kind.body_too_large.title", "The body is too large"),
    N_("kind.body_too_large.description", "The body is past --max-body (16 times that for a batch); send one case per request, or fewer cases per batch."),
    N_("kind.batch_too_large.title", "Too many cases in one batch"),
    N_("kind.batch_too_large.description", "A batch holds at most --max-batch cases."),
    N_("kind.trace_too_large.title", "The traced decision is too large"),
    N_("kind.trace_too_large.description", "The decision with its trace is past --max-trace bytes; it was not logged. Ask without trace=true, or with fewer items."),
    N_("kind.header_too_large.title", "The request headers are too large"),
    N_("kind.header_too_large.description", "The request line and headers are past --max-header; the connection is closed."),
    N_("kind.header_timeout.title", "The headers did not arrive in time"),
    N_("kind.header_timeout.description", "The request line and headers did not arrive within --header-timeout; the connection is closed."),
    N_("kind.invalid_case.title", "The case does not fit the policy"),
    N_("kind.invalid_case.description", "Each item of errors[] names the field's path (field), the value it got, what was expected and why."),
    N_("kind.no_year_in_force.title", "No policy year is in force on the date"),
    N_("kind.no_year_in_force.description", "The case's application date is in no year's call; ?year= pins a year."),
    N_("kind.unknown_frame.title", "No such frame"),
    N_("kind.unknown_frame.description", "?frame= or the case's frame names a frame the policy does not have; give a frame's name or label."),
    N_("kind.internal_error.title", "Internal error"),
    N_("kind.internal_error.description", "A bug of the engine: a one-line message, never a traceback."),
    N_("kind.log_unavailable.title", "The decision log cannot be written"),
    N_("kind.log_unavailable.description", "The decision log (--log) cannot be written, so no decision is given: none is ever given unlogged."),
    N_("kind.decision_timeout.title", "The decision was not made in time"),
    N_("kind.decision_timeout.description", "The decision was not made within --request-timeout; send fewer cases per batch, or ask with what_if=false."),
    # a problem's detail when it has several errors
    N_("detail.count", "{n} problems: "),
    N_("list.and", ", "),
    N_("list.or", " or "),
    N_("hint", " (did you mean {name}?)"),
    # the body and the query
    N_("body.not_utf8", "not UTF-8 text (byte {byte} at offset {offset}); send the case as UTF-8"),
    N_("body.too_large", "the request body is larger than {limit} bytes; send one case per request, or fewer cases per batch"),
    N_("query.unknown", "unknown query parameter{hint}; the parameters are: {names}"),
    N_("query.repeated", "given {times} times; give it once"),
    N_("query.empty_year", "got '', expected a policy year such as 2024 (or leave it out: the case's date picks it)"),
    N_("query.bool", "got {got}, expected true or false"),
    N_("query.lang", "got {got}, expected one of: ja, en"),
    N_("query.form", "got {got}, expected one of: full, summary"),
    # batches and traces past their limits
    N_("batch.not_a_list", "expected a JSON list of cases, or an object {\"cases\": [...]}"),
    N_("batch.too_many", "{n} cases; a batch holds at most {most}"),
    N_("trace.too_large", "{what} {size} bytes, more than {limit} (--max-trace); {advice}"),
    N_("trace.decision", "the decision with its trace is"),
    N_("trace.batch", "the batch's traced decisions up to this one come to"),
    N_("trace.page", "the explanation page with its trace is"),
    N_("trace.advice.items", "ask without trace=true, or with fewer items"),
    N_("trace.advice.batch", "send the rest of the cases in another request, or ask without trace=true"),
    N_("trace.advice.page", "ask /v1/decide without trace=true, or with fewer items"),
    # years, frames, definitions
    N_("year.unknown", "no policy year {year}; the years available are: {available}"),
    N_("year.none_in_force", "no policy year is in force on the case's application date; years: {terms}"),
    N_("frame.unknown", "unknown frame {frames}{hint}; the policy's frames are: {known}"),
    N_("rules.unknown", "the {year} policy has nothing named {name}; /v1/rules lists everything"),
    # routes
    N_("route.none", "no such route {path}; the routes are listed in /openapi.json and /docs"),
    N_("route.method", "{path} takes {methods}, not {method}"),
    N_("route.no_file", "no such file {path}"),
    N_("route.no_kind", "no kind of error {code}"),
    # time limits, the log, bugs
    N_("late.body", "the request body did not arrive within the time limit of {limit} s; send the whole body at once"),
    N_("late.decision", "the request was not answered within the time limit of {limit} s; "
                        "send fewer cases per batch, or ask without what-ifs (?what_if=false) or traces"),
    N_("late.headers", "the request's headers did not arrive within {limit} s"),
    N_("headers.too_large", "the request's headers exceed {limit} bytes"),
    N_("log.unavailable", "{reason}"),
    N_("internal", "internal error: {name}"),
    # the /docs page and /problems/{code}
    N_("docs.title", "API reference"),
    N_("docs.routes", "Routes"),
    N_("docs.schemas", "Response types"),
    N_("docs.problems", "Kinds of error (a problem's code)"),
    N_("docs.parameters", "Parameters"),
    N_("docs.body", "Request body"),
    N_("docs.responses", "Responses"),
    N_("docs.name", "name"),
    N_("docs.in", "in"),
    N_("docs.type", "type"),
    N_("docs.required", "required"),
    N_("docs.description", "description"),
    N_("docs.status", "status"),
    N_("docs.yes", "required"),
    N_("docs.no", "optional"),
    N_("docs.cases", "The case's fields (per year)"),
    N_("docs.label", "label"),
    N_("docs.also", "For machines: "),
    N_("docs.back", "Back to the API reference"),
    N_("docs.problem_intro", "Every error is an RFC 9457 problem (application/problem+json): type leads to its entry here, code names "
                             "the kind, title and detail are in ?lang= (Japanese by default), and errors lists {field, got, expected, "
                             "message} per field; a case that does not fit adds each field's label, the kind of problem (code) "
                             "and what the field accepts, as data."),
])


def word(lang: str, key: str, /, **values) -> str:
    return say(lang, "serve", SOURCE, key, **values)


@attrs.frozen
class Said:
    """A message not yet in words: its key and values. A value that is itself Said (a hint, a list's
    separator) is put into the same language."""

    key: str
    values: tuple = ()

    def in_(self, lang: str) -> str:
        values = {k: v.in_(lang) if isinstance(v, (Said, Joined)) else v for k, v in self.values}
        return word(lang, self.key, **values)

    @property
    def ja(self) -> str:
        return self.in_("ja")

    @property
    def en(self) -> str:
        return self.in_("en")


@attrs.frozen
class Joined:
    """Names joined by the language's separator (`list.and`: 「、」 or ", "; `list.or`)."""

    names: tuple
    by: str = "list.and"

    def in_(self, lang: str) -> str:
        return word(lang, self.by).join(self.names)


def said(key: str, /, **values) -> Said:
    if key not in SOURCE:
        raise KeyError(key)  # a typo in a key fails where it is made, not when a language is asked
    return Said(key, tuple(values.items()))


def hint(close: list[str]) -> Said | str:
    """" (did you mean X?)" for the closest name, or nothing."""
    return said("hint", name=close[0]) if close else ""
