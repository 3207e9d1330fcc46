"""Mutations for fuzzing policies and cases: delete, duplicate and swap tokens; insert full-width
digits, 、 and 。, zero-width spaces and very long names. Shared by tests/test_fuzz.py (bounded, in
CI) and fuzz/atheris_fuzz.py (long runs, outside CI)."""

from __future__ import annotations

import random
import re

INSERTS = ["０１２", "５０万円", "、", "。", "\u200b", "\ufeff", "Ｘ" * 5000, "名" * 3000, "\t", "\u3000", "（", "）", "#", '"', "|", ":"]


def mutate(text: str, rng: random.Random) -> str:
    tokens = re.findall(r"\S+|\s+", text)
    if not tokens:
        return rng.choice(INSERTS)
    op = rng.randrange(5)
    i = rng.randrange(len(tokens))
    if op == 0:
        del tokens[i]
    elif op == 1:
        tokens.insert(i, tokens[i])
    elif op == 2:
        j = rng.randrange(len(tokens))
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif op == 3:
        k = rng.randrange(len(tokens[i]) + 1)
        tokens[i] = tokens[i][:k] + rng.choice(INSERTS) + tokens[i][k:]
    else:
        tokens[i] = rng.choice(INSERTS)
    return "".join(tokens)
