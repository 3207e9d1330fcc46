"""What a policy change does across a population: both policies' SQL forms over the same cases,
then per frame the firms eligible and the subsidy before and after, and per firm (its best
frame) who gains and who loses, by industry and by size. Cases are judged as though applied
within each policy's term (as `policy diff` does), so a change of year is not a change of dates.

Beside the sample's own figures, the report scales them to the national population the sample
stands for (`national`: every SME of Japan, 3,364,891 by default, as `policy synth` draws them),
each scaled figure the exact N/n multiple rounded to a whole firm or yen, and the scaling stated.

The report is plain data (`subsidy-population-compare/1`); engine/population/report.py writes it."""

from __future__ import annotations

from fractions import Fraction

from engine.tree import nodes as tree
from engine.evaluate.decision import NOT_ELIGIBLE
from engine.population.run import cases_on
from engine.sql.query import compile_query

FORMAT = "subsidy-population-compare/1"
INDUSTRY = "申請者.業種"  # the input the industry breakdown reads
SIZES = (("小規模事業者", "小規模事業者"), ("中小企業", "中小企業"))  # (rule, label), the first that holds
OTHER_SIZE = "その他（中小企業に該当しない）"


def _keep(policy: tree.Policy) -> tuple[str, ...]:
    inputs = {".".join((g.name, f.name)) if g.name else f.name for g in policy.groups for f in g.fields}
    keep = [INDUSTRY] if INDUSTRY in inputs else []
    return tuple(keep + [rule for rule, _ in SIZES if rule in policy.definitions])


def _size(keep) -> str:
    rules = [(rule, label) for rule, label in SIZES if rule in keep]
    if not rules:
        return f"'{OTHER_SIZE}'"
    whens = " ".join(f"WHEN o.\"{rule}\" THEN '{label}'" for rule, label in rules)
    return f"CASE {whens} ELSE '{OTHER_SIZE}' END"


def _group_sql(by: str) -> str:
    return f"""SELECT {by} AS grp, COUNT(*) AS cases,
      SUM(CASE WHEN o.best_frame IS NOT NULL THEN 1 ELSE 0 END) AS eligible_before,
      SUM(CASE WHEN n.best_frame IS NOT NULL THEN 1 ELSE 0 END) AS eligible_after,
      SUM(o.best_subsidy) AS subsidy_before, SUM(n.best_subsidy) AS subsidy_after,
      SUM(CASE WHEN n.best_subsidy > o.best_subsidy THEN 1 ELSE 0 END) AS gainers,
      SUM(CASE WHEN n.best_subsidy < o.best_subsidy THEN 1 ELSE 0 END) AS losers,
      SUM(CASE WHEN n.best_subsidy > o.best_subsidy THEN n.best_subsidy - o.best_subsidy ELSE 0 END) AS gained,
      SUM(CASE WHEN n.best_subsidy < o.best_subsidy THEN o.best_subsidy - n.best_subsidy ELSE 0 END) AS lost
    FROM old_decisions o JOIN new_decisions n ON o.id = n.id""" + ("" if by.startswith("'") else f" GROUP BY {by}")


# the change of each firm's best-frame subsidy, in bins: (lowest, highest) change in yen, None open-ended
CHANGE_BINS = ((None, -1_000_000), (-999_999, -500_000), (-499_999, -100_000), (-99_999, -1), (0, 0),
               (1, 99_999), (100_000, 499_999), (500_000, 999_999), (1_000_000, None))


def _distribution_sql() -> str:
    whens = " ".join(f"WHEN n.best_subsidy - o.best_subsidy <= {high} THEN {i}" for i, (_, high) in enumerate(CHANGE_BINS)
                     if high is not None)
    return f"""SELECT CASE {whens} ELSE {len(CHANGE_BINS) - 1} END AS bin, COUNT(*) AS firms,
      SUM(n.best_subsidy - o.best_subsidy) AS change
    FROM old_decisions o JOIN new_decisions n ON o.id = n.id GROUP BY 1"""


def _frame_change_sql(frame: str, in_old: bool, in_new: bool) -> str:
    """Firms whose subsidy in this frame rose or fell (not their best frame), and the yen."""
    o = f'o."{frame}.subsidy"' if in_old else "0"
    n = f'n."{frame}.subsidy"' if in_new else "0"
    return f"""SELECT SUM(CASE WHEN {n} > {o} THEN 1 ELSE 0 END) AS gainers, SUM(CASE WHEN {n} < {o} THEN 1 ELSE 0 END) AS losers,
      SUM(CASE WHEN {n} > {o} THEN {n} - {o} ELSE 0 END) AS gained, SUM(CASE WHEN {n} < {o} THEN {o} - {n} ELSE 0 END) AS lost
    FROM old_decisions o JOIN new_decisions n ON o.id = n.id"""


