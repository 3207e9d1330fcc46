"""`/docs`: the OpenAPI document as one self-contained HTML page (no script, nothing from the
network), and `/problems/{code}`: what one kind of error means (a problem's `type` leads there).
Both are written from the document and the problem catalogue, never by hand."""

from __future__ import annotations

import json
from html import escape

from engine.serve.messages import word
from engine.serve.problems import KINDS, Kind

DOCS_WORDS = ("title", "routes", "schemas", "problems", "parameters", "body", "responses", "name", "in", "type", "required",
              "description", "status", "yes", "no", "cases", "label", "also", "back", "problem_intro")


def words_in(lang: str) -> dict[str, str]:
    """The page's words in `lang` (the catalogue's docs.*)."""
    return {key: word(lang, f"docs.{key}") for key in DOCS_WORDS}


STYLE = """
body{font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0 auto;max-width:64rem;padding:1rem;line-height:1.5;color:#1b1b1b}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f4f4f4;padding:.5rem;overflow-x:auto;max-height:30rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}section.route,section.schema,section.problem{border-top:1px solid #ddd;padding-top:.5rem}
.method{font-weight:bold;text-transform:uppercase;margin-right:.5rem}nav ul{columns:2}
"""


def _text(text: str) -> str:
    """A description as HTML: `code` spans as code, a kind of error linked to its entry."""
    parts = escape(text).split("`")
    for i in range(1, len(parts), 2):
        inner = parts[i]
        parts[i] = f'<a href="#problem-{inner}"><code>{inner}</code></a>' if inner in KINDS else f"<code>{inner}</code>"
    return "".join(parts)


