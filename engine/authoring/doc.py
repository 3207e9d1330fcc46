"""`policy doc`: a policy rendered for a reviewer who does not read `.rules` — static HTML (one
self-contained page: inline CSS, no script, nothing from the network) or Markdown.

Frames first (what a reviewer signs off), then the rules, values, exclusions and steps they rest on,
the tables and the questions asked of an applicant. Each definition shows its label (the sentence
the policy gives it), its citation beside it (the source's key and title, the quoted passage), what
it requires with links to each requirement, and its clauses in the policy's own words. A year that
`extends` another shows what it changed: each definition added, amended or overridden is marked
"changed from 2024" with its clauses before and after (engine/language/changes.py, as `policy diff`
reads them), and what it removed is listed."""

from __future__ import annotations

import html
from pathlib import Path

import attrs

from engine.authoring.words import word
from engine.explain import sentences
from engine.language import ast, changes
from engine.language.parser import parse

KINDS = ("frame", "rule", "value", "exclusion", "step", "table", "input", "enum", "record", "removed")
TERMS = ("changed", "added", "source", "requires", "exclusions", "steps", "as_written", "before", "after", "in_force",
         "sources", "no_source", "contents", "inferred", "exclusions_all", "exclusions_none", "except")


def _titles(lang: str) -> dict[str, str]:
    """Each section's heading in `lang` (the authoring catalogue's kind.*)."""
    return {kind: word(lang, f"kind.{kind}") for kind in KINDS}


def _words(lang: str) -> dict[str, str]:
    """The document's words in `lang` (doc.*); `changed` and `added` keep their {base}/{year} to fill."""
    return {term: word(lang, f"doc.{term}") for term in TERMS}


ORDER = ("frame", "rule", "exclusion", "step", "value", "table", "input", "record", "enum")


@attrs.frozen
class Entry:
    kind: str
    name: str
    label: str | None
    citation: tuple[str, str | None, str | None] | None  # key, quoted detail, the source's title
    lines: tuple[str, ...]  # the definition as written
    links: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = ()  # (heading, ((kind, name, label), …))
    change: str | None = None  # added | amended | overridden | changed
    diff: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()  # per changed clause: (where, before, after)


@attrs.frozen
class Document:
    programme: str
    title: str | None
    year: int | None
    in_force: tuple | None
    sources: tuple[tuple[str, str], ...]
    base: str | None  # the year this one extends
    sections: tuple[tuple[str, tuple[Entry, ...]], ...]
    removed: tuple[tuple[str, str, str | None], ...]  # (kind, name, label)


def _label(label, lang: str) -> str | None:
    if not isinstance(label, ast.Label):
        return None
    return label.en if lang == "en" and label.en else label.ja


def _amount_lines(amount, sources: dict, depth: int, lang: str) -> list[str]:
    pad = "  " * depth
    label = f' "{amount.label.ja}"' + (f' en "{amount.label.en}"' if amount.label and amount.label.en else "") if amount.label else ""
    each = f" for each {amount.for_each[0].text} in {amount.for_each[1].text}" if amount.for_each else ""
    lines = [f"{pad}amount {amount.name}{label}{each}:"]
    if amount.derived is not None:  # stated `like` another: which, and what differs; the clauses below are the whole of it
        lines[0] = lines[0][:-1] + f" like {amount.derived.frame}.{amount.derived.amount}:"
        lines.append(f"{pad}  # {sentences.like(amount.derived, lang)}")
    for field, keyword in changes.AMOUNT_CLAUSES:
        if field in ("label", "for_each"):
            continue
        lines += [f"{pad}  {line}" for line in changes.words(getattr(amount, field), keyword, sources)]
    for part in amount.parts:
        lines += _amount_lines(part, sources, depth + 1, lang)
    return lines


def _as_written(item, kind: str, sources: dict, lang: str) -> tuple[str, ...]:
    """The definition in the policy's words. A frame is written clause by clause from the merged
    definition, so that a year which amends it shows each clause as it now stands (its own line, or
    the base year's where it left the clause alone), never a replaced one."""
    if not isinstance(item, ast.FrameDef):
        return changes.words(item, kind, sources)
    label = f' "{item.label.ja}"' + (f' en "{item.label.en}"' if item.label.en else "") if item.label else ""
    lines = [f"frame {item.name}{label}:"]
    for field, keyword in changes.FRAME_CLAUSES:
        if field == "label":
            continue
        value = getattr(item, field)
        if field == "exclusions":
            lines.append("  exclusions none" if value is None else "  exclusions all" + (
                " except " + ", ".join(n.text for n in value) if value else ""))
            continue
        lines += [f"  {line}" for line in changes.words(value, keyword, sources)]
    for amount in item.amounts:
        lines += _amount_lines(amount, sources, 1, lang)
    return tuple(lines)


