"""Keeping the catalogues: extract every N_() mark of a domain's source files, merge them into each
language's .po (translations kept, new strings added with an empty msgstr, strings gone dropped)
and compile the .mo beside it. Needs Babel (the test extra); the engine itself reads the .mo files
with the standard library alone.

    python -m engine.i18n.catalogues            # after adding or changing a message in the code
    python -m engine.i18n.catalogues --check    # exit 1 if a .po or .mo is out of date or a string is untranslated
"""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from engine.i18n import DOMAINS, LANGUAGES, LOCALE_DIR

ENGINE = LOCALE_DIR.parent
# Where each domain's strings are marked with N_(key, English msgid).
SOURCES = {
    "explain": ("explain/messages.py", "explain/sentences.py"),
    "case": ("evaluate/case_words.py",),
    "population": ("population/report.py", "population/report_tables.py", "population/errors.py"),
    "serve": ("serve/messages.py",),
    "page": ("serve/page_text.py",),
    "language": ("language/diagnostics.py", "language/types.py", "language/loader.py", "language/parser.py", "language/syntax_errors.py", "language/transform_declarations.py",
                 "language/inherit.py", "language/symbols.py", "language/checker.py",
                 "language/checker_declarations.py", "language/checker_expressions.py", "language/checker_frames.py", "language/ranges.py", "language/literals.py",
                 "evaluate/selection.py"),
    "authoring": ("authoring/words.py",),
    "cli": ("cli/words.py", "cli/help.py", "cli/usage_errors.py"),
    "system": ("i18n/system.py",),
}
KEYWORDS = {"N_": ((1, "c"), 2)}
# Where a domain's --help texts are: the English of each command's docstring and each option's help=
# in its click decorators, keyed by the command and option names (engine/cli/help.py says them)
HELP_SOURCES = {"cli": ("cli/common.py", "cli/decide.py", "cli/batch.py", "cli/authoring.py", "cli/casetest.py", "cli/serve.py",
                        "cli/population.py")}
# decorators that make an option without naming it in the call: engine/cli/common.py's --policy
OPTION_HELPERS = {"_policy_option": "--policy"}
_FIXED_DATE = datetime.datetime(2026, 12, 3, tzinfo=datetime.timezone.utc)  # no date churn in the files


def po_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def extracted(domain: str) -> list[tuple[str, str]]:
    """(key, English msgid) of every mark in the domain's sources, in source order."""
    from babel.messages.extract import extract_from_file

    found = []
    for name in SOURCES[domain]:
        path = ENGINE / name
        if path.exists():
            for _line, msgid, _comments, context in extract_from_file("python", path, keywords=KEYWORDS):
                found.append((context, msgid))
    for name in HELP_SOURCES.get(domain, ()):
        found += help_texts(ENGINE / name)
    return found


def help_texts(path: Path) -> list[tuple[str, str]]:
    """(key, English) of the --help texts a module of the command line writes: `help.<command>` for
    the docstring of a function decorated `@cli.command("<command>")` (`help.policy` for the
    `@click.group`), `help.<command>.<--option>` for the help= of each of its decorators, named by
    the option's first long name (engine/cli/help.py text_key reads the same keys at run time)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        scope = next((s for s in map(_command_name, node.decorator_list) if s), None)
        if scope is None:
            continue
        if ast.get_docstring(node):
            found.append((f"help.{scope}", ast.get_docstring(node)))
        for decorator in node.decorator_list:
            text = next((k.value for k in getattr(decorator, "keywords", ()) if k.arg == "help"), None)
            if text is None:
                continue
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                raise ValueError(f"{path}:{decorator.lineno}: help= is not a plain string; the catalogue cannot read it")
            found.append((f"help.{scope}.{_option_name(decorator, path)}", text.value))
    return found


def _command_name(decorator) -> str | None:
    """`cli.command("x")` names the command x; `click.group(...)` is the `policy` group."""
    import ast

    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
        if decorator.func.attr == "command" and decorator.args and isinstance(decorator.args[0], ast.Constant):
            return decorator.args[0].value
        if decorator.func.attr == "group" and getattr(decorator.func.value, "id", None) == "click":
            return "policy"
    return None


def _option_name(decorator, path: Path) -> str:
    """The option's first long name (`--trace` of "--trace/--no-trace"), else its first name."""
    names = [a.value.split("/")[0] for a in decorator.args if isinstance(getattr(a, "value", None), str) and a.value.startswith("-")]
    if names:
        return next((n for n in names if n.startswith("--")), names[0])
    helper = getattr(decorator.func, "id", None)
    if helper in OPTION_HELPERS:
        return OPTION_HELPERS[helper]
    raise ValueError(f"{path}:{decorator.lineno}: cannot tell which option this help= is for")


