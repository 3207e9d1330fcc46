"""`--help` in the reader's language: the command and option helps stay English in the click
decorators (the msgid), and are said at the moment help is written by the `cli` catalogue, under
keys taken from the command and option names (`help.eval`, `help.eval.--format`; the group's own
`help.policy`). engine/i18n/catalogues.py reads the same keys from the decorators. Japanese by
default, like every output; `--lang en` anywhere on the command line gives click's English as
it was. click's usage errors follow the same language (engine/cli/usage_errors.py)."""

from __future__ import annotations

import inspect
import re

import click
from click.formatting import iter_rows, measure_table

from engine.i18n import LANGUAGES, N_, catalogue, translator
from engine.language.diagnostics import display_width
from engine.cli import usage_errors

# click's own words on a help page (click says them through its own gettext domain, which has no
# Japanese): the usage prefix, the section headings, the extras after an option's help, and the
# helps of the options click adds itself
CLICK_WORDS = catalogue([
    N_("help.usage", "Usage:"),
    N_("help.section.options", "Options"),
    N_("help.section.commands", "Commands"),
    N_("help.section.arguments", "Positional arguments"),
    N_("help.default", "default: {default}"),
    N_("help.required", "required"),
    N_("help.--help", "Show this message and exit."),
    N_("help.policy.--version", "Show the version and exit."),
])
_HEADINGS = {"Options": "help.section.options", "Commands": "help.section.commands",
             "Positional arguments": "help.section.arguments"}
_LANG = "engine.cli.help.lang"  # ctx.meta key: shared by the group's context and its command's
DEFAULT_LANGUAGE = "ja"


def text_key(scope: str, param: click.Parameter | None = None) -> str:
    """The catalogue key of a help text: `help.<command>` for a command's own (`policy` for the
    group), `help.<command>.<option>` for an option's, named by its first long name."""
    if param is None:
        return f"help.{scope}"
    name = option_name(param)
    return "help.--help" if name == "--help" else f"help.{scope}.{name}"


def option_name(param: click.Parameter) -> str:
    return next((o for o in param.opts if o.startswith("--")), param.opts[0])


def translated(lang: str, key: str, english: str) -> str:
    """`english` (a help text as the code writes it) in `lang`; English is the source, untouched."""
    if lang == "en" or not english:
        return english
    return translator(lang, "cli").pgettext(key, english)


def _word(lang: str, key: str, **values) -> str:
    text = translated(lang, key, CLICK_WORDS[key])
    return text.format(**values) if values else text


def scope_of(command: click.Command, ctx: click.Context | None) -> str:
    return "policy" if ctx is None or ctx.parent is None else command.name


def asked_language(args: list[str]) -> str | None:
    """The language `--lang X` or `--lang=X` asks for on the command line (the last one), if any."""
    asked = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            asked = args[i + 1]
        elif arg.startswith("--lang="):
            asked = arg.partition("=")[2]
    return asked if asked in LANGUAGES else None


def _asks_help(args: list[str], names: list[str]) -> bool:
    before = args[:args.index("--")] if "--" in args else args
    return any(a in names for a in before)


