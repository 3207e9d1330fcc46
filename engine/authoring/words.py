"""The words of the author's reports, marked for the `authoring` gettext domain: `policy test`'s
results and coverage, and the headings of `policy doc`. English msgid, Japanese in
engine/locale/ja/LC_MESSAGES/authoring.po."""

from __future__ import annotations

from engine.i18n import N_, catalogue, say

WORDS = catalogue([
    # policy test: one line per case, then the summary
    N_("test.fail", "FAIL {case}"),
    N_("test.pass", "PASS {case}"),
    N_("test.error", "ERROR {case}: {error}"),
    N_("test.skip", "SKIP {case}: {why}"),
    N_("test.no_expectation", "no expectation"),
    N_("test.other_years", "an example expected of {years} only, skipped for {year}"),
    N_("test.mismatch", "{where}: expected {expected}, got {got}"),
    N_("test.more", " (and {n} more)"),
    N_("test.decision", "decision:"),
    N_("test.summary", "{passed} passed, {failed} failed"),
    N_("test.summary_invalid", ", {n} invalid"),
    N_("test.summary_without", ", {n} without expectations"),
    N_("test.summary_other_years", ", {n} expected of other years only (skipped)"),
    N_("test.true", "true"),
    N_("test.false", "false"),
    N_("test.evaluated", "evaluated"),
    N_("test.not_evaluated", "not evaluated"),
    # policy test: an expectation that cannot be read (`where` is its key path: expected, expected.2024)
    N_("expect.mixed", '"expected" holds either one expectation or one per year ({example}), not both'),
    N_("expect.no_year", '"expected" is given per year, but the policy states no year in its programme header'),
    N_("expect.not_object", '"{where}" must be an object with "frames" and/or "rules" (or one such object per year, keyed "2024", "2025", …)'),
    N_("expect.not_objects", "{where}.frames and {where}.rules must be objects keyed by frame and rule names"),
    N_("expect.nothing", '"{where}" names nothing to check; give "frames" and/or "rules"'),
    N_("expect.unknown_frame", "{where}.frames: unknown frame {name}{hint}; the policy's frames are: {frames}"),
    N_("expect.frame_not_object", "{where}.frames.{name}: expected an object with any of {keys}"),
    N_("expect.unknown_key", "{where}.frames.{name}.{key}: unknown{hint}; expected any of {keys}"),
    N_("expect.bad_value", "{where}.frames.{name}.{key}: got {got}, expected {expected}"),
    N_("expect.one_of", "one of: {statuses}"),
    N_("expect.true_or_false", "true or false"),
    N_("expect.whole_yen", "a whole number of yen"),
    N_("expect.unknown_rule", "{where}.rules: unknown rule {name}"),
    N_("expect.rule_not_bool", "{where}.rules.{name}: expected true or false, got {got}"),
    # policy test --coverage
    N_("coverage.head", "coverage by {cases} cases: {reached}/{total} ({percent:.1f}%)"),
    N_("coverage.nothing", "coverage: nothing to cover"),
    N_("coverage.not_reached", "not reached:"),
    N_("coverage.item", "{what} (needs: {needs})"),
    # policy doc: the sections' headings, then its words
    N_("kind.frame", "Frames"),
    N_("kind.rule", "Rules"),
    N_("kind.value", "Values"),
    N_("kind.exclusion", "Exclusions"),
    N_("kind.step", "Steps"),
    N_("kind.table", "Tables"),
    N_("kind.input", "Questions asked of an applicant"),
    N_("kind.enum", "Choices"),
    N_("kind.record", "Record items"),
    N_("kind.removed", "Removed from the previous year"),
    N_("doc.changed", "changed from {base}"),
    N_("doc.added", "added in {year}"),
    N_("doc.source", "Source"),
    N_("doc.requires", "Requires"),
    N_("doc.exclusions", "Exclusions"),
    N_("doc.steps", "Steps"),
    N_("doc.as_written", "As written in the policy"),
    N_("doc.before", "before"),
    N_("doc.after", "after"),
    N_("doc.in_force", "In force"),
    N_("doc.sources", "Sources"),
    N_("doc.no_source", "no source"),
    N_("doc.contents", "Contents"),
    N_("doc.inferred", "inferred (no document states it)"),
    N_("doc.exclusions_all", "every exclusion"),
    N_("doc.exclusions_none", "none"),
    N_("doc.except", "except"),
])


def word(lang: str, key: str, /, **values) -> str:
    """The report's word `key` in `lang`, its placeholders filled."""
    return say(lang, "authoring", WORDS, key, **values)
