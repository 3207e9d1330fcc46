"""Why the system refused a file, in the command's language (engine/i18n/system.py): the common
errnos in the catalogue's words in Japanese, the system's own text for any other errno and in English
(what English messages always said)."""

from __future__ import annotations

import errno
import os

import pytest

from conftest import EXAMPLES
from engine.i18n.system import OSReason, os_reason

CASE = EXAMPLES / "c1_cloud_fees_24_months_whole.json"


def _error(number: int) -> OSError:
    return OSError(number, os.strerror(number))


@pytest.mark.parametrize("number, ja", [
    (errno.ENOENT, "そのファイルまたはフォルダはありません"),
    (errno.EACCES, "権限がありません"),
    (errno.EPERM, "その操作は許可されていません"),
    (errno.EISDIR, "フォルダです"),
    (errno.ENOTDIR, "フォルダではありません"),
    (errno.ENOSPC, "ディスクの空き容量がありません"),
    (errno.EEXIST, "すでにあります"),
    (errno.EROFS, "読み取り専用のファイルシステムです"),
    (errno.ENAMETOOLONG, "ファイル名が長すぎます"),
    (errno.ELOOP, "シンボリックリンクが多重すぎます（循環しているおそれがあります）"),
    (errno.EMFILE, "開いているファイルが多すぎます"),
])
def test_a_common_errno_is_said_in_japanese_and_as_the_system_says_it_in_english(number, ja):
    assert os_reason("ja", _error(number)) == ja
    assert os_reason("en", _error(number)) == os.strerror(number)


def test_another_errno_and_the_engines_own_reasons_keep_the_systems_words():
    assert os_reason("ja", _error(errno.EBUSY)) == os.strerror(errno.EBUSY)
    # the engine writes some reasons itself (engine/language/loader.py): English keeps them word for word
    assert os_reason("en", IsADirectoryError(errno.EISDIR, "is a folder")) == "is a folder"
    assert os_reason("ja", IsADirectoryError(errno.EISDIR, "is a folder")) == "フォルダです"
    assert os_reason("ja", OSError("no errno at all")) == "no errno at all"
    reason = OSReason(_error(errno.ENOENT))
    assert (reason.describe("ja"), reason.describe("en"), str(reason)) == (
        "そのファイルまたはフォルダはありません", "No such file or directory", "No such file or directory")


def test_a_missing_file_is_said_in_the_commands_language(run, tmp_path):
    missing = tmp_path / "none.csv"
    for lang, said in (("ja", f"ケースに誤りがあります: {missing}: {missing} を読めません: そのファイルまたはフォルダはありません\n"),
                       ("en", f"invalid case: {missing}: cannot read {missing}: No such file or directory\n")):
        result = run("batch", missing, "-o", tmp_path / "out.csv", "--lang", lang)
        assert (result.exit_code, result.stderr) == (3, said), lang
    page = tmp_path / "no" / "x.html"
    for lang, said in (("ja", f"{page} に書けません: そのファイルまたはフォルダはありません\n"),
                       ("en", f"cannot write {page}: No such file or directory\n")):
        result = run("explain", CASE, "-o", page, "--lang", lang)
        assert (result.exit_code, result.stderr) == (2, said), lang


def test_a_folder_given_as_a_file_is_said_in_the_commands_language(run, tmp_path):
    for name in ("cases.csv", "cases.xlsx"):
        folder = tmp_path / name
        folder.mkdir()
        for lang, said in (("ja", f"ケースに誤りがあります: {folder}: {folder} を読めません: フォルダです\n"),
                           ("en", f"invalid case: {folder}: cannot read {folder}: Is a directory\n")):
            result = run("batch", folder, "-o", tmp_path / "out.csv", "--lang", lang)
            assert (result.exit_code, result.stderr) == (3, said), (name, lang)
    pytest.importorskip("duckdb")
    for lang, said in (("ja", f"{tmp_path} に書けません: フォルダです\n"), ("en", f"cannot write {tmp_path}: Is a directory\n")):
        result = run("synth", "--n", "5", "-o", tmp_path, "--lang", lang)
        assert (result.exit_code, result.stderr) == (2, said), lang


