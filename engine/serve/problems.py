"""Every error the service answers, as an RFC 9457 problem (`application/problem+json`): a stable
`type` URI and `code` per kind of error, its `title` and `detail` in the request's language (`?lang=`,
Japanese by default, as every other answer), the `instance` (the request's path), and the errors of
each field as `errors: [{field, got, expected, message}]`.

The kinds below are the catalogue: the answers, `/openapi.json` and the `/docs` page are all
written from it, so a new kind is documented the day it is added."""

from __future__ import annotations

import json

import attrs

from engine import __version__

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "/problems/"  # a URI reference resolved against the service's own address; GET it for the description


@attrs.frozen
class Words:
    """One sentence in Japanese and English."""

    ja: str
    en: str

    def in_(self, lang: str) -> str:
        return self.en if lang == "en" else self.ja


@attrs.frozen
class Kind:
    code: str
    status: int
    title: Words
    description: Words  # when it happens and what to do: the /docs page and /problems/{code}

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.code


def _kinds(*kinds: Kind) -> dict[str, Kind]:
    return {k.code: k for k in kinds}


KINDS = _kinds(
    Kind("not_utf8", 400, Words("本文が UTF-8 ではありません", "The body is not UTF-8"),
         Words("リクエスト本文を UTF-8 で送ってください。", "Send the request body as UTF-8 text.")),
    Kind("malformed_json", 400, Words("本文が JSON として読めません", "The body is not valid JSON"),
         Words("本文の JSON に構文の誤り、重複したキー、または深すぎる入れ子があります。errors[].message が位置を示します。",
               "The body's JSON has a syntax error, a key given twice, or nesting too deep; errors[].message says where.")),
    Kind("bad_query", 400, Words("クエリパラメータが正しくありません", "A query parameter is wrong"),
         Words("知らないパラメータ、正しくない値、または2回以上指定されたパラメータです（frame だけは繰り返せます）。field は ?名前 です。",
               "An unknown parameter, a wrong value, or a parameter given more than once (only frame may repeat); field is ?name.")),
    Kind("bad_batch", 400, Words("バッチの形が正しくありません", "The batch is not a list of cases"),
         Words("/v1/batch の本文はケースの配列、または {\"cases\": [...]} です。",
               "The body of /v1/batch is a JSON list of cases, or an object {\"cases\": [...]}.")),
    Kind("no_route", 404, Words("そのパスはありません", "No such route"),
         Words("ルートの一覧は /openapi.json と /docs にあります。", "The routes are listed in /openapi.json and on /docs.")),
    Kind("unknown_year", 404, Words("その年度の制度はありません", "No such policy year"),
         Words("提供している年度は years_available にあります。クエリの ?year= で指定した場合は 422 です。",
               "The years served are in years_available. Asked by the query's ?year=, the status is 422.")),
    Kind("unknown_definition", 404, Words("その名前の定義はありません", "No definition of that name"),
         Words("/v1/rules/{name} の名前が、その年度の入力・ルール・値・除外・手続き・表・枠のどれでもありません。一覧は /v1/rules にあります。",
               "The name of /v1/rules/{name} is no input, rule, value, exclusion, step, table or frame of the year; /v1/rules lists them.")),
    Kind("method_not_allowed", 405, Words("このパスはそのメソッドを受け付けません", "Method not allowed"),
         Words("Allow ヘッダーが受け付けるメソッドを示します。", "The Allow header lists the methods the route takes.")),
    Kind("body_timeout", 408, Words("本文が時間内に届きませんでした", "The body did not arrive in time"),
         Words("--request-timeout の時間内に本文が届きませんでした。接続は閉じられます。本文は一度に送ってください。",
               "The body did not arrive within --request-timeout; the connection is closed. Send the whole body at once.")),
    Kind("body_too_large", 413, Words("本文が大きすぎます", "The body is too large"),
         Words("本文が --max-body（バッチはその16倍）を超えています。1件ずつ、またはバッチを小さくして送ってください。",
               "The body is past --max-body (16 times that for a batch); send one case per request, or fewer cases per batch.")),
    Kind("batch_too_large", 413, Words("バッチのケースが多すぎます", "Too many cases in one batch"),
         Words("1回のバッチは --max-batch 件までです。", "A batch holds at most --max-batch cases.")),
    Kind("trace_too_large", 413, Words("トレース付きの判定が大きすぎます", "The traced decision is too large"),
         Words("trace=true の判定が --max-trace バイトを超えました。判定は記録されていません。trace なしで、または経費を減らして送ってください。",
               "The decision with its trace is past --max-trace bytes; it was not logged. Ask without trace=true, or with fewer items.")),
    Kind("header_too_large", 431, Words("リクエストヘッダーが大きすぎます", "The request headers are too large"),
         Words("リクエスト行とヘッダーが --max-header を超えています。接続は閉じられます。",
               "The request line and headers are past --max-header; the connection is closed.")),
    Kind("header_timeout", 408, Words("ヘッダーが時間内に届きませんでした", "The headers did not arrive in time"),
         Words("--header-timeout の時間内にヘッダーが届きませんでした。接続は閉じられます。",
               "The request line and headers did not arrive within --header-timeout; the connection is closed.")),
    Kind("invalid_case", 422, Words("ケースが制度の入力に合いません", "The case does not fit the policy"),
         Words("errors[] の各項目が、項目のパス（field）、受け取った値（got）、期待する値（expected）と説明を示します。",
               "Each item of errors[] names the field's path (field), the value it got, what was expected and why.")),
    Kind("no_year_in_force", 422, Words("申請日に公募中の年度がありません", "No policy year is in force on the date"),
         Words("ケースの申請日がどの年度の公募期間にも入りません。?year= で年度を指定することもできます。",
               "The case's application date is in no year's call; ?year= pins a year.")),
    Kind("unknown_frame", 422, Words("その枠はありません", "No such frame"),
         Words("?frame= またはケースの frame が制度にない枠を指しています。枠の名前かラベルを指定してください。",
               "?frame= or the case's frame names a frame the policy does not have; give a frame's name or label.")),
    Kind("internal_error", 500, Words("サーバー内部のエラーです", "Internal error"),
         Words("エンジンの不具合です。メッセージは1行で、トレースバックは返しません。", "A bug of the engine: a one-line message, never a traceback.")),
    Kind("log_unavailable", 503, Words("判定記録に書き込めません", "The decision log cannot be written"),
         Words("判定記録（--log）に書けないため、判定を返していません。記録されない判定は返しません。",
               "The decision log (--log) cannot be written, so no decision is given: none is ever given unlogged.")),
    Kind("decision_timeout", 504, Words("判定が時間内に終わりませんでした", "The decision was not made in time"),
         Words("--request-timeout の時間内に判定が終わりませんでした。バッチを小さくするか、what_if=false で送ってください。",
               "The decision was not made within --request-timeout; send fewer cases per batch, or ask with what_if=false.")),
)