def _frame_sql(table: str, frame: str) -> str:
    return (f"SELECT SUM(CASE WHEN \"{frame}.status\" <> '{NOT_ELIGIBLE}' THEN 1 ELSE 0 END) AS eligible, "
            f"SUM(\"{frame}.subsidy\") AS subsidy FROM {table}")


def _ints(row: dict) -> dict:
    return {k: (int(v) if v is not None and not isinstance(v, str) else (v if v is not None else 0)) for k, v in row.items()}


def _variants(old_dir: str, new_dir: str) -> list[tuple[dict, str, tree.Policy]]:
    """Each changed clause (not wording) as a policy that differs from the new one by that clause
    alone ("revert": the clause taken back), or, where that does not check, from the old one
    ("apply": the clause made alone)."""
    from engine.compile.pipeline import compile_items
    from engine.language import changes

    a, b = changes.load_items(old_dir), changes.load_items(new_dir)
    sources, inside = {**a.sources, **b.sources}, {**a.inside, **b.inside}
    out = []
    for definition in changes.compare(a, b):
        for clause in definition.clauses:
            if clause.wording_only:
                continue
            for how, target, other in (("revert", b, a), ("apply", a, b)):
                policy = compile_items(changes.with_clause(target, other, clause), sources, inside)
                if policy is not None:
                    whole = clause.field is None and not clause.path  # a definition added or removed: its name says it
                    short = lambda lines: [line.split(' "', 1)[0].rstrip(":") for line in lines] if whole else list(lines)  # noqa: E731
                    described = {"where": clause.where(), "clause": clause.keyword, "old": short(clause.old), "new": short(clause.new)}
                    out.append((described, how, policy))
                    break
    return out


_EFFECT_SQL = {  # (difference, gainers, losers) that the clause accounts for, firm by firm (best frame)
    "revert": """SELECT SUM(n.best_subsidy - v.best_subsidy) AS difference,
      SUM(CASE WHEN n.best_subsidy > v.best_subsidy THEN 1 ELSE 0 END) AS gainers,
      SUM(CASE WHEN n.best_subsidy < v.best_subsidy THEN 1 ELSE 0 END) AS losers
    FROM new_decisions n JOIN variant_decisions v ON n.id = v.id""",
    "apply": """SELECT SUM(v.best_subsidy - o.best_subsidy) AS difference,
      SUM(CASE WHEN v.best_subsidy > o.best_subsidy THEN 1 ELSE 0 END) AS gainers,
      SUM(CASE WHEN v.best_subsidy < o.best_subsidy THEN 1 ELSE 0 END) AS losers
    FROM variant_decisions v JOIN old_decisions o ON v.id = o.id""",
}


