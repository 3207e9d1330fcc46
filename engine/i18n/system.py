"""Why the system refused a file, in the reader's language (catalogue domain "system"): the reason an
OSError gives (「…に書けません: そのファイルまたはフォルダはありません」), said by its errno for the
common ones and otherwise as the system says it.

English is the system's own wording, kept exactly as the OSError carries it (its strerror, which the
engine itself sometimes writes: "is a folder"), so English messages are what they always were; the
English msgids below are the C library's words, shown to a translator for what each errno means."""

from __future__ import annotations

import errno

from engine.i18n import N_, catalogue, say

DOMAIN = "system"
SOURCE_LANGUAGE = "en"

WORDS = catalogue([
    N_("os.ENOENT", "No such file or directory"),
    N_("os.EACCES", "Permission denied"),
    N_("os.EPERM", "Operation not permitted"),
    N_("os.EISDIR", "Is a directory"),
    N_("os.ENOTDIR", "Not a directory"),
    N_("os.ENOSPC", "No space left on device"),
    N_("os.EEXIST", "File exists"),
    N_("os.EROFS", "Read-only file system"),
    N_("os.ENAMETOOLONG", "File name too long"),
    N_("os.ELOOP", "Too many levels of symbolic links"),
    N_("os.EMFILE", "Too many open files"),
    # the engine's own reasons for refusing a file (engine/language/loader.py read_regular)
    N_("refused.not_regular", "not a regular file (a FIFO, a socket or a device)"),
    N_("refused.too_large", "larger than {limit} bytes (POLICY_MAX_FILE_BYTES)"),
])
# errno -> its key; an errno a platform lacks is left out
_KEYS = {getattr(errno, key[3:]): key for key in WORDS if hasattr(errno, key[3:])}


class Refused(OSError):
    """An OSError the engine raises itself (a policy file that is a FIFO, or too large): its reason
    kept as a catalogue key and values, said in any language; its strerror is the English."""

    def __init__(self, number: int, key: str, /, **values):
        self.key, self.values = key, values
        super().__init__(number, say(SOURCE_LANGUAGE, DOMAIN, WORDS, key, **values))

    def __reduce__(self):  # OSError pickles (errno, strerror): keep the key instead, for another process
        return _refused, (self.errno, self.key, self.values)


def _refused(number: int, key: str, values: dict) -> Refused:
    return Refused(number, key, **values)


def os_reason(lang: str, exc: OSError) -> str:
    """The reason `exc` gives, in `lang`: the engine's own reason (Refused) in `lang`; the
    catalogue's phrase for a common errno, the system's own text (strerror, or the whole error when
    it has none) for any other errno and in English."""
    if isinstance(exc, Refused):
        return say(lang, DOMAIN, WORDS, exc.key, **exc.values)
    key = _KEYS.get(exc.errno)
    if lang == SOURCE_LANGUAGE or key is None:
        return exc.strerror or str(exc)
    return say(lang, DOMAIN, WORDS, key)


class OSReason:
    """An OSError's reason kept until a language is known, for a message said later (a policy
    diagnostic's Phrase says a value with `describe(lang)` in its own language)."""

    def __init__(self, exc: OSError):
        self.exc = exc

    def describe(self, lang: str) -> str:
        return os_reason(lang, self.exc)

    def __str__(self) -> str:
        return os_reason(SOURCE_LANGUAGE, self.exc)
