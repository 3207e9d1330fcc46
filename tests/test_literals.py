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
