"""`--help` in the reader's language (engine/cli/help.py): Japanese by default, every command's and
option's help said by the `cli` catalogue under keys taken from the names, and `--lang en` giving
click's English as the decorators write it."""

from __future__ import annotations

import inspect
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.cli.help import HelpFormatter, text_key, width, wrap
from engine.i18n import catalogues

COMMANDS = sorted(cli.commands)


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), prog_name="policy", catch_exceptions=False)  # 80 columns (click's CliRunner)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_policy_help_is_japanese_by_default():
    lines = _help("--help").splitlines()
    assert lines[0] == "使い方: policy [OPTIONS] COMMAND [ARGS]..."
    assert lines[2] == "  補助金制度のルールをコードにして、申請を判定し説明します（rules-as-code）。"
    assert lines[4:7] == ["オプション:", "  --version   バージョンを表示して終了します。", "  -h, --help  このヘルプを表示して終了します。"]
    assert "コマンド:" in lines
    assert "  eval        ケース CASE を判定し、すべての枠について結果を説明します" in lines
    assert "  batch       INPUT のすべてのケースを判定し、OUTPUT に書きます" in lines
    assert "  check       ポリシーのフォルダーを構文解析して検査します" in lines


@pytest.mark.parametrize("spelling", [("--lang", "en", "--help"), ("--lang=en", "--help"), ("--help", "--lang", "en"), ("-h", "--lang=en")])
def test_policy_help_in_english_with_lang_en(spelling):
    lines = _help(*spelling).splitlines()
    assert lines[0] == "Usage: policy [OPTIONS] COMMAND [ARGS]..."
    assert lines[2] == "  Rules-as-code for public subsidy programmes."
    assert lines[4:7] == ["Options:", "  --version   Show the version and exit.", "  -h, --help  Show this message and exit."]
    assert "  eval        Evaluate CASE (a JSON file, or - for standard input) and..." in lines


def test_eval_help_in_japanese_and_english():
    ja = _help("eval", "--help").splitlines()
    assert ja[:5] == ["使い方: policy eval [OPTIONS] CASE", "",
                      "  ケース CASE を判定し、すべての枠について結果を説明します。CASE は JSON ファイ",
                      "  ル（- は標準入力）。判定できれば結果にかかわらず終了コード 0 です（--fail を付",
                      "  けると、対象の枠がないとき 1）。"]
    assert ja[6] == "オプション:"
    at = ja.index("  --format [text|json|brief]  text: 説明文、json: 判定をデータで、brief: 判定を")
    assert ja[at + 1:at + 3] == ["                              決めた点だけ（tests/snapshots/ の形）。",
                                 "                              [既定: text]"]
    at = ja.index("  --lang [ja|en]              説明とメッセージの言語（ja: 日本語、en: 英語）。")
    assert ja[at + 1] == "                              [既定: ja]"
    assert "  --frame TEXT                この枠だけを判定します（繰り返し指定できます）。" in ja
    assert "  -h, --help                  このヘルプを表示して終了します。" in ja
    en = _help("eval", "--lang", "en", "--help").splitlines()
    assert en[:3] == ["Usage: policy eval [OPTIONS] CASE", "",
                      "  Evaluate CASE (a JSON file, or - for standard input) and explain the decision"]
    assert "  --format [text|json|brief]  text: the explanation; json: the decision as data;" in en
    assert "                              tests/snapshots/).  [default: text]" in en
    at = en.index("  --lang [ja|en]              Language of the explanation and its messages (ja:")
    assert en[at + 1] == "                              Japanese, en: English).  [default: ja]"


def test_batch_help_in_japanese_and_english():
    ja = _help("batch", "--help").splitlines()
    assert ja[0] == "使い方: policy batch [OPTIONS] INPUT"
    assert "  -o, --output PATH               出力ファイル（- は標準出力）。  [必須]" in ja
    assert "  --workers INTEGER RANGE         ワーカープロセスの数。  [既定: 1; 1<=x<=64]" in ja
    at = ja.index("  --bom / --no-bom                CSV の出力を UTF-8 の BOM で始めます（Excel 向")
    assert ja[at + 1] == "                                  け）。  [既定: bom]"
    en = _help("batch", "--help", "--lang=en").splitlines()
    assert en[0] == "Usage: policy batch [OPTIONS] INPUT"
    assert en[6:8] == ["  -o, --output PATH               Output file, or - for standard output.",
                       "                                  [required]"]
    assert "  --workers INTEGER RANGE         Worker processes.  [default: 1; 1<=x<=64]" in en