_BY_STATUS = {400: "malformed_json", 404: "no_route", 408: "body_timeout", 413: "body_too_large", 422: "invalid_case",
              500: "internal_error", 503: "log_unavailable", 504: "decision_timeout"}


def words(ja: str, en: str) -> Words:
    return Words(ja, en)


def text(value, lang: str) -> str:
    return value.in_(lang) if isinstance(value, Words) else value


class Problem(Exception):
    """A request the service cannot answer: its kind (`code`; a bare status picks that status's usual
    kind), the errors as [{field, message, got?, expected?}] (a message is a str, or Words in both
    languages), and a `detail` (Words) when the first error's message is not the right summary."""

    def __init__(self, code: str | int, errors: list[dict], year=None, extra: dict | None = None, *,
                 status: int | None = None, detail: Words | None = None):
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
            detail = Words(f"{len(errors)} 件の問題があります: ", f"{len(errors)} problems: ").in_(lang) + \
                Words("、", ", ").in_(lang).join(_named(e) or "—" for e in errors)
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


def plain(kind: str, lang: str, message: Words | str, status: int | None = None, **extra) -> dict:
    """The body of a problem raised outside a handler (a late request, a bug)."""
    return Problem(kind, [{"field": None, "message": message}], extra=extra, status=status).body(lang)


def encoded(kind: str, message: str, lang: str = "ja") -> bytes:
    """A problem as bytes, for the answers made below the application (the header limits)."""
    return json.dumps(plain(kind, lang, message), ensure_ascii=False).encode("utf-8")