def _base_folder(folder: Path, sources: dict) -> Path | None:
    entry = next((shown for shown in sources if Path(shown).resolve() == (folder / "policy.rules").resolve()), None)
    if entry is None:
        return None
    for item in parse(sources[entry], entry).items:
        if isinstance(item, ast.Extends):
            return (folder / item.path).resolve()
    return None


def build(folder: str | Path, lang: str = "ja") -> Document:
    """The document of the policy folder (raises PolicyError when it does not load)."""
    folder = Path(folder)
    items = changes.load_items(folder)
    base_dir = _base_folder(folder, items.sources)
    changed: dict = {}
    removed = ()
    base_name = None
    if base_dir is not None:
        base = changes.load_items(base_dir)
        base_name = base_dir.name
        for c in changes.compare(base, items):
            changed[(c.kind, c.name)] = c
        removed = tuple((c.kind, c.name, c.label) for c in changed.values() if c.change == "removed")
    programme = next(i for i in items.items if isinstance(i, ast.Programme))
    titles = {s.key: s.title for s in programme.sources}
    labels = {}
    for item in items.items:
        key = changes.key_of(item)
        if key and key[0] != "programme":
            labels[key[1]] = (key[0], _label(getattr(item, "label", None), lang) or key[1])

    def link(names) -> tuple:
        return tuple((labels.get(n.text, ("", n.text))[0], n.text, labels.get(n.text, ("", n.text))[1]) for n in names)

    entries: dict[str, list[Entry]] = {k: [] for k in ORDER}
    words = _words(lang)
    for item in items.items:
        key = changes.key_of(item)
        label = _label(getattr(item, "label", None), lang)
        if key is None and isinstance(item, ast.InputDef) and item.fields:  # `input NAME: TYPE`, no group
            key, label = ("input", item.fields[0].name), _label(item.fields[0].label, lang)
        if key is None or key[0] == "programme" or key[0] not in entries:
            continue
        kind, name = key
        source = getattr(item, "source", None)
        citation = (source.key, source.detail, words["inferred"] if source.key == "inferred" else titles.get(source.key)) if source else None
        links = ()
        if isinstance(item, ast.FrameDef):
            parts = [(words["requires"], link(item.requires))]
            if item.exclusions is None:
                parts.append((words["exclusions"], (("", "", words["exclusions_none"]),)))
            elif item.exclusions:
                parts.append((f'{words["exclusions"]}: {words["exclusions_all"]}, {words["except"]}', link(item.exclusions)))
            else:
                parts.append((words["exclusions"], (("", "", words["exclusions_all"]),)))
            if item.steps:
                parts.append((words["steps"], link(item.steps)))
            links = tuple(parts)
        change = changed.get(key)
        diff = ()
        if change is not None and change.change != "added":
            diff = tuple((" › ".join(f"amount {p}" for p in c.path), c.old, c.new) for c in change.clauses)
        entries[kind].append(Entry(kind=kind, name=name, label=label, citation=citation,
                                   lines=_as_written(item, kind, items.sources, lang), links=links,
                                   change=change.change if change else None, diff=diff))
    sections = tuple((kind, tuple(entries[kind])) for kind in ORDER if entries[kind])
    return Document(programme=programme.name, title=programme.title, year=programme.year, in_force=programme.in_force,
                    sources=tuple((s.key, s.title) for s in programme.sources), base=base_name, sections=sections,
                    removed=removed)


# ---------------------------------------------------------------- Markdown


def _badge(entry: Entry, doc: Document, lang: str) -> str | None:
    if entry.change is None:
        return None
    key = "added" if entry.change == "added" else "changed"
    return _words(lang)[key].format(base=doc.base, year=doc.year)


def markdown(doc: Document, lang: str = "ja") -> str:
    words, titles = _words(lang), _titles(lang)
    out = [f"# {doc.programme}", ""]
    if doc.title:
        out += [doc.title, ""]
    if doc.in_force:
        out += [f"{words['in_force']}: {doc.in_force[0]} .. {doc.in_force[1]}", ""]
    for kind, entries in doc.sections:
        out += [f"## {titles[kind]}", ""]
        for e in entries:
            badge = _badge(e, doc, lang)
            out += [f'<a id="{kind}-{e.name}"></a>', "", f"### {e.label or e.name} (`{e.name}`)" + (f" — **{badge}**" if badge else ""), ""]
            if e.citation:
                key, detail, title = e.citation
                out += [f"> {words['source']}: `{key}`" + (f" — {title}" if title else "") + (f"  \n> 「{detail}」" if detail else ""), ""]
            for heading, targets in e.links:
                out.append(f"* {heading}: " + ", ".join(f"[{label}](#{kind}-{name})" if kind else label for kind, name, label in targets))
            if e.links:
                out.append("")
            if e.diff:
                out.append("```diff")
                for where, before, after in e.diff:
                    out += ([f"# {where}"] if where else []) + [f"- {line}" for line in before] + [f"+ {line}" for line in after]
                out += ["```", ""]
            out += ["```text"] + list(e.lines) + ["```", ""]
    if doc.removed:
        out += [f"## {titles['removed']}", ""] + [f"* {label or name} (`{kind} {name}`)" for kind, name, label in doc.removed] + [""]
    out += [f"## {words['sources']}", ""] + [f"* `{key}`: {title}" for key, title in doc.sources]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:"IPAGothic","Noto Sans CJK JP",system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.6}
