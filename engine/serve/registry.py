"""The policy years a server answers with: every policy folder under a root, compiled once, each
with its content hash; picked by the case's application date or pinned by year; reloaded as a whole
and swapped in atomically (a failed reload leaves the old set serving and says why)."""

from __future__ import annotations

import datetime
import threading
from pathlib import Path

import attrs

from engine.compile import cache
from engine.tree import nodes as tree
from engine.language.diagnostics import PolicyError
from engine.evaluate.fast import FastPolicy, fast_for
from engine.compile.pipeline import load_policy
from engine.evaluate.case_words import word
from engine.evaluate.selection import NoYear, choose_year, policy_folders
from engine.serve.messages import Said, said


@attrs.frozen(eq=False)
class Year:
    folder: Path
    policy: tree.Policy
    fast: FastPolicy
    content_hash: str  # engine/compile/cache.py's key: every file of the folder and its bases, grammar, engine
    # the summary form's reason and step objects, made once per (language, kind, name) (decide.py); read-only
    summary_parts: dict = attrs.field(factory=dict, init=False, repr=False)

    @property
    def name(self) -> str:
        return self.folder.name

    def describe(self) -> dict:
        p = self.policy
        return {"year": p.year, "folder": self.name, "programme": p.programme, "title": p.title,
                "in_force": [str(d) for d in p.in_force] if p.in_force else None,
                "applied_on": ".".join(p.applied_on.path) if p.applied_on else None,
                "content_hash": self.content_hash, "frames": [f.name for f in p.frames]}


@attrs.frozen(eq=False)
class Snapshot:
    """One consistent set of years; a request holds on to the snapshot it started with."""

    years: tuple[Year, ...]
    loaded_at: str
    generation: int
    also_known: frozenset = attrs.field(init=False)  # every input name some year declares (as `policy eval --policies`)

    @also_known.default
    def _every_years_fields(self) -> frozenset:
        """A case written for one year is read under another with those fields unused, never refused as a typo."""
        from engine.evaluate.case import field_names

        return frozenset().union(*(field_names(y.policy) for y in self.years))

    def by_year(self, year) -> Year | None:
        return next((y for y in self.years if str(y.policy.year) == str(year) or y.name == str(year)), None)

    def available(self) -> str:
        return ", ".join(str(y.policy.year) for y in self.years)

    def latest_in_force(self, today: datetime.date | None = None) -> Year:
        today = today or datetime.date.today()
        for y in self.years:
            if y.policy.in_force and y.policy.in_force[0] <= today <= y.policy.in_force[1]:
                return y
        return max(self.years, key=lambda y: (y.policy.year or 0))

    def select(self, raw, pinned=None, lang: str = "en") -> Year:
        """The year pinned (by number or folder name), or the one in force on the case's date;
        CaseError with the same words as `policy eval --policies` otherwise, in `lang`."""
        if pinned is not None:
            year = self.by_year(pinned)
            if year is None:
                raise UnknownYear(str(pinned), self.available())
            return year
        by_name = {str(i): y for i, y in enumerate(self.years)}
        try:
            name, _, _ = choose_year([(k, y.policy) for k, y in by_name.items()], raw, no_date_hint=word(lang, "year.pin_hint"),
                                     lang=lang)
        except NoYear:
            dated = [y for y in self.years if y.policy.in_force and y.policy.applied_on]
            terms = "; ".join(f"{y.policy.year}: {y.policy.in_force[0]}..{y.policy.in_force[1]}" for y in dated)
            raise UnknownYear(None, self.available(), said("year.none_in_force", terms=terms)) from None
        except PolicyError as exc:  # two years' terms overlap on the case's date
            raise UnknownYear(None, self.available(), str(exc)) from None
        return by_name[name]


class UnknownYear(Exception):
    """A year asked for that is not served, or no year for the case's date: `said`, the message in
    any language (None for two years overlapping on the date, told by the policy checker in English)."""

    def __init__(self, asked: str | None, available: str, message: Said | str | None = None):
        self.asked, self.available = asked, available
        self.said = said("year.unknown", year=asked, available=available) if message is None else message if isinstance(message, Said) else None
        super().__init__(self.said.en if self.said is not None else message)


def load_years(root: str | Path) -> tuple[Year, ...]:
    """Every policy folder under `root`, checked and compiled; PolicyError (naming the folder) if any fails."""
    years = []
    for folder in policy_folders(root):
        try:
            key = cache.key(folder)
        except OSError as exc:
            raise _error(f"{folder}: cannot read: {exc.strerror}") from None
        policy = load_policy(folder).policy
        years.append(Year(folder=folder, policy=policy, fast=fast_for(policy), content_hash=key))
    return tuple(years)


def _error(text: str) -> PolicyError:
    from engine.language.diagnostics import Diagnostic

    return PolicyError([Diagnostic("error", text)])


class Registry:
    """The snapshot in service, and reloads: `reload()` compiles everything anew and swaps only on success."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self.snapshot = Snapshot(years=load_years(self.root), loaded_at=_now(), generation=1)
        self.last_reload: dict = {"ok": True, "at": self.snapshot.loaded_at, "generation": 1, "error": None}

    def hashes(self) -> dict:
        try:
            return {str(f): cache.key(f) for f in policy_folders(self.root)}
        except (PolicyError, OSError):
            return {}

    def reload(self) -> dict:
        """Recompile every year; swap atomically when all check, else keep serving the old set."""
        with self._lock:
            try:
                years = load_years(self.root)
            except (PolicyError, OSError) as exc:  # the loader opens regular files only, without blocking: no reload wedges
                error = str(exc) if isinstance(exc, PolicyError) else f"cannot read the policies: {exc}"
                self.last_reload = {"ok": False, "at": _now(), "generation": self.snapshot.generation, "error": error}
                return self.last_reload
            changed = [y.name for y in years if (old := self.snapshot.by_year(y.name)) is None or old.content_hash != y.content_hash]
            removed = [y.name for y in self.snapshot.years if y.name not in {n.name for n in years}]  # its folder is gone
            self.snapshot = Snapshot(years=years, loaded_at=_now(), generation=self.snapshot.generation + 1)
            self.last_reload = {"ok": True, "at": self.snapshot.loaded_at, "generation": self.snapshot.generation,
                                "changed": changed, "removed": removed, "error": None}
            return self.last_reload


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
