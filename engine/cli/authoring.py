"""The author's commands: `policy check`, `fmt`, `schema`, `graph`, `doc` and `lsp`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.language.diagnostics import PolicyError, render_all
from engine.compile.pipeline import diagnose, load_policy
from engine.language.resources import default_policy_dir
from engine.evaluate.selection import policy_folders
from engine.cli.common import (EXIT_OK, EXIT_USAGE, EXIT_BAD_POLICY, _fail, cli, _write_text, _policy_option, _policy_folder,
                               _known_frames)
from engine.cli.words import word


@cli.command("schema")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option(help="Policy folder. Default: the bundled 2024 policy.")
def schema_command(policy_dir: str | None, policy_option: str | None) -> None:
    """Print the JSON Schema of a case for the policy (for editors and validators). DIR: deprecated, use --policy."""
    from engine.authoring import schema
    policy_dir = _policy_folder("schema", policy_option, policy_dir)
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    click.echo(json.dumps(schema.case_schema(policy), ensure_ascii=False, indent=2))


@cli.command("graph")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option(help="Policy folder. Default: the bundled 2024 policy.")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True,
              help="mermaid: for Markdown viewers; dot: for Graphviz.")
@click.option("--frame", default=None, help="Only this frame and what it depends on.")
def graph_command(policy_dir: str | None, policy_option: str | None, fmt: str, frame: str | None) -> None:
    """Print the compiled evaluation tree as Mermaid or Graphviz dot source. DIR: deprecated, use --policy."""
    from engine.authoring import graph
    policy_dir = _policy_folder("graph", policy_option, policy_dir)
    try:
        policy = load_policy(policy_dir or default_policy_dir()).policy
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    if frame is not None:
        _known_frames(policy, (frame,))
    g = graph.build(policy, frame)
    click.echo(graph.mermaid(g) if fmt == "mermaid" else graph.dot(g), nl=False)


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", "check_only", is_flag=True, help="List the files that would change and exit 1 if any; change nothing.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print what would change as a unified diff and exit 1 if anything would; change nothing (implies --check).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the messages: the problems found, the summary.")
def fmt_command(paths: tuple[str, ...], check_only: bool, show_diff: bool, lang: str) -> None:
    """Lay out .rules files (PATHS: files or folders; default: policies/) in the one canonical way."""
    from engine.language import fmt  # the parser (and Lark) load only for the commands that parse
    check_only = check_only or show_diff
    files = []
    for p in map(Path, paths or ("policies",)):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*.rules") if f.is_file()))  # a folder named x.rules is not one
        elif p.exists():
            files.append(p)
        else:
            _fail(word(lang, "fmt.no_such", path=p), EXIT_USAGE)
    seen: set = set()
    files = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]  # a file named twice is one file
    changed, failed = [], 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of the text (as the loader reads it)
            formatted = fmt.format_file_text(text, str(path))
        except UnicodeDecodeError:
            click.echo(word(lang, "fmt.not_utf8", path=path), err=True)
            failed += 1
            continue
        except PolicyError as exc:
            click.echo(exc.said(lang), err=True)
            failed += 1
            continue
        except fmt.FormatChangedMeaning:
            click.echo(word(lang, "fmt.changed_meaning", path=path), err=True)
            failed += 1
            continue
        if formatted != text:
            changed.append(path)
            if show_diff:
                click.echo(fmt.unified_diff(text, formatted, path.as_posix()), nl=False)
            if not check_only:
                path.write_text(formatted, encoding="utf-8")
    for path in changed if not show_diff else ():
        click.echo(word(lang, "fmt.would_reformat" if check_only else "fmt.reformatted", path=path))
    not_read = word(lang, "fmt.not_read", n=failed) if failed else ""
    click.echo(word(lang, "fmt.summary_check" if check_only else "fmt.summary", files=len(files), changed=len(changed), not_read=not_read),
               err=True)
    if failed:
        sys.exit(EXIT_BAD_POLICY)
    sys.exit(1 if check_only and changed else EXIT_OK)


@cli.command("check")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option(help="Policy folder. Default: the bundled 2024 policy; a folder of policy years checks each.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="text: file:line:col with the line and a caret, on standard error; json: the problems as data; "
                   "sarif: SARIF 2.1.0 for CI annotations (json and sarif on standard output).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the problems and the summary (also of the messages in json and sarif; their rule ids stay).")
def check_command(policy_dir: str | None, policy_option: str | None, fmt: str, lang: str) -> None:
    """Parse and check a policy folder (default: the bundled 2024 policy), or every year of a folder
    of policy years (e.g. `policy check --policy policies`); report every problem as file:line:col.
    DIR: deprecated, use --policy."""
    policy_dir = _policy_folder("check", policy_option, policy_dir, lang)
    folder = Path(policy_dir) if policy_dir else default_policy_dir()
    years = [folder]
    if folder.is_dir() and not (folder / "policy.rules").exists():
        try:  # a folder of years: check each one
            years = policy_folders(folder)
        except PolicyError:
            years = [folder]  # neither: the single-folder check says what is missing
    errors = warnings = 0
    checked = []  # (folder, diagnostics) for --format json|sarif
    for year in years:
        try:
            found, sources = diagnose(year)
        except PolicyError as exc:
            checked.append((str(year), list(exc.diagnostics)))
            if fmt != "text":
                errors += 1
                continue
            if len(years) == 1:
                _fail(exc.said(lang), EXIT_BAD_POLICY)
            click.echo(exc.said(lang), err=True)
            errors += 1
            continue
        checked.append((str(year), list(found)))
        errors += sum(d.severity == "error" for d in found)
        warnings += sum(d.severity != "error" for d in found)
        if fmt != "text":
            continue
        if found:
            click.echo(render_all(found, sources, lang), err=True)
        if len(years) > 1:
            click.echo(word(lang, "check.year", year=year, errors=sum(d.severity == "error" for d in found),
                            warnings=sum(d.severity != "error" for d in found)), err=True)
    if fmt == "text":
        click.echo(word(lang, "check.summary_years" if len(years) > 1 else "check.summary", errors=errors, warnings=warnings,
                        years=len(years)), err=True)
    else:
        from engine.authoring import render_check

        out = render_check.as_json(checked, lang) if fmt == "json" else render_check.as_sarif(checked, lang)
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    sys.exit(EXIT_BAD_POLICY if errors else EXIT_OK)


@cli.command("doc")
@click.argument("policy_dir", required=False, type=click.Path(), metavar="[DIR]")
@_policy_option(help="Policy folder. Default: the bundled 2024 policy.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the document here (default: standard output); .html or .md chooses the format.")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default=None,
              help="html: one self-contained page; markdown. Default: from -o's extension, else markdown.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the document (ja: Japanese, en: English).")
def doc_command(policy_dir: str | None, policy_option: str | None, output: str | None, fmt: str | None, lang: str) -> None:
    """Render a policy (default: the bundled 2024) as a reviewer's document: every frame, rule, table
    and question with its citation, and what a year that extends another changed. DIR: deprecated, use --policy."""
    from engine.authoring import doc
    policy_dir = _policy_folder("doc", policy_option, policy_dir, lang)
    if fmt is None:
        fmt = "html" if output and Path(output).suffix.lower() in (".html", ".htm") else "markdown"
    try:
        document = doc.build(policy_dir or default_policy_dir(), lang)
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    _write_text(doc.page(document, lang) if fmt == "html" else doc.markdown(document, lang), output, lang)


@cli.command("lsp")
def lsp_command() -> None:
    """Run the language server on standard input and output (for editors; needs the lsp extra)."""
    import importlib

    try:  # by module name: imported anew when it is not loaded, so a missing pygls is found here
        lsp = importlib.import_module("engine.authoring.lsp")
    except ImportError as exc:
        _fail(word("en", "extra.lsp", error=exc), EXIT_USAGE)
    lsp.main()
