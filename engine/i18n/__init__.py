"""Translations: takes a language ("ja" or "en") and a message domain ("explain" for explanations,
"case" for the case reader's errors, "population" for the what-if report, "serve" for the service's own,
"page" for the self-check page, "language" for the policy loader's, parser's and checker's
diagnostics, "authoring" for the author's reports (policy test, policy doc), "cli" for what the
command line itself says, "system" for the reason the system refused a file: engine/i18n/system.py) and gives the gettext translator read from the compiled catalogues
under engine/locale/<lang>/LC_MESSAGES/<domain>.mo.
The lowest layer: standard library only at run time (Babel, in the test extra, extracts and
compiles the catalogues: engine/i18n/catalogues.py)."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("ja", "en")
DOMAINS = ("explain", "case", "population", "serve", "page", "language", "authoring", "cli", "system")


@functools.lru_cache(maxsize=None)
def translator(lang: str, domain: str) -> gettext.GNUTranslations:
    """The catalogue of `domain` in `lang`; a language or domain with no catalogue is an error, never
    a silent fallback to another language."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language {lang!r}; the languages are: {', '.join(LANGUAGES)}")
    return gettext.translation(domain, localedir=LOCALE_DIR, languages=[lang])


def N_(context: str, msgid: str) -> tuple[str, str]:
    """Marks a source string for extraction (Babel's keyword `N_:1c,2`): its context (a stable key)
    and its English msgid. Translated later, at the time a language is known."""
    return context, msgid


def catalogue(entries: list[tuple[str, str]]) -> dict[str, str]:
    """A domain's source strings by key, from a list of N_() marks; a key given twice is a mistake."""
    table = dict(entries)
    if len(table) != len(entries):
        raise ValueError("a message key is given twice")
    return table


def say(lang: str, domain: str, source: dict[str, str], key: str, /, **values) -> str:
    """The message `key` of `source` in `lang`, its named placeholders filled."""
    text = translator(lang, domain).pgettext(key, source[key])
    return text.format(**values) if values else text
