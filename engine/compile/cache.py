"""The compiled-policy cache: a checked and compiled policy, stored as JSON under a key made of
the policy's files (and its base's), the grammar and the engine version. Repeated runs skip
parsing and checking.

No pickle: entries are plain JSON decoded into `engine.tree.nodes` classes only, and each carries its
key and an HMAC-SHA256 made with a secret only the user can read (`.secret` in the cache folder,
mode 0600, created on first use), so an entry anyone else wrote or changed is never used: a
decision reported under a policy's content hash comes from the policy with that hash. A folder
that is not the user's own, or that others may write, is not used at all (the policy is compiled
from its files, every time). A stale, corrupt, oversized, foreign or unreadable entry (a FIFO, a
device, a symlink loop) is rebuilt, never a crash or a hang. Writers replace entries atomically,
so two processes filling the cache at once do no harm."""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
from fractions import Fraction
from pathlib import Path

import attrs

from engine import __version__
from engine.tree import nodes as tree
from engine.language.loader import inside, is_policy_folder, max_file_bytes, read_regular
from engine.language.resources import grammar_path

FORMAT = 3
MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_KEY_FILES = 10_000  # a policy folder holding more files than this is not cached (it is compiled every time)
_CLASSES = {name: cls for name, cls in vars(tree).items() if isinstance(cls, type) and attrs.has(cls)}
_EXTENDS = re.compile(r'^\s*extends\s+"([^"]+)"', re.M)


def enabled() -> bool:
    return os.environ.get("POLICY_CACHE", "on").lower() not in ("off", "0", "no")


def folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "subsidy-policy" / "compiled"


def key(policy_dir: str | Path) -> str:
    """A hash of every file in the policy's folder and in the folders it extends, the grammar and
    the engine version. Files are named relative to the policy's folder, as the compiled policy
    names them, so the same files give the same hash wherever they are installed (it is also the
    content hash `policy serve` reports and logs).
    Only what the loader could read is hashed: regular files inside each folder (symlinks resolved),
    none larger than the loader reads, and a folder `extends` names only when it is a policy folder.
    OSError when the folder cannot be hashed within those bounds (the policy is then compiled from
    its files, and the loader says what is wrong)."""
    digest = hashlib.sha256()
    digest.update(f"engine {__version__} format {FORMAT}\n".encode())
    digest.update(grammar_path().read_bytes())
    base = Path(os.path.realpath(policy_dir))
    limit, count = max_file_bytes(), 0
    seen, todo = set(), [base]
    while todo:
        root = todo.pop()
        if root in seen:
            continue
        seen.add(root)
        files = []
        for folder, dirs, names in os.walk(root):  # symlinked folders are not followed: no loop, no escape
            dirs.sort()
            files += [Path(folder) / n for n in names]
        for path in sorted(files):  # `include` may name any file
            if not inside(root, path):
                continue  # the loader refuses it
            try:
                info = os.stat(path)
            except OSError:
                continue  # a dangling symlink or a loop: the loader refuses it if it is included
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                continue  # a FIFO, a device, a file too large: the loader refuses it if it is included
            count += 1
            if count > MAX_KEY_FILES:
                raise OSError(errno.EFBIG, f"more than {MAX_KEY_FILES:,} files")
            data = read_regular(path, limit)
            digest.update(f"{os.path.relpath(path, base)}\n{len(data)}\n".encode())
            digest.update(data)
        entry = root / "policy.rules"
        if is_policy_folder(root):
            text = read_regular(entry, limit).decode("utf-8", errors="replace")
            todo += [Path(os.path.realpath(root / m)) for m in _EXTENDS.findall(text) if is_policy_folder(root / m)]
    return digest.hexdigest()


def encode(value):
    if attrs.has(type(value)):
        return {"$": type(value).__name__, **{f.name: encode(getattr(value, f.name)) for f in attrs.fields(type(value))}}
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Fraction):
        return {"$F": [value.numerator, value.denominator]}
    if isinstance(value, datetime.date):
        return {"$D": value.isoformat()}
    if isinstance(value, datetime.time):  # a round's closing or opening time
        return {"$T": value.isoformat()}
    if isinstance(value, dict):
        return {"$M": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(value):
    if isinstance(value, list):
        return tuple(decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "$F" in value:
        n, d = value["$F"]
        return Fraction(int(n), int(d))
    if "$D" in value:
        return datetime.date.fromisoformat(value["$D"])
    if "$T" in value:
        return datetime.time.fromisoformat(value["$T"])
    if "$M" in value:
        return {decode(k): decode(v) for k, v in value["$M"]}
    cls = _CLASSES[value["$"]]  # KeyError for anything that is not a tree class: the entry is foreign
    return cls(**{k: decode(v) for k, v in value.items() if k != "$"})


def _own_folder(target: Path, create: bool) -> bool:
    """Whether `target` is a real folder (not a symlink) of this user's that no one else may write.
    Where there are no user ids (Windows) the folder's ACLs are left to the system."""
    if create:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = os.lstat(target)
    if not stat.S_ISDIR(info.st_mode):
        return False
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _secret(target: Path, create: bool) -> bytes | None:
    """The user's secret cache key (32 random bytes in `.secret`, mode 0600), made on first use;
    None when it is missing (and not to be made) or could have been read or replaced by someone else."""
    path = target / ".secret"
    if create and not os.path.lexists(path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            return None
        data = os.read(fd, 64)
    finally:
        os.close(fd)
    return data if len(data) == 32 else None


def _mac(secret: bytes, policy_key: str, payload: str) -> str:
    return hmac.new(secret, f"{FORMAT}\n{policy_key}\n{payload}".encode(), hashlib.sha256).hexdigest()


def load(policy_key: str) -> tree.Policy | None:
    """The cached policy for this key, or None when there is none or it cannot be trusted: any
    failure to read, verify or decode it means the policy is compiled from its files again."""
    target = folder()
    try:
        if not _own_folder(target, create=False):
            return None
        secret = _secret(target, create=False)
        if secret is None:
            return None
        entry = json.loads(read_regular(target / f"{policy_key}.json", MAX_ENTRY_BYTES).decode("utf-8"))
        payload = json.dumps(entry["policy"], ensure_ascii=False, sort_keys=True)
        if entry.get("format") != FORMAT or entry.get("key") != policy_key:
            return None
        if not hmac.compare_digest(str(entry.get("mac")), _mac(secret, policy_key, payload)):
            return None
        policy = decode(entry["policy"])
        return policy if isinstance(policy, tree.Policy) else None
    except Exception:  # noqa: BLE001 - whatever is wrong with an entry, it is rebuilt (a zero denominator, deep JSON, …)
        return None


def store(policy_key: str, policy: tree.Policy) -> None:
    try:
        target = folder()
        if not _own_folder(target, create=True):
            return
        secret = _secret(target, create=True)
        if secret is None:
            return
        encoded = encode(policy)
        payload = json.dumps(encoded, ensure_ascii=False, sort_keys=True)
        text = json.dumps({"format": FORMAT, "key": policy_key, "mac": _mac(secret, policy_key, payload), "policy": encoded},
                          ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target / f"{policy_key}.json")  # atomic: readers see the old entry or the new one
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except Exception:  # noqa: BLE001 - a cache that cannot be written (or a value it cannot hold) only costs time
        pass
