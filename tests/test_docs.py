"""The documentation says what is true: the README stays a short guide whose two commands are the
ones CI runs, every relative link (and its #anchor) leads somewhere, the architecture drawing is the
import-linter layers, and the benchmark results say when and where they were measured."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
RESULTS = ROOT / "benchmarks" / "RESULTS.md"

INSTALL = "python3 -m venv .venv && . .venv/bin/activate && pip install . && policy eval examples/seed_invoice_small_1m.json"
TEST = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && lint-imports && pytest"

FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code (neither holds links or headings)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


def broken_links(path: Path) -> list[str]:
    """Every relative link of a Markdown file whose file, or #anchor in a Markdown file, is missing."""
    broken = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(f"{path.name}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{path.name}: {target} (no such heading in {dest.name})")
    return broken


def shell_blocks(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^```sh\n(.*?)^```", text, re.M | re.S)]


def test_the_readme_is_a_short_guide():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move detail to docs/"
    assert lines[0].startswith("# ")


def test_the_readme_has_the_two_commands_exactly():
    blocks = shell_blocks(README.read_text(encoding="utf-8"))
    assert INSTALL in blocks, "the install-and-evaluate command is not a code block of its own in README.md"
    assert TEST in blocks, "the test command is not a code block of its own in README.md"


def test_the_test_command_is_the_one_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip().startswith("python3 -m venv")]
    assert commands == [TEST], commands


def test_the_readme_names_what_ci_installs_for_the_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    packages = re.findall(r"missing\+=\(([\w.-]+)\)", ci)
    assert packages, "no Debian package found in .ci/run"
    readme = README.read_text(encoding="utf-8")
    assert [p for p in packages if f"`{p}`" not in readme] == []
    assert "Python ≥ 3.11" in readme


def test_the_readme_names_every_test_file_that_needs_a_browser():
    imports = re.compile(r"^from browser_support import .*\bbrowser_only\b", re.M)
    uses = sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if imports.search(p.read_text(encoding="utf-8")))
    assert uses, "no test file uses browser_only"
    readme = README.read_text(encoding="utf-8")
    assert [name for name in uses if name not in readme] == []


@pytest.mark.parametrize("path", [README, *DOCS, RESULTS], ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(path):
    assert broken_links(path) == []


def test_a_broken_link_would_be_found(tmp_path):
    (tmp_path / "there.md").write_text("# A heading\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[ok](there.md#a-heading) [gone](missing.md) [no anchor](there.md#elsewhere)\n"
                    "`[in code](missing.md)`\n```\n[in a block](missing.md)\n```\n", encoding="utf-8")
    assert broken_links(page) == ["page.md: missing.md (no such file)", "page.md: there.md#elsewhere (no such heading in there.md)"]


def test_the_old_population_page_points_to_its_new_place():
    old = (ROOT / "docs" / "population.md").read_text(encoding="utf-8")
    assert "batch-and-population.md#the-synthetic-population-policy-synth" in old
    assert len(old.splitlines()) < 20


def test_the_architecture_drawing_is_the_import_linter_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    layers = [{name.strip().removeprefix("engine.") for name in layer.split("|")} for layer in contract["layers"]]
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = re.search(r"## The layers\n\n```text\n(.*?)```", text, re.S)
    assert drawing, "docs/architecture.md has no drawing under '## The layers'"
    rows = [{name.strip() for name in line.split("·")} for line in drawing.group(1).splitlines()
            if line.strip() and line.strip() != "│"]
    assert rows == layers
    for package in set().union(*layers):
        assert f"`engine.{package}`" in text, f"docs/architecture.md does not describe engine.{package}"


def test_the_benchmark_results_say_when_and_where():
    lines = RESULTS.read_text(encoding="utf-8").splitlines()
    assert re.search(r"\b20\d\d-[01]\d-[0-3]\d\b", lines[0]), lines[0]
    assert re.search(r"\b\d+ cores\b", lines[0]) and "memory" in lines[0], lines[0]
    text = "\n".join(lines)
    sections = re.findall(r"<!-- begin (.+?) -->\n(.*?)<!-- end \1 -->", text, re.S)
    assert {name for name, _ in sections} >= {"run.py", "population.py", "load.py"}
    for name, body in sections:
        assert re.search(r"measured 20\d\d-[01]\d-[0-3]\d", body), f"section {name} has no date"
        assert "Python 3." in body and "subsidy-policy" in body, f"section {name} has no versions"


def test_the_figures_in_the_docs_carry_a_date_found_in_the_results():
    results = RESULTS.read_text(encoding="utf-8")
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    dates = set(re.findall(r"\b20\d\d-[01]\d-[0-3]\d\b", text))
    assert dates, "docs/performance.md quotes no dated figure"
    assert [d for d in sorted(dates) if f"measured {d}" not in results] == []
