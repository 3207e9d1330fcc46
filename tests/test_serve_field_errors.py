"""A case that does not fit the policy is a 422 problem whose every error says, for programs and for
people, in Japanese as in English: the field's path (`field`), the field as the message names it
(`label`), the kind of problem (`code`: missing, wrong_type, not_a_choice, out_of_range,
unknown_field), what the case gave (`got`, as the message quotes it; null when missing), what the
field takes in words (`expected`) and as data (`accepts`), and the message. One test per kind of
problem, both languages, exact text (the reader's words: engine/evaluate/case_words.py)."""

from __future__ import annotations

import copy
import json

import pytest
from starlette.testclient import TestClient

from conftest import EXAMPLES, ROOT
from engine.language.literals import MAX_LITERAL
from engine.serve.app import Settings, create_app
from engine.serve.registry import Registry

SMALL = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
YEN = {"type": "yen", "minimum": 0, "maximum": MAX_LITERAL}
APPLICANT_FIELDS = ["組織形態", "業種", "資本金", "従業員数", "賃上げ特例"]


@pytest.fixture(scope="module")
def client():
    settings = Settings(Registry(ROOT / "policies"), request_timeout=None)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def errors(client, change, lang: str) -> tuple[str, list[dict]]:
    """The problem's detail and errors for SMALL changed by `change`, judged under 2024."""
    case = copy.deepcopy(SMALL)
    change(case)
    response = client.post(f"/v1/decide?year=2024&lang={lang}", json=case)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json", response.text[:300]
    body = response.json()
    assert body["code"] == "invalid_case" and body["policy"]["year"] == 2024
    return body["detail"], body["errors"]


def test_missing(client):
    def change(case):
        del case["申請者"]["従業員数"]
    detail, got = errors(client, change, "ja")
    assert detail == "「申請者」の「従業員数」: 未入力です。整数（例: 12）で入力してください"
    assert got == [{"field": "申請者.従業員数", "label": "「申請者」の「従業員数」", "code": "missing", "got": None,
                    "expected": "整数（例: 12）", "accepts": {"type": "count", "minimum": 0, "maximum": MAX_LITERAL},
                    "message": "未入力です。整数（例: 12）で入力してください"}]
    detail, got = errors(client, change, "en")
    assert detail == "申請者.従業員数: missing; expected a whole number (e.g. 12)"
    assert got == [{"field": "申請者.従業員数", "label": "申請者.従業員数", "code": "missing", "got": None,
                    "expected": "a whole number (e.g. 12)", "accepts": {"type": "count", "minimum": 0, "maximum": MAX_LITERAL},
                    "message": "missing; expected a whole number (e.g. 12)"}]


def test_a_missing_group_expects_an_object_with_its_fields(client):
    def change(case):
        del case["申請要件"]
    [ja] = errors(client, change, "ja")[1]
    [en] = errors(client, change, "en")[1]
    fields = ["国内で事業を営む", "最低賃金以上", "他の補助金と重複しない", "役務費用が著しく高額", "gBizIDプライム取得済",
              "SECURITY_ACTION宣言済", "みらデジ経営チェック実施済", "労働生産性計画策定済", "賃上げ計画策定済"]
    assert (ja["code"], ja["got"], ja["accepts"]) == (en["code"], en["got"], en["accepts"]) == ("missing", None, {"type": "object", "fields": fields})
    assert ja["label"] == "「申請要件と手続き」"
    assert ja["expected"].startswith("次の項目を持つオブジェクト（日本国内で事業を営む法人又は個人である、事業場内最低賃金が地域別最低賃金以上である、")
    assert en["expected"] == "an object with fields " + ", ".join(fields)


