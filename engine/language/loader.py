"""A policy is a folder: `policy.rules` and the files it `include`s. This module reads them
(UTF-8 only, never outside the folder, no include cycles) and parses each one.

Every file it opens (`policy.rules` too, and each base folder's files under `extends`) must be a
regular file inside its policy's folder once symlinks are resolved, of at most
`max_file_bytes()` (64 MiB; `POLICY_MAX_FILE_BYTES` changes it); it is opened without blocking, so
a FIFO, a device or a symlink loop is an error, never a hang or an endless read."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from engine.i18n import N_
from engine.i18n.system import OSReason, Refused
from engine.language.diagnostics import Diagnostic, PolicyError, Span, phrase

if TYPE_CHECKING:  # the AST, the parser and `extends` load on first use (see parse below)
    from engine.language import ast

ENTRY_FILE = "policy.rules"


def _display(path: Path) -> str:
    """The path as a person would type it from here: relative inside the working folder."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(Path(path).absolute()) if relative.startswith("..") else relative


MAX_FILE_BYTES = 64 * 1024 * 1024


def max_file_bytes() -> int:
    """The largest policy file read (bytes): POLICY_MAX_FILE_BYTES, or 64 MiB."""
    try:
        return max(1, int(os.environ.get("POLICY_MAX_FILE_BYTES", MAX_FILE_BYTES)))
    except ValueError:
        return MAX_FILE_BYTES


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Opened without blocking, so a FIFO
    never hangs; a folder, a FIFO, a device, a symlink loop or a larger file raise OSError whose
    strerror says which."""
    limit = max_file_bytes() if limit is None else limit
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(mode):
            raise Refused(errno.EINVAL, "refused.not_regular")
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise Refused(errno.EFBIG, "refused.too_large", limit=f"{limit:,}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def inside(real_root: str | Path, path: str | Path) -> bool:
    """Whether `path`, its symlinks resolved, lies in the folder `real_root` (already resolved)."""
    real = os.path.realpath(path)
    try:
        return os.path.commonpath([str(real_root), real]) == str(real_root)
    except ValueError:  # pragma: no cover - another drive on Windows
        return False


def _read(path: Path, shown: str, at: Span | None, sources: dict[str, str]) -> str:
    try:
        data = read_regular(path)
    except IsADirectoryError:
        raise PolicyError([Diagnostic("error", phrase(N_("load.folder", "{file} is a folder, not a .rules file"), file=shown), at)], sources) from None
    except OSError as exc:
        raise PolicyError([Diagnostic("error", phrase(N_("load.unreadable", "cannot read {file}: {reason}"), file=shown, reason=OSReason(exc)), at)], sources) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        span = Span(shown, line, column, line, column + 1)
        message = phrase(N_("load.not_utf8", "{file} is not UTF-8 text (byte 0x{byte:02x} at line {line}); save it as UTF-8"),
                         file=shown, byte=data[exc.start], line=line)
        raise PolicyError([Diagnostic("error", message, span)], sources) from None


def parse(text: str, file: str):
    """The parser, imported on first use: a policy read whole from the compiled cache (a warm
    `policy eval`) never loads Lark, the grammar or the AST. A module attribute, so the language
    server can read through its memo instead (engine/authoring/workspace.py)."""
    from engine.language.parser import parse as parse_text

    return parse_text(text, file)

def load(policy_dir: str | Path, _extending: tuple[Path, ...] = ()) -> tuple[list[ast.Module], dict[str, str], dict[str, str]]:
    """Every module of the policy in `policy_dir`, entry file first; each file's text; and each
    file's name relative to the policy folder (what decisions cite, whatever the working folder).
    A policy that `extends` another comes back as one module: the base with the changes applied."""
    from engine.language import ast  # here, not at the top: see parse() above

    root = Path(policy_dir)
    if not root.exists():
        raise PolicyError([Diagnostic("error", phrase(N_("load.no_folder", "policy folder {folder} does not exist"), folder=_display(root)))])
    if not root.is_dir():
        raise PolicyError([Diagnostic("error", phrase(N_("load.not_folder", "{folder} is not a folder; give the folder that holds {entry}"),
                                                     folder=_display(root), entry=ENTRY_FILE))])
    entry = root / ENTRY_FILE
    if not os.path.lexists(entry):
        raise PolicyError([Diagnostic("error", phrase(N_("load.no_entry", "policy folder {folder} has no {entry}"), folder=_display(root), entry=ENTRY_FILE))])
    real_root = Path(os.path.realpath(root))
    if not inside(real_root, entry):
        raise PolicyError([Diagnostic("error", phrase(N_("load.entry_outside", "{file} leaves the policy folder {folder}"),
                                                      file=_display(entry), folder=_display(root)),
                                      help=phrase(N_("hint.entry_inside", "policy.rules must be a file inside its own folder (a symlink may point only inside it)")))])
    modules: list[ast.Module] = []
    sources: dict[str, str] = {}
    names: dict[str, str] = {}
    seen: set[Path] = set()

    def visit(path: Path, stack: tuple[Path, ...], at: Span | None) -> None:
        shown = _display(path)
        text = _read(path, shown, at, sources)
        sources[shown] = text
        names[shown] = Path(os.path.realpath(path)).relative_to(real_root).as_posix()
        module = parse(text, shown)
        modules.append(module)
        seen.add(Path(os.path.realpath(path)))
        for item in module.items:
            if isinstance(item, ast.Include):
                target = (path.parent / item.path)
                real = Path(os.path.realpath(target))
                if not inside(real_root, target):
                    raise PolicyError([Diagnostic("error", phrase(N_("load.include_outside", 'include "{path}" leaves the policy folder {folder}'),
                                                                  path=item.path, folder=_display(root)), item.span,
                                                  help=phrase(N_("hint.include_inside", "a policy may only include files inside its own folder")))],
                                      sources)
                if real in (Path(os.path.realpath(p)) for p in stack + (path,)):
                    chain = " -> ".join(_display(p) for p in stack + (path, target))
                    raise PolicyError([Diagnostic("error", phrase(N_("load.include_cycle", "include cycle: {chain}"), chain=chain), item.span)], sources)
                if not real.exists():
                    problem = phrase(N_("load.dangling", "a symlink that leads nowhere (dangling, or a loop)") if os.path.lexists(target)
                                     else N_("load.no_file", "no such file"))
                    raise PolicyError([Diagnostic("error", phrase(N_("load.include_missing", 'include "{path}": {problem} {target}'),
                                                                  path=item.path, problem=problem, target=_display(target)), item.span)], sources)
                if real in seen:
                    raise PolicyError([Diagnostic("error", phrase(N_("load.included_twice", '"{path}" is included twice'), path=item.path), item.span)], sources)
                visit(target, stack + (path,), item.span)

    visit(entry, (), None)
    extends = [item for m in modules for item in m.items if isinstance(item, ast.Extends)]
    if not extends:
        return _derived(modules, sources), sources, names
    misplaced = [e for e in extends if e.span.file != modules[0].file] + extends[1:]
    if misplaced:
        raise PolicyError([Diagnostic("error", phrase(N_("load.extends_misplaced", "`extends` must appear once, in policy.rules")), misplaced[0].span)], sources)
    return _extend(root, real_root, extends[0], modules, sources, names, _extending)


def is_policy_folder(folder: str | Path) -> bool:
    """A folder holding a regular `policy.rules` of its own (a symlink to one inside it counts)."""
    entry = Path(folder) / ENTRY_FILE
    try:
        return stat.S_ISREG(os.stat(entry).st_mode) and inside(os.path.realpath(folder), entry)
    except (OSError, ValueError):
        return False


def _extend(root, real_root, extends: ast.Extends, modules, sources, names, extending):
    from engine.language import ast, inherit

    base_dir = Path(os.path.realpath(root / extends.path))
    if real_root in extending or base_dir in extending + (real_root,):
        chain = " -> ".join(_display(p) for p in extending + (real_root, base_dir))
        raise PolicyError([Diagnostic("error", phrase(N_("load.extends_cycle", "extends cycle: {chain}"), chain=chain), extends.span)], sources)
    if not is_policy_folder(base_dir):
        raise PolicyError([Diagnostic("error", phrase(N_("load.extends_not_policy", 'extends "{path}": {folder} is not a policy folder (no {entry})'),
                                                 path=extends.path, folder=_display(base_dir), entry=ENTRY_FILE),
                                      extends.span)], sources)
    base_modules, base_sources, base_inside = load(base_dir, extending + (real_root,))
    base_root = base_dir
    for shown, relative in base_inside.items():
        names[shown] = Path(os.path.relpath(base_root / relative, real_root)).as_posix()
    sources = {**base_sources, **sources}
    base_items = [item for m in base_modules for item in m.items]
    derived_items = [item for m in modules for item in m.items]
    items, problems = inherit.merge(base_items, derived_items, extends.path)
    if problems:
        raise PolicyError(problems, sources)
    return _derived([ast.Module(file=modules[0].file, items=tuple(items))], sources), sources, names


def _derived(modules: list[ast.Module], sources: dict[str, str]) -> list[ast.Module]:
    """The modules with each `frame … like …` stated whole (inherit.derive_frames), across files."""
    from engine.language import ast, inherit

    items = [item for m in modules for item in m.items]
    frames = [i for i in items if isinstance(i, ast.FrameDef)]
    amounts_like = any(a.like is not None for f in frames for a in _every_amount(f.amounts))
    if not amounts_like and not any(f.like is not None for f in frames):
        return modules
    derived, problems = inherit.derive_frames(items)
    if problems:
        raise PolicyError(problems, sources)
    if amounts_like:  # after the frames: an amount may be like one a frame took from the frame it is like
        derived, problems = inherit.derive_amounts(derived)
        if problems:
            raise PolicyError(problems, sources)
    it = iter(derived)
    return [attrs.evolve(m, items=tuple(next(it) for _ in m.items)) for m in modules]


def _every_amount(amounts):
    for a in amounts:
        yield a
        yield from _every_amount(a.parts)
