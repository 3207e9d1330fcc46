from fractions import Fraction

import pytest

from engine.language import literals


@pytest.mark.parametrize(
    "text, value",
    [
        ("500000円", 500_000),
        ("500,000円", 500_000),
        ("50万円", 500_000),
        ("5,000万円", 50_000_000),
        ("3億円", 300_000_000),
        ("1億5,000万円", 150_000_000),
        ("149万9,999円", 1_499_999),
        ("0円", 0),
    ],
)
def test_money_literals(text, value):
    assert literals.money(text) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("50,00円", "malformed number '50,00': commas must separate groups of three digits"),
        ("1億10,000万円", "malformed amount '1億10,000万円': the 万 part after 億 must be below 1万"),
        ("1万10,000円", "malformed amount '1万10,000円': the part after 万 must be below 1万"),
        ("100,000,000億円", "amount 100,000,000億円 is larger than 1,000,000,000,000,000円; is it a typo?"),
    ],
)
def test_bad_money_literals(text, message):
    with pytest.raises(literals.LiteralProblem) as exc:
        literals.money(text)
    assert str(exc.value) == message


def test_other_literals():
    assert literals.count("300人") == 300
    assert literals.count("24か月") == 24
    assert literals.count_unit("24か月") == "か月"
    assert literals.ratio("4/5") == Fraction(4, 5)
    assert literals.percent("50%") == Fraction(1, 2)
    assert literals.percent("12.5%") == Fraction(1, 8)
    assert literals.grouped_int("500,000") == 500_000
    assert str(literals.date("2024-02-16")) == "2024-02-16"


def test_impossible_date_and_zero_ratio():
    with pytest.raises(literals.LiteralProblem, match="2024-02-30 is not a date that exists"):
        literals.date("2024-02-30")
    with pytest.raises(literals.LiteralProblem, match="ratio 1/0 divides by zero"):
        literals.ratio("1/0")


@pytest.mark.parametrize("read, text, ja, en", [
    (literals.grouped_int, "1,2" + "3" * 50,
     "数 '1,233333333333333333…（全53文字）' の書き方に誤りがあります: 桁区切りのカンマは3桁ごとに置いてください",
     "malformed number '1,233333333333333333… (53 characters)': commas must separate groups of three digits"),
    (literals.money, "1" * 50 + "円",
     "数 11111111111111111111…（全50文字） は 1,000,000,000,000,000 より大きい値です。書き誤りではありませんか",
     "number 11111111111111111111… (50 characters) is larger than 1,000,000,000,000,000; is it a typo?"),
    (literals.entered_yen, "x" * 50,
     "金額として読めません: 'xxxxxxxxxxxxxxxxxxxx…（全50文字）'（例: 1,000,000 や 100万円）",
     "not an amount: 'xxxxxxxxxxxxxxxxxxxx… (50 characters)' (e.g. 1,000,000 or 100万円)"),
    (literals.percent, "9" * 45 + "%",
     "百分率 99999999999999999999…（全46文字） はどの補助率よりも大きい値です。書き誤りではありませんか",
     "percentage 99999999999999999999… (46 characters) is larger than any rate; is it a typo?"),
])
def test_a_shortened_literal_says_its_length_in_the_messages_language(read, text, ja, en):
    with pytest.raises(literals.LiteralProblem) as exc:
        read(text)
    assert (exc.value.phrase.say("ja"), exc.value.phrase.say("en"), str(exc.value)) == (ja, en, en)


def test_a_literal_of_40_characters_is_shown_whole():
    with pytest.raises(literals.LiteralProblem) as exc:
        literals.entered_count("y" * 40)
    assert exc.value.phrase.say("ja") == f"整数として読めません: '{'y' * 40}'"
    assert str(exc.value) == f"not a whole number: '{'y' * 40}'"


def test_policy_check_says_a_shortened_literal_in_its_language(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    literal = "1234567890" * 5
    (tmp_path / "p" / "policy.rules").write_text(f'programme "x"\n  year 2024\nrule 中小企業 "x":\n  1 ≤ {literal}円\n', encoding="utf-8")
    for lang, said in (("ja", "p/policy.rules:4:7: エラー: 数 12345678901234567890…（全50文字） は 1,000,000,000,000,000 より大きい値です。書き誤りではありませんか"),
                       ("en", "p/policy.rules:4:7: error: number 12345678901234567890… (50 characters) is larger than 1,000,000,000,000,000; is it a typo?")):
        result = run("check", "--policy", "p", "--lang", lang)
        assert result.exit_code == 4 and result.stderr.splitlines()[0] == said, (lang, result.stderr)