def test_wrong_type(client):
    def change(case):
        case["申請者"]["資本金"] = "多い"
    detail, got = errors(client, change, "ja")
    assert detail == "「申請者」の「資本金」: \"多い\" は使えません。円単位の整数（例: 500000）で入力してください"
    assert got == [{"field": "申請者.資本金", "label": "「申請者」の「資本金」", "code": "wrong_type", "got": '"多い"',
                    "expected": "円単位の整数（例: 500000）", "accepts": YEN,
                    "message": '"多い" は使えません。円単位の整数（例: 500000）で入力してください'}]
    detail, got = errors(client, change, "en")
    assert got == [{"field": "申請者.資本金", "label": "申請者.資本金", "code": "wrong_type", "got": '"多い"',
                    "expected": "a whole number of yen (e.g. 500000)", "accepts": YEN,
                    "message": 'got "多い", expected a whole number of yen (e.g. 500000)'}]


@pytest.mark.parametrize("where, value, accepts, ja, en", [
    (("申請日",), "2024-02-30", {"type": "date"},
     ("「交付申請日」", "「2024-07-01」の形の日付", '"2024-02-30" は日付として読めません。実在する日付を「2024-07-01」の形で入力してください'),
     ("申請日", 'a date "YYYY-MM-DD"', 'got "2024-02-30", expected a date "YYYY-MM-DD" that exists')),
    (("資本関係", "全株式をみなし大企業が所有"), "はい", {"type": "bool"},
     ("「資本関係・役員（みなし大企業の判定）」の「発行済株式の全部をみなし大企業（1〜3に該当する中小企業）が所有している」",
      "「はい」か「いいえ」", '"はい" は使えません。「はい」か「いいえ」を選んでください'),
     ("資本関係.全株式をみなし大企業が所有", "true or false", 'got "はい", expected true or false')),
    (("経費",), "ソフトウェア", {"type": "list", "of": "経費明細", "max_items": 1000},
     ("「経費（税抜）」", "「経費の明細」のリスト", '"ソフトウェア" は使えません。リストで入力してください'),
     ("経費", "a list of 経費明細", 'got "ソフトウェア", expected a list')),
    (("申請者", "従業員数"), 1.5, {"type": "count", "minimum": 0, "maximum": MAX_LITERAL},
     ("「申請者」の「従業員数」", "整数（例: 12）", "1.5 は使えません。1円・1人未満の端数は入力できません。整数（例: 12）で入力してください"),
     ("申請者.従業員数", "a whole number (e.g. 12)", "got 1.5, expected a whole number (e.g. 12); fractions of a yen or a person are not allowed")),
])
def test_wrong_type_of_every_kind_of_field(client, where, value, accepts, ja, en):
    def change(case):
        node = case
        for key in where[:-1]:
            node = node.setdefault(key, {})
        node[where[-1]] = value
    for lang, (label, expected, message) in (("ja", ja), ("en", en)):
        detail, got = errors(client, change, lang)
        assert got == [{"field": ".".join(where), "label": label, "code": "wrong_type", "got": json.dumps(value, ensure_ascii=False),
                        "expected": expected, "accepts": accepts, "message": message}]
        assert detail == f"{label}: {message}"


def test_not_a_choice(client):
    def change(case):
        case["申請者"]["業種"] = "小売"
    choices = ["製造業", "建設業", "運輸業", "卸売業", "サービス業", "娯楽業", "小売業", "ゴム製品製造業", "ソフトウェア業・情報処理サービス業", "旅館業", "その他の業種"]
    [ja] = errors(client, change, "ja")[1]
    labels = ("製造業、建設業、運輸業、卸売業、サービス業（ソフトウェア業・情報処理サービス業・旅館業・娯楽業を除く）、サービス業のうち娯楽業、小売業、"
              "ゴム製品製造業（自動車又は航空機用タイヤ及びチューブ製造業並びに工業用ベルト製造業を除く）、ソフトウェア業又は情報処理サービス業、旅館業、その他の業種（上記以外）")
    assert ja == {"field": "申請者.業種", "label": "「申請者」の「主たる業種」", "code": "not_a_choice", "got": '"小売"',
                  "expected": f"次のいずれか（{labels}）", "accepts": {"type": "enum", "choices": choices},
                  "message": f'"小売" は選択肢にありません（「小売業」のことですか？）。次から選んでください: {labels}'}
    [en] = errors(client, change, "en")[1]
    assert en == {"field": "申請者.業種", "label": "申請者.業種", "code": "not_a_choice", "got": '"小売"',
                  "expected": "one of: " + ", ".join(choices), "accepts": {"type": "enum", "choices": choices},
                  "message": 'got "小売", expected one of: ' + ", ".join(choices) + " (did you mean 小売業?)"}


