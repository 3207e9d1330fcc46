"""The `policy` command's group, its one table of exit codes, and what the commands share: failing
with a message and a code, naming the case file, the policy folder option, writing a page whole."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from engine import __version__
from engine.language.diagnostics import CaseError
from engine.evaluate.selection import fields_of_years
from engine.cli.help import HelpGroup
from engine.cli.words import word
from engine.i18n.system import os_reason

# One table, used by every command (README: "Exit codes").
EXIT_OK = 0  # done; for `eval`: decided, whatever the decision (after OPA: a result is not a failure)
EXIT_NOT_ELIGIBLE = 1  # `eval --fail`: decided, and no frame eligible
EXIT_CHANGED = 1  # `diff`: some decision changed
EXIT_TEST_FAILED = 1  # `test`: some case did not get the decision it expects
EXIT_USAGE = 2  # wrong command line (click's own code)
EXIT_BAD_CASE = 3  # the case file is unreadable or does not fit the policy
EXIT_BAD_POLICY = 4  # the policy does not parse or check
EXIT_INTERNAL = 70  # a bug in the engine


def _case_message(exc: CaseError, lang: str = "en") -> str:
    from engine.evaluate.case_words import word as case_word

    head = case_word(lang, "invalid")
    return f"{head}:\n{exc}" if len(exc.problems) > 1 else f"{head}: {exc}"


def _shown(case: str, lang: str = "en") -> str:
    """How messages name the case file: `-` is standard input (in the messages' language)."""
    from engine.evaluate.case_words import word as case_word

    return case_word(lang, "file.stdin") if case == "-" else case


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@click.group(cls=HelpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy")
def cli() -> None:
    """Rules-as-code for public subsidy programmes."""


def _write_text(text: str, output: str | None, lang: str = "en") -> None:
    """Write a page or document to `output`, or to standard output when it is absent or `-` (as for batch)."""
    if output and output != "-":
        _write_whole(text, output, lang)
    else:
        click.echo(text, nl=False)


def _write_whole(text: str, output: str, lang: str = "en") -> None:
    """Write `output` through a temporary file beside it, renamed over it once whole: a failure or a
    signal midway leaves the previous file (or none), never half a page or report."""
    from engine.population.outputs import atomic_output

    try:
        with atomic_output(Path(output)) as temp:
            temp.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(word(lang, "file.unwritable", path=output, reason=os_reason(lang, exc)), EXIT_USAGE)


def _policy_option(help: str):
    """`--policy DIR`, the one spelling of the policy folder on every command (OLD_DIR NEW_DIR of
    diff and --compare excepted: two policies). Its help is written where it is used, whole, so
    that the catalogue reads it there (engine/i18n/catalogues.py)."""
    return click.option("--policy", "policy_option", type=click.Path(), default=None, help=help)


def _policy_folder(command: str, option: str | None, positional: str | None, lang: str = "en") -> str | None:
    """The folder from --policy, or from the positional spelling it replaces (still read, with a
    deprecation note on standard error so scripts keep working while they are moved over)."""
    if positional is None:
        return option
    if option is not None:
        _fail(word(lang, "policy.twice", command=command, option=option, positional=positional), EXIT_USAGE)
    click.echo(word(lang, "policy.deprecated", command=command, positional=positional), err=True)
    return positional


def _sibling_fields(policy_dir) -> frozenset:
    """Input names the other policy years beside `policy_dir` declare (a shared corpus may carry them);
    a folder beside it that does not load is no year of it, and is no reason to stop."""
    return fields_of_years(Path(policy_dir).resolve().parent, skip_broken=True)


def _known_frames(policy, frames, lang: str = "en") -> None:
    """Usage error for a --frame the policy does not have, with the closest name."""
    import difflib

    names = [f.name for f in policy.frames]
    unknown = [f for f in frames if f not in names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1, cutoff=0.4)
        hint = word(lang, "frame.did_you_mean", name=close[0]) if close else ""
        _fail(word(lang, "frame.no_such", frame=unknown[0], hint=hint, known=", ".join(names)), EXIT_USAGE)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug of ours: say so plainly, without a traceback
        if os.environ.get("POLICY_DEBUG"):
            raise
        click.echo(word("en", "internal", kind=type(exc).__name__, error=exc), err=True)
        sys.exit(EXIT_INTERNAL)
