"""A policy is a folder: `policy.rules` and the files it `include`s. This module reads them
(UTF-8 only, never outside the folder, no include cycles) and parses each one."""

from __future__ import annotations

import os
from pathlib import Path

from engine.language import ast, inherit
from engine.language.diagnostics import Diagnostic, PolicyError, Span
from engine.language.parser import parse

ENTRY_FILE = "policy.rules"


def _display(path: Path) -> str:
    """The path as a person would type it from here: relative inside the working folder."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(Path(path).absolute()) if relative.startswith("..") else relative


def _read(path: Path, shown: str, at: Span | None, sources: dict[str, str]) -> str:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise PolicyError([Diagnostic("error", f"{shown} is a folder, not a .rules file", at)], sources) from None
    except OSError as exc:
        raise PolicyError([Diagnostic("error", f"cannot read {shown}: {exc.strerror}", at)], sources) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        span = Span(shown, line, column, line, column + 1)
        message = f"{shown} is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); save it as UTF-8"
        raise PolicyError([Diagnostic("error", message, span)], sources) from None


def load(policy_dir: str | Path, _extending: tuple[Path, ...] = ()) -> tuple[list[ast.Module], dict[str, str], dict[str, str]]:
    """Every module of the policy in `policy_dir`, entry file first; each file's text; and each
    file's name relative to the policy folder (what decisions cite, whatever the working folder).
    A policy that `extends` another comes back as one module: the base with the changes applied."""
    root = Path(policy_dir)
    if not root.exists():
        raise PolicyError([Diagnostic("error", f"policy folder {_display(root)} does not exist")])
    if not root.is_dir():
        raise PolicyError([Diagnostic("error", f"{_display(root)} is not a folder; give the folder that holds {ENTRY_FILE}")])
    entry = root / ENTRY_FILE
    if not entry.exists():
        raise PolicyError([Diagnostic("error", f"policy folder {_display(root)} has no {ENTRY_FILE}")])
    real_root = root.resolve()
    modules: list[ast.Module] = []
    sources: dict[str, str] = {}
    inside: dict[str, str] = {}
    seen: set[Path] = set()

    def visit(path: Path, stack: tuple[Path, ...], at: Span | None) -> None:
        shown = _display(path)
        text = _read(path, shown, at, sources)
        sources[shown] = text
        inside[shown] = path.resolve().relative_to(real_root).as_posix()
        module = parse(text, shown)
        modules.append(module)
        seen.add(path.resolve())
        for item in module.items:
            if isinstance(item, ast.Include):
                target = (path.parent / item.path)
                real = target.resolve()
                if os.path.commonpath([real_root, real]) != str(real_root):
                    raise PolicyError([Diagnostic("error", f'include "{item.path}" leaves the policy folder {_display(root)}', item.span,
                                                  help="a policy may only include files inside its own folder")], sources)
                if real in (p.resolve() for p in stack + (path,)):
                    chain = " -> ".join(_display(p) for p in stack + (path, target))
                    raise PolicyError([Diagnostic("error", f"include cycle: {chain}", item.span)], sources)
                if not real.exists():
                    raise PolicyError([Diagnostic("error", f'include "{item.path}": no such file {_display(target)}', item.span)], sources)
                if real in seen:
                    raise PolicyError([Diagnostic("error", f'"{item.path}" is included twice', item.span)], sources)
                visit(target, stack + (path,), item.span)

    visit(entry, (), None)
    extends = [item for m in modules for item in m.items if isinstance(item, ast.Extends)]
    if not extends:
        return modules, sources, inside
    misplaced = [e for e in extends if e.span.file != modules[0].file] + extends[1:]
    if misplaced:
        raise PolicyError([Diagnostic("error", "`extends` must appear once, in policy.rules", misplaced[0].span)], sources)
    return _extend(root, real_root, extends[0], modules, sources, inside, _extending)


def _extend(root, real_root, extends: ast.Extends, modules, sources, inside, extending):
    base_dir = (root / extends.path).resolve()
    if real_root in extending or base_dir.resolve() in extending + (real_root,):
        chain = " -> ".join(_display(p) for p in extending + (real_root, base_dir.resolve()))
        raise PolicyError([Diagnostic("error", f"extends cycle: {chain}", extends.span)], sources)
    if not (base_dir / ENTRY_FILE).is_file():
        raise PolicyError([Diagnostic("error", f'extends "{extends.path}": {_display(base_dir)} is not a policy folder (no {ENTRY_FILE})',
                                      extends.span)], sources)
    base_modules, base_sources, base_inside = load(base_dir, extending + (real_root,))
    base_root = base_dir.resolve()
    for shown, relative in base_inside.items():
        inside[shown] = Path(os.path.relpath(base_root / relative, real_root)).as_posix()
    sources = {**base_sources, **sources}
    base_items = [item for m in base_modules for item in m.items]
    derived_items = [item for m in modules for item in m.items]
    items, problems = inherit.merge(base_items, derived_items, extends.path)
    if problems:
        raise PolicyError(problems, sources)
    return [ast.Module(file=modules[0].file, items=tuple(items))], sources, inside