def test_out_of_range_above_the_policys_bound_and_below_zero(client):
    def change(case):
        case["経費"] = [{"区分": "ソフトウェア", "金額": 1000, "利用月数": 121}, {"区分": "ソフトウェア", "金額": -1}]
    months = {"type": "count", "minimum": 0, "maximum": 120}
    assert errors(client, change, "ja")[1] == [
        {"field": "経費[0].利用月数", "label": "「経費（税抜）」1件目の「月額・年額の利用料の場合、その月数（それ以外は0）」", "code": "out_of_range",
         "got": "121", "expected": "120以下の整数（例: 12）", "accepts": months, "message": "121 は大きすぎます。120以下で入力してください（この項目の上限）"},
        {"field": "経費[1].金額", "label": "「経費（税抜）」2件目の「金額（税抜）」", "code": "out_of_range", "got": "-1",
         "expected": "0以上の円単位の整数（例: 500000）", "accepts": YEN, "message": "-1 は負の数です。0以上の円単位の整数（例: 500000）で入力してください"}]
    assert errors(client, change, "en")[1] == [
        {"field": "経費[0].利用月数", "label": "経費[0].利用月数", "code": "out_of_range", "got": "121",
         "expected": "a whole number (e.g. 12), at most 120", "accepts": months,
         "message": "got 121, expected at most 120 (the policy's bound for this field)"},
        {"field": "経費[1].金額", "label": "経費[1].金額", "code": "out_of_range", "got": "-1",
         "expected": "a whole number of yen (e.g. 500000), at least 0", "accepts": YEN,
         "message": "got -1, expected a whole number of yen (e.g. 500000); it must not be negative"}]


def test_out_of_range_a_ratio_past_one_and_an_amount_past_the_largest(client):
    def change(case):
        case["資本関係"] = {"大企業の持株比率合計": "150%"}
        case["申請者"]["資本金"] = MAX_LITERAL + 1
    ja = {e["field"]: e for e in errors(client, change, "ja")[1]}
    en = {e["field"]: e for e in errors(client, change, "en")[1]}
    ratio = {"type": "ratio", "minimum": 0, "maximum": 1}
    assert ja["資本関係.大企業の持株比率合計"] == {
        "field": "資本関係.大企業の持株比率合計", "label": "「資本関係・役員（みなし大企業の判定）」の「大企業が所有する株式・出資の比率の合計」", "code": "out_of_range", "got": '"150%"', "accepts": ratio,
        "expected": "割合（「1/2」「50%」または0から1までの数）", "message": '"150%" は使えません。割合（「1/2」「50%」または0から1までの数）で入力してください'}
    assert (en["資本関係.大企業の持株比率合計"]["code"], en["資本関係.大企業の持株比率合計"]["expected"]) == (
        "out_of_range", 'a ratio: "1/2", "50%" or a number from 0 to 1')
    assert ja["申請者.資本金"] == {"field": "申請者.資本金", "label": "「申請者」の「資本金」", "code": "out_of_range", "got": "1000000000000001",
                                  "expected": "1,000,000,000,000,000以下の円単位の整数（例: 500000）", "accepts": YEN,
                                  "message": "1000000000000001 は大きすぎます（1,000,000,000,000,000まで）。桁を確かめてください"}
    assert en["申請者.資本金"]["expected"] == "a whole number of yen (e.g. 500000), at most 1,000,000,000,000,000"