def _without_lang(args: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif not arg.startswith("--lang="):
            kept.append(arg)
    return kept


class _Translated:
    """What the group and every command share: the language of the help, and its texts said in it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        asked = asked_language(args)
        if asked is not None:
            ctx.meta[_LANG] = asked
            # `policy --lang en --help`: a command without --lang takes it as the help's language only
            if not any(p.name == "lang" for p in self.params) and _asks_help(args, ctx.help_option_names):
                args = _without_lang(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _said(exc, ctx) from None

    def get_help(self, ctx: click.Context) -> str:
        formatter = HelpFormatter(ctx.meta.get(_LANG, DEFAULT_LANGUAGE), width=ctx.terminal_width,
                                  max_width=ctx.max_content_width)
        self.format_help(ctx, formatter)
        return formatter.getvalue().rstrip("\n")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = getattr(formatter, "lang", "en")
        if lang == "en" or not self.help:
            return super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(translated(lang, text_key(scope_of(self, ctx)), inspect.cleandoc(self.help)))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = getattr(formatter, "lang", "en")
        if lang == "en":
            return super().format_options(ctx, formatter)
        scope = scope_of(self, ctx)
        rows = [row for p in self.get_params(ctx) if not isinstance(p, click.Argument)
                for row in [_record(p, ctx, scope, lang)] if row is not None]
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


def _said(exc: click.UsageError, ctx: click.Context) -> click.UsageError:
    """`exc` in the language of the command line (engine/cli/usage_errors.py), or as it is."""
    lang = ctx.meta.get(_LANG, DEFAULT_LANGUAGE)
    if lang == "en":
        return exc
    exc.ctx = exc.ctx or ctx  # the parser's own errors come without one

    def say(key: str, **values) -> str:
        return translated(lang, key, usage_errors.WORDS[key]).format(**values)

    text = usage_errors.message(exc, say)
    if text is None:
        return exc
    formatter = HelpFormatter(lang, width=exc.ctx.terminal_width, max_width=exc.ctx.max_content_width)
    exc.ctx.command.format_usage(exc.ctx, formatter)
    return usage_errors.SaidUsageError(text, exc.ctx, formatter.getvalue().rstrip("\n"), say)


def _record(param: click.Parameter, ctx: click.Context, scope: str, lang: str) -> tuple[str, str] | None:
    """An option's line of help in `lang`: click's own record, its help and extras translated."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    spec, text = record
    english = param.help or ""
    if not text.startswith(english):  # not the form click writes: leave it as it is
        return record
    extra = text[len(english):].strip()
    help_text = translated(lang, text_key(scope, param), english)
    if extra.startswith("[") and extra.endswith("]"):
        extra = "[" + "; ".join(_extra(lang, item) for item in extra[1:-1].split("; ")) + "]"
    return spec, f"{help_text}  {extra}" if help_text and extra else help_text or extra


def _extra(lang: str, item: str) -> str:
    if item.startswith("default: "):
        return _word(lang, "help.default", default=item.removeprefix("default: "))
    return _word(lang, "help.required") if item == "required" else item


class HelpCommand(_Translated, click.Command):
    """Every `policy` command: its help in the reader's language."""


class HelpGroup(_Translated, click.Group):
    """The `policy` group: its help, and its list of commands, in the reader's language; the
    commands it makes are HelpCommands."""

    command_class = HelpCommand

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # no such command
            raise _said(exc, ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = getattr(formatter, "lang", "en")
        if lang == "en":
            return super().format_commands(ctx, formatter)
        commands = [(name, c) for name in self.list_commands(ctx) for c in [self.get_command(ctx, name)] if c and not c.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, _short(translated(lang, text_key(name), inspect.cleandoc(c.help or "")), limit)) for name, c in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _short(text: str, limit: int) -> str:
    """A command's line in the list: the first sentence of its help, cut to `limit` columns."""
    sentence, depth = "", 0
    for c in text.split("\n\n")[0].replace("\n", ""):
        if c == "。" and depth == 0:
            break
        depth += (c in "（(") - (c in "）)")
        sentence += c
    if width(sentence) <= limit:
        return sentence
    while width(sentence) + 1 > limit:
        sentence = sentence[:-1]
    return sentence + "…"


# ------------------------------------------------------------------ laying Japanese out on a terminal
width = display_width  # columns a terminal gives a text: two for a wide (CJK) character

# spaces; an option's extras ([既定: 1; 1<=x<=64]); a run of ASCII (an option, a file name, a number); any other character
_TOKEN = re.compile(r" +|\[[^\]]*\]|[!-~]+|.", re.S)
_NO_LINE_START = set("、。，．）」』】〕・：；！？…%ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ" ",.:;)]")
_NO_LINE_END = set("（「『【〔")


def wrap(text: str, columns: int, initial: str = "", subsequent: str = "") -> str:
    """`text` in lines of at most `columns` columns, broken between any two Japanese characters but
    never inside a run of ASCII that fits a line; a closing mark never begins a line (the character
    before it goes down with it) and an opening bracket never ends one."""
    lines, line, indent = [], [], initial
    for token in _TOKEN.findall(re.sub(r"\s*\n\s*", " ", text.strip())):
        used = width(indent) + sum(width(t) for t in line)
        if not line and token.isspace():
            continue
        if used + width(token) > columns and line:
            carried = []
            if token[0] in _NO_LINE_START:  # down with the characters it must follow (ポリシー。 as one)
                while len(line) > 1 and not line[-1].isspace() and (not carried or carried[0][0] in _NO_LINE_START):
                    carried.insert(0, line.pop())
            if len(line) > 1 and line[-1] in _NO_LINE_END:
                carried.insert(0, line.pop())
            lines.append(indent + "".join(line).rstrip())
            line, indent = carried, subsequent
            if token.isspace():
                continue
        line.append(token)
    if line:
        lines.append(indent + "".join(line).rstrip())
    return "\n".join(lines)


class HelpFormatter(click.HelpFormatter):
    """click's formatter, in a language: under English exactly click's; under Japanese its words
    translated, and lines wrapped by the columns a terminal gives Japanese."""

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if self.lang == "en" or prefix is not None:
            return super().write_usage(prog, args, prefix)
        head = f"{'':>{self.current_indent}}{_word(self.lang, 'help.usage')} {prog} "  # its lines go on under the arguments
        self.write((wrap(args, self.width, head, " " * width(head)) if args else head.rstrip(" ")) + "\n")

    def write_heading(self, heading: str) -> None:
        key = _HEADINGS.get(heading)
        super().write_heading(_word(self.lang, key) if key else heading)

    def write_text(self, text: str) -> None:
        if self.lang == "en":
            return super().write_text(text)
        indent = " " * self.current_indent
        self.write("\n\n".join(wrap(p, self.width, indent, indent) for p in text.split("\n\n")) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        if self.lang == "en":
            return super().write_dl(rows, col_max, col_spacing)
        rows = list(rows)
        first_col = min(measure_table(rows)[0], col_max) + col_spacing
        for first, second in iter_rows(rows, 2):
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(second, max(self.width - first_col - 2, 10)).splitlines()
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