def test_a_command_without_lang_takes_it_for_its_help_only():
    assert _help("schema", "--lang", "en", "--help").splitlines()[2] == (
        "  Print the JSON Schema of a case for the policy (for editors and validators).")
    assert _help("schema", "--help").splitlines()[2:4] == ["  ポリシーのケースの JSON Schema を出力します。エディターや検証ツール向けです。",
                                                          "  DIR は非推奨です。--policy を使ってください。"]
    # without --help, --lang is what it was on a command that has none: an unknown option
    result = CliRunner().invoke(cli, ["schema", "--lang", "en"], prog_name="policy")
    assert result.exit_code == 2 and "No such option '--lang'" in result.stderr


def _texts():
    """(key, English) of every help text the `policy` command shows: the group's and each command's
    own, and each option's, as click holds them."""
    found = []
    for scope, command in [("policy", cli)] + [(name, cli.commands[name]) for name in COMMANDS]:
        ctx = click.Context(command, info_name=scope, parent=None if command is cli else click.Context(cli))
        if command.help:
            found.append((text_key(scope), inspect.cleandoc(command.help)))
        for param in command.get_params(ctx):
            if isinstance(param, click.Option) and param.help:
                found.append((text_key(scope, param), param.help))
    return found


def test_every_help_text_has_a_japanese_translation():
    texts = _texts()
    keys = [key for key, _ in texts]  # the walk reached the group's and every command's own text and options
    assert {"help.policy", "help.policy.--version", "help.--help", "help.eval.--format", "help.serve.--max-trace"} <= set(keys)
    assert {f"help.{name}" for name in COMMANDS} <= set(keys)
    japanese = {(key, msgid): string for key, msgid, string in catalogues.entries(catalogues.read("ja", "cli"))}
    missing = [f"{key}: {english}" for key, english in texts if not japanese.get((key, english), "").strip()]
    assert missing == []
    same = [key for key, english in texts if japanese[(key, english)] == english]
    assert same == []


def test_the_catalogue_reads_the_same_texts_from_the_decorators():
    """engine/i18n/catalogues.py reads the help texts from the source; click shows them from the
    objects the decorators made: the two agree, key for key and text for text."""
    shown = set(_texts())
    extracted = {(key, english) for key, english in catalogues.extracted("cli") if key.startswith("help.")}
    assert shown <= extracted
    assert {key for key, _ in extracted - shown} == {"help.usage", "help.section.options", "help.section.commands",
                                                     "help.section.arguments", "help.default", "help.required"}


@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_lang_en_is_clicks_own_english_byte_for_byte(command):
    args = [command] if command else []
    target = cli.commands[command] if command else cli
    # what click itself writes from the decorators, with its own formatter (no language)
    parent = click.Context(cli, info_name="policy")
    ctx = click.Context(target, info_name=command, parent=parent) if command else parent
    formatter = click.HelpFormatter(width=80)
    target.format_help(ctx, formatter)
    assert _help(*args, "--lang", "en", "--help") == formatter.getvalue().rstrip("\n") + "\n"


@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_japanese_help_fits_the_terminal(command):
    text = _help(*([command] if command else []), "--help")
    too_wide = [line for line in text.splitlines() if width(line) > 80]
    assert too_wide == []


def test_a_long_usage_line_goes_on_under_its_arguments():
    formatter = HelpFormatter("ja", width=50)
    formatter.write_usage("policy population", "[OPTIONS] OLD_POLICY NEW_POLICY CASES OUTPUT_FILE")
    assert formatter.getvalue() == ("使い方: policy population [OPTIONS] OLD_POLICY\n"
                                    "                          NEW_POLICY CASES\n"
                                    "                          OUTPUT_FILE\n")