def test_out_of_range_too_many_items(client, monkeypatch):
    monkeypatch.setenv("POLICY_MAX_ITEMS", "2")

    def change(case):
        case["経費"] = case["経費"] * 3
    accepts = {"type": "list", "of": "経費明細", "max_items": 2}
    assert errors(client, change, "ja") == ("「経費（税抜）」: 3件あります。1つのリストは2件までです（POLICY_MAX_ITEMS）", [
        {"field": "経費", "label": "「経費（税抜）」", "code": "out_of_range", "got": "リスト", "expected": "2件までのリスト", "accepts": accepts,
         "message": "3件あります。1つのリストは2件までです（POLICY_MAX_ITEMS）"}])
    assert errors(client, change, "en")[1] == [
        {"field": "経費", "label": "経費", "code": "out_of_range", "got": "a list", "expected": "a list of at most 2 items", "accepts": accepts,
         "message": "3 items; a list holds at most 2 (POLICY_MAX_ITEMS)"}]


def test_unknown_field(client):
    def change(case):
        case["申請者"]["従業員"] = 5
    accepts = {"type": "field_name", "choices": APPLICANT_FIELDS}
    assert errors(client, change, "ja")[1] == [
        {"field": "申請者.従業員", "label": "「申請者」の「従業員」", "code": "unknown_field", "got": "5", "accepts": accepts,
         "expected": "使える項目名のどれか（組織形態、業種、資本金、従業員数、賃上げ特例）",
         "message": "この項目はありません（「従業員数」のことですか？）。使える項目名: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"}]
    assert errors(client, change, "en")[1] == [
        {"field": "申請者.従業員", "label": "申請者.従業員", "code": "unknown_field", "got": "5", "accepts": accepts,
         "expected": "one of: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例",
         "message": "unknown field (did you mean 従業員数?); expected one of: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"}]


def test_a_case_that_is_no_object_and_a_frame_that_is_no_name(client):
    for path in ("/v1/decide", "/page/check", "/page/relevant"):
        body = client.post(path, json=[1]).json()
        assert (body["detail"], body["errors"]) == ("ケース: リスト は使えません。ケースはJSONのオブジェクトで書いてください", [
            {"field": None, "label": "ケース", "code": "wrong_type", "got": "リスト", "expected": "JSONのオブジェクト", "accepts": {"type": "object"},
             "message": "リスト は使えません。ケースはJSONのオブジェクトで書いてください"}]), path
        body = client.post(f"{path}?lang=en", json={"frame": 3}).json()
        assert (body["detail"], body["errors"]) == ("frame: got 3, expected the name of a frame or a list of names", [
            {"field": "frame", "label": "frame", "code": "wrong_type", "got": "3", "expected": "the name of a frame or a list of names",
             "accepts": {"type": "frame"}, "message": "got 3, expected the name of a frame or a list of names"}]), path


def test_several_problems_are_named_in_the_detail_as_their_messages_name_them(client):
    def change(case):
        case["申請者"]["資本金"] = "多い"
        del case["申請者"]["従業員数"]
    assert errors(client, change, "ja")[0] == "2 件の問題があります: 「申請者」の「資本金」、「申請者」の「従業員数」"
    assert errors(client, change, "en")[0] == "2 problems: 申請者.資本金, 申請者.従業員数"


@pytest.mark.parametrize("lang, label, message, expected", [
    ("ja", "「交付申請日」", "未入力です。適用する公募の年度を選ぶには申請日が必要です（または ?year=… で年度を指定してください）",
     "「2024-07-01」の形の日付"),
    ("en", "申請日", "missing; choosing the policy in force needs the case's application date (or pin a year: ?year=…)",
     'a date "YYYY-MM-DD"'),
])
def test_a_case_without_a_date_and_no_year_pinned_is_told_in_its_language(client, lang, label, message, expected):
    case = {k: v for k, v in copy.deepcopy(SMALL).items() if k != "申請日"}
    response = client.post(f"/v1/decide?lang={lang}", json=case)
    assert response.status_code == 422, response.text[:300]
    body = response.json()
    assert body["code"] == "invalid_case"
    assert body["errors"] == [{"field": "申請日", "label": label, "code": "missing", "got": None, "expected": expected,
                               "accepts": {"type": "date"}, "message": message}]
