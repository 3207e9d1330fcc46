"""The self-check page's templates (templates/): Jinja2, autoescaped, strict about undefined names.
An office's own folder (POLICY_PAGE_TEMPLATES) is read first, so its office_header.html,
office_footer.html, disclaimer.html — or a whole page.html or result.html — replace the bundled ones
without editing Python (docs/serve.md)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment() -> jinja2.Environment:
    """The environment for the office folder configured now (the variable is read on every call)."""
    return _environment(os.environ.get("POLICY_PAGE_TEMPLATES") or None)


@functools.lru_cache(maxsize=4)
def _environment(office: str | None) -> jinja2.Environment:
    folders = [office, str(TEMPLATES)] if office else [str(TEMPLATES)]
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folders), autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=False, lstrip_blocks=False)
