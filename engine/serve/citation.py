"""A citation as an applicant reads it on the self-check page: the document's title and the passage
cited, without the policy's source keys (seed-000), the project's notes (rules-2024.md §3.1 [I]),
file names or the web sites the authors read it on. The policy files keep all of those for their
authors; `policy explain` shows them to reviewers."""

from __future__ import annotations

import re

from engine.tree import nodes as tree
from engine.serve.page_text import text

# what marks an author's note rather than the document's words
_INTERNAL = re.compile(r"rules-\d{4}\.md|\.md\b|\.txt\b|shared/|seed-\d+|kitei_|koubo_|\?p=\d+|\[[A-Z](?:-\d{4})?\]|§")
_SITE = re.compile(r"\s*\b[\w.-]+\.(?:jp|com|net|org)\b(?:/[\w./?=-]*)?")  # where the authors read it: dropped, the rest kept
_NOTE = re.compile(r"rules-\d{4}\.md(?:\s*§[\d.]+)?|\s*\[[A-Z](?:-\d{4})?\]")
_GROUP = re.compile(r"[（(]([^（）()]*)[）)]")


def _segments_kept(inner: str) -> str:
    parts = [p.strip() for p in re.split(r"[;；]", inner)]
    return "; ".join(p for p in parts if p and not _INTERNAL.search(p))


def clean(s: str) -> str:
    """The text with every parenthesis of notes dropped (or thinned to its public parts)."""
    def group(m: re.Match) -> str:
        kept = _segments_kept(m.group(1)).strip(" ,、")
        if kept and kept == m.group(1).strip():
            return m.group(0)
        return f"（{kept}）" if kept else ""

    s = _SITE.sub("", s)
    previous = None
    while previous != s:  # inner parentheses first
        previous, s = s, _GROUP.sub(group, s)
    s = _segments_kept(s) if _INTERNAL.search(s) else s
    return _NOTE.sub("", s).strip(" ;；:")


def source_text(c: tree.Cite | None, lang: str) -> str:
    """「出典: 九州経済産業局『IT導入補助金2024』概要「通常枠: …」」, or "" when there is none."""
    if c is None:
        return ""
    if c.key == "inferred":
        detail = clean(c.detail or "")
        return text(lang, "source.inferred", detail=detail) if detail else text(lang, "source.inferred.bare")
    title = clean(c.title or "") or text(lang, "source.unnamed")
    detail = clean(c.detail or "")
    if not detail or detail in title:
        return text(lang, "source", title=title)
    return text(lang, "source.quoted", title=title, detail=detail)