def test_japanese_is_wrapped_between_characters_but_not_inside_a_name():
    assert wrap("ポリシーのフォルダー（policy.rules を含む）。", 20) == "ポリシーのフォルダー\n（policy.rules を含\nむ）。"
    assert wrap("あ" * 9 + "。", 18) == "あ" * 8 + "\nあ。"  # a closing mark takes the character before it down
    assert wrap("同梱のポリシー。", 14) == "同梱のポリ\nシー。"  # and a long vowel mark the one before it
    assert wrap("ワーカー数。  [既定: 1; 1<=x<=64]", 24) == "ワーカー数。\n[既定: 1; 1<=x<=64]"  # an option's extras kept whole
    assert wrap("あいう（えお）", 8) == "あいう\n（えお）"  # an opening bracket does not end a line


def test_a_help_the_catalogue_cannot_read_is_refused(tmp_path):
    source = tmp_path / "cmd.py"
    source.write_text('@cli.command("x")\n@click.option("--y", help=f"{1}")\ndef x():\n    """Do x."""\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"cmd.py:2: help= is not a plain string; the catalogue cannot read it"):
        catalogues.help_texts(source)
    source.write_text('@cli.command("x")\n@made_option(help="Y.")\ndef x():\n    """Do x."""\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"cmd.py:2: cannot tell which option this help= is for"):
        catalogues.help_texts(source)
    source.write_text('@cli.command("x")\n@click.option("-q", "--quiet/--loud", help="Q.")\ndef x():\n    """Do x."""\n', encoding="utf-8")
    assert catalogues.help_texts(Path(source)) == [("help.x", "Do x."), ("help.x.--quiet", "Q.")]


def _error(*args: str):
    result = CliRunner().invoke(cli, list(args), prog_name="policy")
    assert result.exit_code == 2 and result.stdout == ""
    return result.stderr


@pytest.mark.parametrize(("args", "japanese", "english"), [
    (("eval",), "エラー: 引数 'CASE' を指定してください。", "Error: Missing argument 'CASE'."),
    (("eval", "x.json", "--frmae", "a"), "エラー: '--frmae' というオプションはありません。（もしかして: --frame, --format, --trace）",
     "Error: No such option '--frmae'. (Did you mean one of: '--format', '--frame', '--trace'?)"),
    (("eval", "x.json", "--format", "xml"), "エラー: '--format' の値が正しくありません。text, json, brief のいずれかを指定してください。",
     "Error: Invalid value for '--format': 'xml' is not one of 'text', 'json', 'brief'."),
    (("eval", "a.json", "b.json"), "エラー: 余分な引数があります（b.json）。", "Error: Got unexpected extra argument (b.json)"),
    (("batch", "in.jsonl"), "エラー: オプション '-o' / '--output' を指定してください。", "Error: Missing option '-o' / '--output'."),
    (("batch", "in.jsonl", "-o", "o.csv", "--workers", "99"),
     "エラー: '--workers' の値が正しくありません。1<=x<=64 の範囲の数を指定してください。",
     "Error: Invalid value for '--workers': 99 is not in the range 1<=x<=64."),
    (("synth", "-o", "x.parquet", "--n", "many"), "エラー: '--n' の値が正しくありません。整数を指定してください。",
     "Error: Invalid value for '--n': 'many' is not a valid integer."),
])
def test_usage_errors_in_japanese_and_in_clicks_english(args, japanese, english):
    command = f"policy {args[0]}"
    usage = {"eval": "[OPTIONS] CASE", "batch": "[OPTIONS] INPUT", "synth": "[OPTIONS]"}[args[0]]
    assert _error(*args) == f"使い方: {command} {usage}\n詳しくは '{command} --help' で確認してください。\n\n{japanese}\n"
    assert _error(*args, "--lang", "en") == f"Usage: {command} {usage}\nTry '{command} --help' for help.\n\n{english}\n"


def test_usage_errors_of_the_group_and_of_the_parser():
    assert _error("evl") == ("使い方: policy [OPTIONS] COMMAND [ARGS]...\n詳しくは 'policy --help' で確認してください。\n\n"
                             "エラー: 'evl' というコマンドはありません。（もしかして: eval）\n")
    # click's parser says a missing value without the usage line; in Japanese the usage comes too
    assert _error("eval", "x.json", "--frame") == ("使い方: policy eval [OPTIONS] CASE\n詳しくは 'policy eval --help' で確認してください。\n\n"
                                                   "エラー: オプション '--frame' には値が必要です。\n")
    assert _error("eval", "x.json", "--lang", "en", "--frame") == "Error: Option '--frame' requires an argument.\n"