def compare(old: tree.Policy, new: tree.Policy, cases: str, engine: str = "duckdb", progress=None,
            labels: tuple[str, str] = ("old", "new"), also_known: frozenset[str] = frozenset(),
            folders: tuple[str, str] | None = None, national: int | None = None, budget: int | None = None,
            lang: str = "en") -> dict:
    """`folders` (the two policy folders): also attribute the change to each changed clause.
    `national`: the number of firms the cases stand for (default: every SME of Japan; 0: the
    sample only). `budget`: a budget in yen to set the national figures against. `lang`: the language
    of a refusal (cases that cannot be read); the report itself is data, said when rendered."""
    from engine.population.engines import narrow_first
    import sqlglot

    variants = _variants(*folders) if folders else []
    with cases_on(engine, cases, [old, new], progress, also_known, lang) as runner:
        kept = {"old_decisions": _keep(old), "new_decisions": _keep(new)}
        for name, policy in (("old_decisions", old), ("new_decisions", new)):
            narrow_first(runner, lambda integer: compile_query(policy, runner.dialect, check_dates=False, keep=kept[name],
                                                               integer=integer, fused=True),
                         lambda query: runner.materialize(name, query))

        def rows(sql):
            return [_ints(r) for r in runner.rows(sqlglot.transpile(sql, read="duckdb", write=runner.dialect)[0])]

        attribution = []
        for described, how, policy in variants:
            narrow_first(runner, lambda integer: compile_query(policy, runner.dialect, check_dates=False, integer=integer, fused=True),
                         lambda query: runner.materialize("variant_decisions", query))
            effect = rows(_EFFECT_SQL[how])[0]  # a clause that moved no firm is listed too: checked, no effect
            attribution.append({**described, "how": how, **{k: effect[k] for k in ("difference", "gainers", "losers")}})

        total = rows(_group_sql("'all'"))[0]
        industry = rows(_group_sql(f'o."{INDUSTRY}"')) if INDUSTRY in kept["old_decisions"] else []
        size = rows(_group_sql(_size(kept["old_decisions"])))
        frames = []
        for name in dict.fromkeys([f.name for f in old.frames] + [f.name for f in new.frames]):
            before = rows(_frame_sql("old_decisions", name))[0] if any(f.name == name for f in old.frames) else None
            after = rows(_frame_sql("new_decisions", name))[0] if any(f.name == name for f in new.frames) else None
            b = before or {"eligible": 0, "subsidy": 0}
            a = after or {"eligible": 0, "subsidy": 0}
            moved = rows(_frame_change_sql(name, before is not None, after is not None))[0]
            frames.append({"frame": name, "eligible_before": b["eligible"], "eligible_after": a["eligible"],
                           "subsidy_before": b["subsidy"], "subsidy_after": a["subsidy"],
                           "difference": a["subsidy"] - b["subsidy"], "in_old": before is not None,
                           "in_new": after is not None, **{k: moved[k] for k in ("gainers", "losers", "gained", "lost")}})
        binned = {r["bin"]: r for r in rows(_distribution_sql())}
        distribution = [{"low": low, "high": high, "firms": binned.get(i, {}).get("firms", 0),
                         "change": binned.get(i, {}).get("change", 0)} for i, (low, high) in enumerate(CHANGE_BINS)]
    labels_ja = {"old": old.title, "new": new.title}
    return {
        "format": FORMAT, "engine": engine, "old": labels[0], "new": labels[1],
        "old_year": old.year, "new_year": new.year, "cases": total["cases"],
        "frames": frames, "total": _group(total), "by_industry": sorted((_group(r) for r in industry), key=lambda g: -g["cases"]),
        "by_size": sorted((_group(r) for r in size), key=lambda g: -g["cases"]),
        "official_applications_2024": _official(),
        # each clause's share; what is left is the changes acting together (not the sum of their parts)
        "attribution": attribution if folders else None,
        "interaction": (_group(total)["difference"] - sum(a["difference"] for a in attribution)) if folders else None,
        "titles": labels_ja,
        "distribution": distribution,
        "national": _national(national, total["cases"], frames, _group(total)),
        "budget": budget,
    }


NATIONAL_SMES = 3_364_891  # every SME of Japan, 2021 (synth_figures.CALIBRATION["firms"]): what `policy synth` draws from


def _national(firms: int | None, sample: int, frames: list[dict], total: dict) -> dict | None:
    """The sample's figures scaled to `firms` (×firms/sample, exact, then rounded to the nearest
    whole firm or yen): what they come to if the sample stands for that many firms."""
    from engine.population.synth_figures import CALIBRATION

    firms = NATIONAL_SMES if firms is None else firms
    if not firms or not sample:
        return None
    factor = Fraction(firms, sample)
    scaled = lambda v: round(v * factor)  # noqa: E731 - exact: an int times a Fraction, rounded once
    keys = ("eligible_before", "eligible_after", "subsidy_before", "subsidy_after", "gainers", "losers", "gained", "lost")
    return {"firms": firms, "sample": sample, "factor": f"{factor.numerator}/{factor.denominator}",
            "source": CALIBRATION["firms"].source if firms == NATIONAL_SMES else None,
            "frames": [{"frame": f["frame"], **{k: scaled(f[k]) for k in keys}} for f in frames],
            "total": {k: scaled(total[k]) for k in keys}}


def _group(r: dict) -> dict:
    out = {k: r[k] for k in ("cases", "eligible_before", "eligible_after", "subsidy_before", "subsidy_after",
                             "gainers", "losers", "gained", "lost")}
    out["group"] = r["grp"]
    out["difference"] = r["subsidy_after"] - r["subsidy_before"]
    return out


def _official() -> dict:
    from engine.population.synth_figures import OFFICIAL_APPLICATIONS_2024, OFFICIAL_NOTES_JA

    return {frame: {"applications": f.value, "source": f.source, "tag": f.tag, "note": f.note, "note_ja": OFFICIAL_NOTES_JA.get(frame, f.note)}
            for frame, f in OFFICIAL_APPLICATIONS_2024.items()}
