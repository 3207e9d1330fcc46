"""Outputs written whole or not at all: a temporary file beside the output, renamed over it on
success and removed on failure or interruption. Shared by `policy population` (decisions, the
--compare report) and the commands that write one file (`explain -o`, `doc -o`); needs no extra."""

from __future__ import annotations

import contextlib
import glob
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_output(out: Path):
    """A temporary path beside `out` (same folder, so the rename is atomic): renamed to `out` when
    the block succeeds, removed when it fails or is interrupted (Ctrl-C; SIGTERM where the caller
    turns it into an exception). A reader never sees a half-written `out`, and an existing `out`
    stays whole until the new one replaces it. A run killed outright (SIGKILL) can leave only its
    hidden temporary, which the next run writing the same `out` removes."""
    for stale in out.parent.glob(f".{glob.escape(out.name)}.*.partial"):
        pid = stale.name[len(out.name) + 2: -len(".partial")]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                stale.unlink()
    temp = out.parent / f".{out.name}.{os.getpid()}.partial"
    try:
        yield temp
        os.replace(temp, out)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