def _type(schema: dict) -> str:
    """A schema in a few words, with links to the named types."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _type(schema["allOf"][0])
    if "anyOf" in schema or "oneOf" in schema:
        return " | ".join(_type(s) for s in schema.get("anyOf", schema.get("oneOf")))
    if "enum" in schema:
        return " | ".join(f"<code>{escape(json.dumps(v, ensure_ascii=False))}</code>" for v in schema["enum"])
    if "const" in schema:
        return f"<code>{escape(json.dumps(schema['const'], ensure_ascii=False))}</code>"
    kind = schema.get("type")
    if kind == "array":
        return f"[{_type(schema.get('items', {}))}]"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"{{string: {_type(schema['additionalProperties'])}}}"
    if isinstance(kind, list):
        return " | ".join(escape(k) for k in kind)
    text = escape(kind or "any")
    if schema.get("format"):
        text += f" ({escape(schema['format'])})"
    if schema.get("pattern"):
        text += f" <code>{escape(schema['pattern'])}</code>"
    return text


def _route(path: str, method: str, op: dict, w: dict) -> str:
    anchor = f"route-{method}-{path}"
    out = [f'<section class="route" id="{escape(anchor)}"><h3><span class="method">{escape(method)}</span><code>{escape(path)}</code></h3>'
           f"<p>{_text(op.get('summary', ''))}</p>"]
    params = op.get("parameters", [])
    if params:
        rows = "".join(f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td><td>{_type(p['schema'])}</td>"
                       f"<td>{_text(p.get('description', ''))}</td></tr>" for p in params)
        out.append(f"<h4>{w['parameters']}</h4><table><tr><th>{w['name']}</th><th>{w['in']}</th><th>{w['type']}</th>"
                   f"<th>{w['description']}</th></tr>{rows}</table>")
    if "requestBody" in op:
        body = op["requestBody"]["content"]
        out.append(f"<h4>{w['body']}</h4><p>" + "; ".join(f"<code>{escape(t)}</code>: {_type(c['schema'])}" for t, c in body.items()) + "</p>")
    rows = []
    for status, response in sorted(op["responses"].items()):
        content = response.get("content", {})
        types = "<br>".join(f"<code>{escape(t)}</code>: {_type(c['schema'])}" for t, c in content.items())
        rows.append(f"<tr><td>{escape(status)}</td><td>{_text(response.get('description', ''))}</td><td>{types}</td></tr>")
    out.append(f"<h4>{w['responses']}</h4><table><tr><th>{w['status']}</th><th>{w['description']}</th><th>{w['type']}</th></tr>"
               + "".join(rows) + "</table></section>")
    return "".join(out)


def _schema(name: str, schema: dict, w: dict) -> str:
    out = [f'<section class="schema" id="schema-{escape(name)}"><h3>{escape(name)}</h3>']
    if schema.get("description"):
        out.append(f"<p>{escape(schema['description'])}</p>")
    required = set(schema.get("required", []))
    props = schema.get("properties", {})
    if props:
        rows = "".join(f"<tr><td><code>{escape(k)}</code></td><td>{_type(v)}</td><td>{w['yes'] if k in required else w['no']}</td>"
                       f"<td>{_text(v.get('description', ''))}</td></tr>" for k, v in props.items())
        out.append(f"<table><tr><th>{w['name']}</th><th>{w['type']}</th><th>{w['required']}</th><th>{w['description']}</th></tr>{rows}</table>")
    return "".join(out) + "</section>"


def _case_rows(schema: dict, path: str, required: bool):
    """Each field of a case schema, depth first: (path, type, required, title, English description)."""
    choices = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    plain = schema if not choices else choices[0] if len(choices) == 1 else {"anyOf": choices}
    kind = plain.get("type")
    if path:
        shown = {k: v for k, v in plain.items() if k not in ("properties", "items", "title", "description")}
        yield path, _type(shown) if kind != "array" else "[…]", required, schema.get("title", ""), schema.get("description", "")
    if kind == "object":
        needed = set(plain.get("required", []))
        for name, sub in plain.get("properties", {}).items():
            yield from _case_rows(sub, f"{path}.{name}" if path else name, name in needed)
    elif kind == "array":
        yield from _case_rows(plain.get("items", {}), f"{path}[]", True)


def _case(name: str, schema: dict, w: dict) -> str:
    rows = "".join(f"<tr><td><code>{escape(p)}</code></td><td>{t}</td><td>{w['yes'] if r else w['no']}</td>"
                   f"<td>{escape(title)}</td><td>{escape(en)}</td></tr>" for p, t, r, title, en in _case_rows(schema, "", True))
    return (f'<section class="schema" id="schema-{escape(name)}"><h3>{escape(name)}</h3><p>{escape(schema.get("title", ""))}</p>'
            f"<table><tr><th>{w['name']}</th><th>{w['type']}</th><th>{w['required']}</th><th>{w['label']}</th><th>English</th></tr>{rows}</table>"
            f"<details><summary>JSON Schema</summary><pre>{escape(json.dumps(schema, ensure_ascii=False, indent=1))}</pre></details></section>")


def _problem(kind: Kind, lang: str) -> str:
    return (f'<section class="problem" id="problem-{kind.code}"><h3><code>{kind.code}</code> — {escape(kind.title.in_(lang))}</h3>'
            f"<p>HTTP {kind.status} · type <code>{escape(kind.type)}</code></p><p>{escape(kind.description.in_(lang))}</p></section>")


def _page(title: str, lang: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def render(document: dict, lang: str) -> str:
    w = words_in(lang)
    info = document["info"]
    routes = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    named = document["components"]["schemas"]
    cases = [n for n in named if n.startswith("Case")]
    models = [n for n in named if n not in cases]
    other = "en" if lang == "ja" else "ja"
    nav = "".join(f'<li><a href="#route-{escape(m)}-{escape(p)}"><span class="method">{escape(m)}</span>{escape(p)}</a></li>'
                  for p, m, _ in routes)
    body = [f'<header><h1>{escape(info["title"])} — {w["title"]}</h1><p>{_text(info["description"])}</p>'
            f'<p>version {escape(info["version"])} · {w["also"]}<a href="/openapi.json">/openapi.json</a> · '
            f'<a href="/docs?lang={other}" hreflang="{other}">{"English" if other == "en" else "日本語"}</a></p></header>',
            f'<nav><h2>{w["routes"]}</h2><ul>{nav}</ul></nav><main>',
            *(_route(p, m, op, w) for p, m, op in routes),
            f'<h2 id="problems">{w["problems"]}</h2><p>{w["problem_intro"]}</p>',
            *(_problem(k, lang) for k in KINDS.values()),
            f'<h2 id="schemas">{w["schemas"]}</h2>',
            *(_schema(n, named[n], w) for n in models),
            f'<h2 id="cases">{w["cases"]}</h2>',
            *(_case(n, named[n], w) for n in cases),
            "</main>"]
    return _page(f"{info['title']} — {w['title']}", lang, "".join(body))


def render_problem(kind: Kind, lang: str) -> str:
    w = words_in(lang)
    return _page(f"{kind.code} — {kind.title.in_(lang)}", lang,
                 f"<main>{_problem(kind, lang)}<p>{w['problem_intro']}</p>"
                 f'<p><a href="/docs?lang={lang}#problem-{kind.code}">{w["back"]}</a></p></main>')
