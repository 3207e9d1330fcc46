"""The message catalogues (engine/locale/<lang>/LC_MESSAGES/<domain>.po and .mo): every string the
code marks is in every language's catalogue with a translation, each .mo is its .po compiled by
Babel, and no sentence a person reads is written in the code of the explanations or the case
reader outside the catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine.i18n import DOMAINS, LANGUAGES, catalogues, translator
from engine.explain.messages import message
from engine.evaluate.case_words import word

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_has_a_translation(lang, domain):
    marked = catalogues.extracted(domain)
    assert marked, f"no N_() mark found for {domain}"
    on_file = {(key, msgid): string for key, msgid, string in catalogues.entries(catalogues.read(lang, domain))}
    missing = [f"{key}: {msgid}" for key, msgid in marked if (key, msgid) not in on_file]
    assert missing == [], f"{lang}/{domain}.po lacks (run python -m engine.i18n.catalogues):\n" + "\n".join(missing)
    untranslated = [f"{key}: {msgid}" for (key, msgid), string in on_file.items() if not string.strip()]
    assert untranslated == [], f"{lang}/{domain}.po leaves these untranslated:\n" + "\n".join(untranslated)
    stale = [key for key, _ in on_file if key not in dict(marked)]
    assert stale == [], f"{lang}/{domain}.po holds strings no code marks: {stale}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_mo_is_the_po_compiled_by_babel(lang, domain):
    mo = catalogues.po_path(lang, domain).with_suffix(".mo")
    assert catalogues.mo_entries(mo.read_bytes()) == catalogues.mo_entries(catalogues.mo_bytes(catalogues.read(lang, domain)))


def test_the_check_a_maintainer_runs_finds_nothing_out_of_date():
    assert catalogues.check() == []


def test_an_untranslated_string_is_found(tmp_path, monkeypatch):
    po = catalogues.po_path("ja", "case")
    text = po.read_text(encoding="utf-8")
    changed = re.sub(r'(msgctxt "missing.bool"\nmsgid "[^"]*"\nmsgstr )"[^"]*"', r'\1""', text)
    assert changed != text
    copy = tmp_path / "ja" / "LC_MESSAGES" / "case.po"
    copy.parent.mkdir(parents=True)
    copy.write_text(changed, encoding="utf-8")
    monkeypatch.setattr(catalogues, "po_path", lambda lang, domain: tmp_path / lang / "LC_MESSAGES" / f"{domain}.po")
    assert "missing.bool: missing; expected true or false" in catalogues.untranslated(catalogues.merged("ja", "case"))[0]


def test_the_runtime_reads_the_catalogues_with_the_standard_library():
    assert type(translator("ja", "explain")).__module__ == "gettext"
    assert message("ja", "status.eligible") == "対象" and message("en", "status.eligible") == "eligible"
    assert word("ja", "expected.bool") == "「はい」か「いいえ」" and word("en", "expected.bool") == "true or false"
    with pytest.raises(ValueError, match="no catalogue for language 'fr'"):
        translator("fr", "explain")


# ------------------------------------------------------------------ nothing bypasses the catalogue
# The modules whose every sentence must come from a catalogue, and the literals they may hold that
# are not sentences: markup, symbols and the units the policy language itself spells. The command
# line's modules are scanned less their click decorators: the --help texts there are the English
# source texts that engine/cli/help.py says through the cli catalogue (tests/test_cli_help.py holds
# every one translated); help.py and usage_errors.py, not scanned, hold click's English only as the
# keys and patterns they recognise it by. Serve still says its usage errors in English (docs/messages.md).
CLI = ROOT / "engine" / "cli"
SCANNED = sorted((ROOT / "engine" / "explain").glob("*.py")) + [
    ROOT / "engine" / "evaluate" / name for name in ("case.py", "case_words.py", "case_problems.py")] + [
    # the service's own messages: its problems, their kinds, the /docs page (domain "serve")
    ROOT / "engine" / "serve" / f"{name}.py" for name in ("messages", "problems", "app", "registry", "docs_page", "decide", "handling",
                                                          "rules_route", "relevance_route")] + [
    ROOT / "engine" / "serve" / f"{name}.py"  # the self-check page and its result panel (domain page)
    for name in ("page", "page_text", "result", "calculation", "way_forward", "call_period", "citation", "questions", "templating")
] + [ROOT / "engine" / "population" / "report_tables.py"] + [
    # the command line's words (domain "cli") and the author's reports (domain "authoring")
    CLI / f"{name}.py" for name in ("common", "decide", "batch", "authoring", "casetest", "words", "population")] + [
    ROOT / "engine" / "population" / "errors.py"] + [
    ROOT / "engine" / "authoring" / f"{name}.py" for name in ("doc", "render_casetest", "words", "casetest")]
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}")
_MARKUP = re.compile(r"<[^>]*(?:>|$)|&\w+;")  # tags, whole or cut by a placeholder
# the yen sign and units the amounts are printed with (a report's 2,377.4億円); the separator of member
# names; a standard's name. Longest first.
ALLOWED = ("JSON Schema", "億円", "万円", "円", "・", "件目")
# Whole literals that are no sentence: a value of the API (/readyz's status), a language's own name
# (the /docs page's switch), the reload's error for operators beside the policy checker's diagnostics;
# the policy's own keywords as `policy doc` quotes a definition, the values a test's mismatch holds
# (said through the catalogue), the name of the JUnit suite, the --policy option's help default.
NOT_SENTENCES = {"not ready", "日本語", "English", "cannot read the policies: ",
                 " for each ", "  exclusions all", "  exclusions none", "not evaluated", "policy test", "the bundled 2024 policy"}


def _literals(path: Path):
    """String constants that a person could read, less docstrings, N_() marks, CSS and exception texts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
            skip.update(id(a) for a in node.args)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print" and any(k.arg == "file" for k in node.keywords):
            skip.update(id(n) for n in ast.walk(node))  # the operator's console (stderr), English as the access log
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):  # click's options and their --help
            skip.update(id(n) for d in node.decorator_list for n in ast.walk(d))
        if isinstance(node, ast.keyword) and node.arg == "help":
            skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, ast.Raise) and node.exc is not None:
            skip.update(id(n) for n in ast.walk(node.exc))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("_CSS", "STYLE") for t in node.targets):
            skip.add(id(node.value))
    found = [(node.lineno, node.value) for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]
    return sorted(found)


