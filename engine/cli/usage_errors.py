"""click's usage errors in the reader's language: an unknown option or command, a missing argument
or option, an option without its value, a value not among the choices or out of range, an
argument too many (every kind of value the commands' options take: a choice, a range, a whole
number; a path is not checked by click). Said in Japanese (the default, as --help) from what the error holds; under
`--lang en`, and for any error not listed here, click's own English as it was (never half of each)."""

from __future__ import annotations

import re
import sys

import click

from engine.i18n import N_, catalogue

WORDS = catalogue([
    N_("error.frame.try", "Try '{command} {option}' for help."),
    N_("error.frame.error", "Error: {message}"),
    N_("error.no_such_option", "No such option {name}."),
    N_("error.no_such_command", "No such command {name}."),
    N_("error.did_you_mean", " (did you mean {names}?)"),
    N_("error.missing_argument", "Missing argument {name}."),
    N_("error.missing_option", "Missing option {name}."),
    N_("error.needs_value", "Option {name} requires a value."),
    N_("error.choice", "Invalid value for {name}: choose one of {choices}."),
    N_("error.range", "Invalid value for {name}: give a number in the range {range}."),
    N_("error.integer", "Invalid value for {name}: give a whole number."),
    N_("error.extra_arguments", "Got unexpected extra arguments ({args})."),
])
_NEEDS_VALUE = re.compile(r"Option '(?P<name>[^']+)' requires an argument\.$")
_EXTRA = re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)$", re.S)


def message(exc: click.UsageError, say) -> str | None:
    """What `exc` says, by `say(key, **values)` in the reader's language; None for an error this
    does not know (click's English is shown whole)."""
    ctx = exc.ctx
    if isinstance(exc, click.NoSuchOption):
        return say("error.no_such_option", name=repr(exc.option_name)) + _close(say, exc.possibilities)
    if getattr(exc, "command_name", None) is not None:  # click's NoSuchCommand (8.4+)
        return say("error.no_such_command", name=repr(exc.command_name)) + _close(say, exc.possibilities)
    if isinstance(exc, click.MissingParameter) and exc.param is not None and not exc.message:
        key = {"argument": "error.missing_argument", "option": "error.missing_option"}.get(exc.param.param_type_name)
        return say(key, name=exc.param.get_error_hint(ctx)) if key else None
    if type(exc) is click.BadParameter and exc.param is not None:  # a value its type refused
        name, kind = exc.param.get_error_hint(ctx), exc.param.type
        if isinstance(kind, click.Choice):
            return say("error.choice", name=name, choices=", ".join(map(str, kind.choices)))
        if isinstance(kind, (click.IntRange, click.FloatRange)):
            return say("error.range", name=name, range=kind._describe_range())
        return say("error.integer", name=name) if isinstance(kind, click.types.IntParamType) else None
    if type(exc) in (click.BadOptionUsage, click.UsageError, click.BadArgumentUsage):
        if match := _NEEDS_VALUE.match(exc.message):
            return say("error.needs_value", name=repr(match["name"]))
        if match := _EXTRA.match(exc.message):
            return say("error.extra_arguments", args=match["args"])
    return None


def _close(say, names) -> str:
    return say("error.did_you_mean", names=", ".join(names)) if names else ""


class SaidUsageError(click.UsageError):
    """A usage error said in a language: the usage line and the hint as --help says them, then the
    error; the exit code click's (2)."""

    def __init__(self, text: str, ctx: click.Context, usage: str, say) -> None:
        super().__init__(text, ctx)
        self.usage, self.say = usage, say

    def show(self, file=None) -> None:
        ctx = self.ctx
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            names = ctx.command.get_help_option_names(ctx)
            hint = self.say("error.frame.try", command=ctx.command_path, option=max(names, key=len)) + "\n"
        stream = file if file is not None else sys.stderr  # click.get_text_stream is deprecated (Click 9)
        click.echo(f"{self.usage}\n{hint}", file=stream, color=ctx.color)
        click.echo(self.say("error.frame.error", message=self.format_message()), file=stream, color=ctx.color)
