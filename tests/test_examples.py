"""Every example's decision under every policy year, as the brief text an author reviews: one file
per example and year, tests/snapshots/<year>/<example>.txt (`policy eval --format brief` prints the
same text for the case's own year).

After an intended change to a policy or the engine: `pytest --snapshot-update`, then read
`git diff tests/snapshots` beside `policy diff OLD NEW examples` — every changed decision shows
there, and nothing else does: the snapshots carry no source position, so comments, blank lines and
the order of definitions never change them (proved below)."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from review_support import CASES, SNAPSHOTS, YEARS, all_briefs, brief, cosmetic_copy, load_years

# the brief says each condition as a Japanese sentence (3 bytes a character in UTF-8), not in
# symbols: 543 files came to 1,047,193 bytes on 2026-12-03, about 1.9 KB each
MAX_SNAPSHOT_BYTES = 1_200_000


class BriefText(SingleFileSnapshotExtension):
    """tests/snapshots/<year>/<example>.txt, plain UTF-8 text."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"

    @staticmethod
    def _params(test_location) -> dict:
        # syrupy asks this of every test of the module when it reports, parametrized or not
        return getattr(getattr(test_location.item, "callspec", None), "params", {})

    @classmethod
    def dirname(cls, *, test_location) -> str:
        year = cls._params(test_location).get("year")
        return str(SNAPSHOTS / year) if year else str(SNAPSHOTS)

    @classmethod
    def get_snapshot_name(cls, *, test_location, index=0) -> str:
        path = cls._params(test_location).get("path")
        return Path(path).stem if path else test_location.testname


@pytest.fixture(scope="module")
def policies():
    return load_years()


@pytest.fixture
def brief_snapshot(snapshot):
    return snapshot.use_extension(BriefText)


def test_there_are_enough_examples():
    assert len(CASES) >= 40


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_example_decision(path, year, policies, brief_snapshot):
    from engine.evaluate.case import read_case_file

    raw = read_case_file(path)
    assert isinstance(raw.get("description"), str) and raw["description"].strip(), "each example says what it demonstrates"
    assert brief(policies, year, path) == brief_snapshot


def test_the_snapshots_are_small_and_one_per_example_and_year():
    files = sorted(SNAPSHOTS.rglob("*.txt"))
    assert {(f.parent.name, f.stem) for f in files} == {(y, p.stem) for y in YEARS for p in CASES}
    total = sum(f.stat().st_size for f in files)
    assert total <= MAX_SNAPSHOT_BYTES, f"{total:,} bytes of snapshots"


def test_no_source_position_or_file_name_is_in_a_snapshot():
    for f in SNAPSHOTS.rglob("*.txt"):
        text = f.read_text(encoding="utf-8")
        assert ".rules" not in text and "\"at\"" not in text, f


@pytest.fixture(scope="module")
def stored():
    return {(f.parent.name, f.stem): f.read_text(encoding="utf-8") for f in SNAPSHOTS.rglob("*.txt")}


def test_comments_blank_lines_and_the_order_of_definitions_change_no_snapshot_byte(tmp_path_factory, stored):
    root = cosmetic_copy(tmp_path_factory.mktemp("cosmetic"))
    edited = (root / "2024" / "requirements.rules").read_text(encoding="utf-8")
    original = (Path(__file__).resolve().parent.parent / "policies" / "2024" / "requirements.rules").read_text(encoding="utf-8")
    assert edited != original and edited.index("rule 国内事業者") > edited.index("step 労働生産性計画")  # really reordered
    briefs = all_briefs(load_years(root))
    changed = sorted(key for key, text in briefs.items() if stored.get(key) != text)
    assert changed == []


def test_one_changed_cap_changes_only_the_examples_it_decides_a_few_lines_each(tmp_path_factory, stored, policies):
    import difflib
    import shutil

    root = tmp_path_factory.mktemp("cap") / "policies"
    shutil.copytree(Path(__file__).resolve().parent.parent / "policies", root)
    security = root / "2024" / "frame_security.rules"
    security.write_text(security.read_text(encoding="utf-8").replace("at most 100万円", "at most 80万円"), encoding="utf-8")
    changed = {}
    for key, text in all_briefs(load_years(root)).items():
        if stored[key] != text:
            changed[key] = [line for line in difflib.unified_diff(stored[key].splitlines(), text.splitlines(), lineterm="", n=0)
                            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    # 2023 and 2024 take the cap from this file (2023 extends 2024; 2025 overrides it with 150万円)
    assert changed and {year for year, _ in changed} <= {"2023", "2024"}
    for key, lines in changed.items():
        assert 2 <= len(lines) <= 8, (key, lines)
        # the new cap itself (as the 公募要領 writes it) or an amount it now holds down
        assert any("800,000円" in line or "80万円" in line for line in lines if line.startswith("+")), (key, lines)
