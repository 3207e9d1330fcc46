"""benchmarks/RESULTS.md: each benchmark script owns one section of it and replaces only that.

    with results.record("run.py", "python benchmarks/run.py", "Per case, start-up and batch"):
        ...  # everything printed to standard output inside goes into the section too

A section lies between `<!-- begin NAME -->` and `<!-- end NAME -->`. It says when it was measured,
how long the run took, how much of the CPU other processes took meanwhile (the machine may be
shared), the commit and the versions; then what the script printed: table lines as they are, every
other line as a list item. The file's first line names the machine and the date of the latest
write. Nothing is written when the script fails or is interrupted."""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import io
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
ORDER = ("run.py", "population.py", "load.py", "load.py --cost", "compile.py")  # sections appear in this order
PACKAGES = ("lark", "attrs", "click", "duckdb", "sqlglot", "pyarrow", "pyspark", "starlette", "uvicorn", "httptools",
            "uvloop", "orjson", "zen-engine", "rule-engine")
PREAMBLE = """\
Written by the benchmark scripts (`benchmarks/run.py`, `benchmarks/population.py`,
`benchmarks/load.py`); each replaces only its own section, so sections may come from different
days. Do not edit by hand: run the script again. Each figure comes from one run of its script.
{shared}
[docs/performance.md](../docs/performance.md) explains what each figure means."""
SHARED = ("The figures come from one run each on a shared machine: other processes took up to {most} % of its CPU\n"
          "time during a run (each section says how much), so they are slower than the machine can do when idle.")
QUIET = "Other processes took at most {most} % of the machine's CPU time during any run (each section says how much)."


def machine() -> str:
    """Cores, memory, CPU model (from /proc/cpuinfo) and OS, on one line."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kib / 2**20:.1f} GiB memory"
    system = platform.system()
    with contextlib.suppress(OSError):
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        system = release.get("PRETTY_NAME", system).strip('"')
    return f"{os.cpu_count()} cores ({model}){memory}, {system}, Linux {platform.release()}" if platform.system() == "Linux" \
        else f"{os.cpu_count()} cores ({model}){memory}, {system} {platform.release()}"


def versions() -> str:
    from engine import __version__

    found = [f"Python {platform.python_version()}", f"subsidy-policy {__version__}"]
    for name in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    for tool, flag, pattern in (("java", "-version", r'version "([^"]+)"'), ("wrk", "-v", r"wrk (\S+)")):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run([tool, flag], capture_output=True, text=True, timeout=20)
            match = re.search(pattern, done.stderr + done.stdout)
            if match:
                found.append(f"{tool} {match.group(1)}")
    return ", ".join(found)


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "engine", "policies", "grammar", "benchmarks"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" with uncommitted changes to the engine, policies or benchmarks" if dirty else "")


def _busy_ticks() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), sum(fields) - fields[3] - fields[4]  # all, all but idle and iowait


def _own_ticks() -> int:
    """CPU ticks of this process, its waited-for children, and its living descendants."""
    hz = os.sysconf("SC_CLK_TCK")
    own = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    parents: dict[int, tuple[int, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    mine = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in parents.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    living = sum(ticks for pid, (_, ticks) in parents.items() if pid in mine and pid != os.getpid())
    return round(own * hz) + living


class _Tee(io.TextIOBase):
    def __init__(self, out):
        self.out, self.kept = out, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def render(printed: str) -> str:
    """What a script printed, as Markdown: table lines kept together, other lines as list items
    (an indented line as an item of the one before)."""
    out: list[str] = []
    in_table = False
    for line in printed.rstrip().splitlines():
        if not line.strip():
            continue
        if line.startswith("|"):
            if not in_table and out:
                out.append("")
            out.append(line)
            in_table = True
            continue
        if in_table:
            out.append("")
            in_table = False
        text = re.sub(r" {3,}", ": ", line.strip())  # a column aligned with spaces
        out.append(("  - " if line[:1].isspace() else "- ") + text)
    return "\n".join(out)


def write_section(name: str, body: str) -> None:
    """Replaces the section `name` of RESULTS.md (or adds it in its place) and the header line."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    sections = dict(re.findall(r"<!-- begin (.+?) -->\n(.*?)<!-- end \1 -->\n", text, re.S))
    sections[name] = body.rstrip() + "\n"
    names = [n for n in ORDER if n in sections] + sorted(n for n in sections if n not in ORDER)
    header = f"# Benchmark results — last written {datetime.date.today().isoformat()} on {machine()}"
    loads = [int(x) for n in names for x in re.findall(r"Other processes took (\d+) %", sections[n])]
    most = max(loads, default=0)
    parts = [header, "", PREAMBLE.format(shared=(SHARED if most >= 10 else QUIET).format(most=most)), ""]
    for n in names:
        parts += [f"<!-- begin {n} -->", sections[n] + f"<!-- end {n} -->", ""]
    RESULTS.write_text("\n".join(parts).rstrip() + "\n", encoding="utf-8")


@contextlib.contextmanager
def record(name: str, title: str, write: bool = True):
    """Tees standard output; on success, writes it as the section `name` of RESULTS.md."""
    command = " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    started, wall = datetime.datetime.now(), time.perf_counter()
    cpu0, own0 = _busy_ticks(), _own_ticks()
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield
    if not write:
        return
    seconds = time.perf_counter() - wall
    total, busy = _busy_ticks()
    others = max(0.0, 100.0 * ((busy - cpu0[1]) - (_own_ticks() - own0)) / max(1, total - cpu0[0]))
    body = "\n".join([
        f"## {title}",
        "",
        f"`{command}` — measured {started:%Y-%m-%d %H:%M}, in {seconds:,.0f} s, on {machine()}. "
        f"Other processes took {others:.0f} % of the machine's CPU time during the run.",
        "",
        f"Versions: {versions()}; {commit()}.",
        "",
        render(tee.kept.getvalue()),
    ])
    write_section(name, body)
    print(f"(written to {RESULTS.relative_to(ROOT)}, section {name!r})", file=sys.stderr)