def _new_catalog(lang: str, domain: str):
    from babel.messages.catalog import Catalog

    return Catalog(locale=lang, domain=domain, project="subsidy-policy", creation_date=_FIXED_DATE,
                   revision_date=_FIXED_DATE, charset="utf-8", fuzzy=False,
                   header_comment=f"# {domain} messages of subsidy-policy, {lang}. Keys are msgctxt; msgids are the English source.\n#")


def read(lang: str, domain: str):
    from babel.messages.pofile import read_po

    path = po_path(lang, domain)
    if not path.exists():
        return _new_catalog(lang, domain)
    with open(path, "rb") as f:
        return read_po(f, locale=lang, domain=domain)


def merged(lang: str, domain: str):
    """The domain's catalogue for `lang` as the sources now mark it: the .po's translations kept
    (English keeps the msgid where none is written)."""
    old = read(lang, domain)
    new = _new_catalog(lang, domain)
    for key, msgid in extracted(domain):
        before = old.get(msgid, context=key)
        string = before.string if before is not None and before.string else ("" if lang != "en" else msgid)
        new.add(msgid, string, context=key)
    return new


def po_bytes(catalog) -> bytes:
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, width=0, no_location=True)
    return out.getvalue()


def mo_bytes(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def untranslated(catalog) -> list[str]:
    return [f"{m.context}: {m.id}" for m in catalog if m.id and not m.string]


def update() -> list[str]:
    """Write every .po and .mo; the keys still untranslated."""
    missing = []
    for domain in DOMAINS:
        for lang in LANGUAGES:
            catalog = merged(lang, domain)
            path = po_path(lang, domain)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(po_bytes(catalog))
            path.with_suffix(".mo").write_bytes(mo_bytes(catalog))
            missing += [f"{lang}/{domain} {m}" for m in untranslated(catalog)]
    return missing


def entries(catalog) -> list[tuple[str, str, str]]:
    """(key, msgid, msgstr) in order: what a catalogue says, apart from its header."""
    return [(m.context, m.id, m.string) for m in catalog if m.id]


def mo_entries(data: bytes) -> dict[str, str]:
    """What the standard library reads from a .mo ("key\x04msgid" -> msgstr), header aside."""
    import gettext

    table = gettext.GNUTranslations(io.BytesIO(data))._catalog
    return {k: v for k, v in table.items() if k != ""}


def check() -> list[str]:
    """What is out of date, without writing anything: a .po that is not what the sources mark, a
    .mo that is not its .po compiled by Babel, an untranslated string."""
    problems = []
    for domain in DOMAINS:
        for lang in LANGUAGES:
            catalog = merged(lang, domain)
            path = po_path(lang, domain)
            if not path.exists() or entries(read(lang, domain)) != entries(catalog):
                problems.append(f"{path.relative_to(ENGINE.parent)} is not what the sources mark")
            mo = path.with_suffix(".mo")
            if not mo.exists() or mo_entries(mo.read_bytes()) != mo_entries(mo_bytes(read(lang, domain))):
                problems.append(f"{mo.relative_to(ENGINE.parent)} is not the compiled .po")
            problems += [f"{lang}/{domain} untranslated: {m}" for m in untranslated(catalog)]
    return problems


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    problems = check() if "--check" in sys.argv else update()
    print("\n".join(problems))
    sys.exit(1 if problems else 0)