def bypasses(path: Path) -> list[str]:
    """Each literal of `path` that reads as a sentence (Japanese, or two English words)."""
    found = []
    for line, text in _literals(path):
        if text in NOT_SENTENCES:
            continue
        bare = _MARKUP.sub(" ", text)
        for allowed in ALLOWED:
            bare = bare.replace(allowed, "")
        if _JAPANESE.search(bare) or _ENGLISH.search(bare):
            found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{line}: {text!r}")
    return found


def test_no_sentence_in_the_explanations_the_case_reader_or_the_services_errors_bypasses_the_catalogue():
    found = [problem for path in SCANNED for problem in bypasses(path)]
    assert found == [], "\n".join(found)


def test_a_message_of_the_command_line_written_in_the_code_would_be_found(tmp_path):
    module = tmp_path / "cli_x.py"
    module.write_text('import click\n\n@click.option("--x", help="Any help may be written here.")\ndef f(x):\n'
                      '    _fail(f"cannot tell the format of {x}", 2)\n', encoding="utf-8")
    assert [p.split(": ", 1)[1] for p in bypasses(module)] == ["'cannot tell the format of '"]


def test_a_sentence_written_in_the_code_would_be_found(tmp_path):
    module = tmp_path / "render_x.py"
    module.write_text('"""A docstring may say anything."""\n\ndef f(x):\n    return f"{x} は下限未満です"\n\n'
                      'def g():\n    return "not eligible here"\n', encoding="utf-8")
    assert [p.split(": ", 1)[1] for p in bypasses(module)] == ["' は下限未満です'", "'not eligible here'"]


# ------------------------------------------------------------------ nothing bypasses it in the templates either
TEMPLATES = sorted((ROOT / "engine" / "serve" / "templates").glob("*.html"))
_TEMPLATE_CODE = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)  # comments, expressions, statements


def template_bypasses(path: Path) -> list[str]:
    """The words of a template written in it rather than said through t(), r() or m() (the catalogues)."""
    bare = _MARKUP.sub(" ", _TEMPLATE_CODE.sub(" ", path.read_text(encoding="utf-8"))).replace("□", " ")
    return [f"{path.name}: {line.strip()!r}" for line in bare.splitlines() if _JAPANESE.search(line) or _ENGLISH.search(line)]


def test_no_sentence_in_the_pages_templates_bypasses_the_catalogue():
    assert len(TEMPLATES) >= 6
    found = [problem for path in TEMPLATES for problem in template_bypasses(path)]
    assert found == [], "\n".join(found)


def test_a_sentence_written_in_a_template_would_be_found(tmp_path):
    page = tmp_path / "result.html"
    page.write_text('{# 説明はコメントに書けます #}<p class="x">{{ t("disclaimer") }}</p>\n<p>補助額は目安です</p>\n'
                    '<strong>Please note</strong>', encoding="utf-8")
    assert template_bypasses(page) == ["result.html: '補助額は目安です'", "result.html: 'Please note'"]
