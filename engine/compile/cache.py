"""The compiled-policy cache: a checked and compiled policy, stored as JSON under a key made of
the policy's files (and its base's), the grammar and the engine version. Repeated runs skip
parsing and checking.

No pickle: entries are plain JSON decoded into `engine.tree.nodes` classes only, and each carries its
key and a checksum, so a stale, corrupt or foreign entry is never used (it is rebuilt). Writers
replace entries atomically, so two processes filling the cache at once do no harm."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import tempfile
from fractions import Fraction
from pathlib import Path

import attrs

from engine import __version__
from engine.tree import nodes as tree
from engine.language.resources import grammar_path

FORMAT = 1
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
    content hash `policy serve` reports and logs)."""
    digest = hashlib.sha256()
    digest.update(f"engine {__version__} format {FORMAT}\n".encode())
    digest.update(grammar_path().read_bytes())
    base = Path(policy_dir).resolve()
    seen, todo = set(), [base]
    while todo:
        root = todo.pop()
        if root in seen:
            continue
        seen.add(root)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):  # `include` may name any file
            data = path.read_bytes()
            digest.update(f"{os.path.relpath(path, base)}\n{len(data)}\n".encode())
            digest.update(data)
        entry = root / "policy.rules"
        if entry.exists():
            todo += [(root / m).resolve() for m in _EXTENDS.findall(entry.read_text(encoding="utf-8", errors="replace"))]
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
    if "$M" in value:
        return {decode(k): decode(v) for k, v in value["$M"]}
    cls = _CLASSES[value["$"]]  # KeyError for anything that is not a tree class: the entry is foreign
    return cls(**{k: decode(v) for k, v in value.items() if k != "$"})


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def load(policy_key: str) -> tree.Policy | None:
    """The cached policy for this key, or None when there is none or it cannot be trusted."""
    path = folder() / f"{policy_key}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        payload = json.dumps(entry["policy"], ensure_ascii=False, sort_keys=True)
        if entry.get("format") != FORMAT or entry.get("key") != policy_key or entry.get("checksum") != _checksum(payload):
            return None
        policy = decode(entry["policy"])
        return policy if isinstance(policy, tree.Policy) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(policy_key: str, policy: tree.Policy) -> None:
    try:
        target = folder()
        target.mkdir(parents=True, exist_ok=True)
        encoded = encode(policy)
        payload = json.dumps(encoded, ensure_ascii=False, sort_keys=True)
        text = json.dumps({"format": FORMAT, "key": policy_key, "checksum": _checksum(payload), "policy": encoded}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target / f"{policy_key}.json")  # atomic: readers see the old entry or the new one
    except OSError:
        pass  # a cache that cannot be written only costs time