def test_a_case_file_name_too_long_is_said_in_the_commands_language(run, tmp_path):
    long = tmp_path / ("a" * 300 + ".json")
    for lang, said in (("ja", f"ケースに誤りがあります: {long} を読めません: ファイル名が長すぎます\n"),
                       ("en", f"invalid case: cannot read {long}: File name too long\n")):
        result = run("eval", long, "--lang", lang)
        assert (result.exit_code, result.stderr) == (3, said), lang


def test_population_says_an_output_it_cannot_write_in_its_language(run, tmp_path):
    pytest.importorskip("duckdb")
    for lang, said in (("ja", "/proc/d.parquet に書けません: そのファイルまたはフォルダはありません\n"),
                       ("en", "cannot write /proc/d.parquet: No such file or directory\n")):
        result = run("population", CASE, "-o", "/proc/d.parquet", "--lang", lang)
        assert (result.exit_code, result.stderr) == (2, said), lang
    out = tmp_path / "no" / "d.parquet"
    for lang, said in (("ja", f"{out} に書けません: フォルダ {out.parent} がありません\n"),
                       ("en", f"cannot write {out}: no such folder {out.parent}\n")):
        result = run("population", CASE, "-o", out, "--lang", lang)
        assert (result.exit_code, result.stderr) == (2, said), lang


def test_a_policy_file_the_system_refuses_is_said_in_the_checks_language(run, monkeypatch, tmp_path):
    from engine.language import loader

    def refused(path, limit=None):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(loader, "read_regular", refused)
    monkeypatch.chdir(tmp_path)  # the file is named from the working folder
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "policy.rules").write_text('programme "x"\n  year 2024\n', encoding="utf-8")
    for lang, said in (("ja", "エラー: p/policy.rules を読めません: 権限がありません\n"), ("en", "error: cannot read p/policy.rules: Permission denied\n")):
        result = run("check", "--policy", "p", "--lang", lang)
        assert (result.exit_code, result.stderr) == (4, said), lang


def test_the_engines_own_refusal_of_a_policy_file_is_said_in_the_checks_language(run, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "policy.rules").write_text('programme "x"\n  year 2024\ninclude "more.rules"\n', encoding="utf-8")
    (tmp_path / "p" / "more.rules").write_text("# padding\n" * 1000, encoding="utf-8")
    monkeypatch.setenv("POLICY_MAX_FILE_BYTES", "4096")
    for lang, said in (("ja", "p/policy.rules:3:1: エラー: p/more.rules を読めません: 4,096バイトより大きいファイルです（POLICY_MAX_FILE_BYTES）"),
                       ("en", "p/policy.rules:3:1: error: cannot read p/more.rules: larger than 4,096 bytes (POLICY_MAX_FILE_BYTES)")):
        result = run("check", "--policy", "p", "--lang", lang)
        assert (result.exit_code, result.stderr.splitlines()[0]) == (4, said), lang
    if hasattr(os, "mkfifo"):
        (tmp_path / "p" / "more.rules").unlink()
        os.mkfifo(tmp_path / "p" / "more.rules")
        for lang, said in (("ja", "p/policy.rules:3:1: エラー: p/more.rules を読めません: 通常のファイルではありません（FIFO、ソケットまたはデバイス）"),
                           ("en", "p/policy.rules:3:1: error: cannot read p/more.rules: not a regular file (a FIFO, a socket or a device)")):
            result = run("check", "--policy", "p", "--lang", lang)
            assert (result.exit_code, result.stderr.splitlines()[0]) == (4, said), lang


def test_the_engines_own_refusal_keeps_its_words_across_processes():
    import pickle

    from engine.i18n.system import Refused

    refused = pickle.loads(pickle.dumps(Refused(errno.EFBIG, "refused.too_large", limit="4,096")))
    assert (refused.errno, refused.strerror) == (errno.EFBIG, "larger than 4,096 bytes (POLICY_MAX_FILE_BYTES)")
    assert os_reason("ja", refused) == "4,096バイトより大きいファイルです（POLICY_MAX_FILE_BYTES）"