h1{margin-bottom:.2rem} .subtitle{color:#555;margin-top:0}
nav ul{columns:2;padding-left:1.2rem}
section.kind{margin-top:2.5rem;border-top:2px solid #ccc}
article{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
article.changed{border-left:6px solid #c77700} article.added{border-left:6px solid #2f7d32}
.name{font-family:monospace;color:#555;font-size:.9em}
.badge{display:inline-block;font-size:.8em;padding:0 .5em;border-radius:3px;background:#c77700;color:#fff;margin-left:.5em}
article.added .badge{background:#2f7d32}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem}
blockquote{margin:0;padding:.3rem .8rem;background:#f5f5ef;border-left:4px solid #999;font-size:.92em}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.85em;white-space:pre-wrap}
pre.diff .old{color:#a40000;text-decoration:line-through} pre.diff .new{color:#1a6a1a} pre.diff .where{color:#555;font-style:italic}
@media (max-width:700px){.grid{grid-template-columns:1fr}}
"""


def page(doc: Document, lang: str = "ja") -> str:
    e_ = html.escape
    words, titles = _words(lang), _titles(lang)
    out = [f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
           f"<title>{e_(doc.programme)}</title><style>{_CSS}</style><body>",
           f"<h1>{e_(doc.programme)}</h1>"]
    if doc.title:
        out.append(f'<p class="subtitle">{e_(doc.title)}</p>')
    if doc.in_force:
        out.append(f"<p>{e_(words['in_force'])}: {doc.in_force[0]} .. {doc.in_force[1]}</p>")
    out.append(f"<nav><h2>{e_(words['contents'])}</h2><ul>")
    for kind, entries in doc.sections:
        out.append(f'<li><a href="#section-{kind}">{e_(titles[kind])}</a> ({len(entries)})</li>')
    out.append("</ul></nav>")
    for kind, entries in doc.sections:
        out.append(f'<section class="kind" id="section-{kind}"><h2>{e_(titles[kind])}</h2>')
        for e in entries:
            badge = _badge(e, doc, lang)
            css = "added" if e.change == "added" else "changed" if e.change else ""
            out.append(f'<article id="{e_(kind)}-{e_(e.name)}" class="{css}" data-change="{e_(e.change or "")}">')
            out.append(f'<h3>{e_(e.label or e.name)} <span class="name">{e_(e.name)}</span>'
                       + (f'<span class="badge">{e_(badge)}</span>' if badge else "") + "</h3>")
            out.append('<div class="grid"><div>')
            for heading, targets in e.links:
                items = ", ".join(f'<a href="#{e_(k)}-{e_(n)}">{e_(label)}</a>' if k else e_(label) for k, n, label in targets)
                out.append(f"<p><b>{e_(heading)}</b>: {items}</p>")
            if e.diff:
                body = []
                for where, before, after in e.diff:
                    body += ([f'<span class="where">{e_(where)}</span>'] if where else [])
                    body += [f'<span class="old">- {e_(line)}</span>' for line in before]
                    body += [f'<span class="new">+ {e_(line)}</span>' for line in after]
                out.append(f'<pre class="diff" title="{e_(words["before"])} → {e_(words["after"])}">' + "\n".join(body) + "</pre>")
            out.append(f'<details{" open" if kind != "input" else ""}><summary>{e_(words["as_written"])}</summary>'
                       f'<pre>{e_(chr(10).join(e.lines))}</pre></details>')
            out.append("</div><div>")
            if e.citation:
                key, detail, title = e.citation
                out.append(f'<blockquote class="citation"><b>{e_(words["source"])}</b>: <code>{e_(key)}</code>'
                           + (f"<br>{e_(title)}" if title else "") + (f"<br>「{e_(detail)}」" if detail else "") + "</blockquote>")
            out.append("</div></div></article>")
        out.append("</section>")
    if doc.removed:
        out.append(f'<section class="kind" id="section-removed"><h2>{e_(titles["removed"])}</h2><ul>')
        out += [f'<li class="removed">{e_(label or name)} <span class="name">{e_(kind)} {e_(name)}</span></li>'
                for kind, name, label in doc.removed]
        out.append("</ul></section>")
    out.append(f'<section class="kind" id="section-sources"><h2>{e_(words["sources"])}</h2><dl>')
    out += [f"<dt><code>{e_(key)}</code></dt><dd>{e_(title)}</dd>" for key, title in doc.sources]
    out.append("</dl></section></body></html>")
    return "\n".join(out) + "\n"
