"""A worker's life beside its requests: SIGHUP (also one that came before the event loop was up)
and `--watch` reload the policies in a thread, and the metrics are saved for the other workers."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from contextlib import asynccontextmanager

import anyio

EARLY_HUP = threading.Event()  # a SIGHUP that reached a worker before its event loop could take it


async def reload(app, why: str) -> None:
    settings = app.state.settings
    report = await anyio.to_thread.run_sync(settings.registry.reload)
    settings.metrics.inc("policy_reloads_total", {"result": "ok" if report["ok"] else "failed"})
    if report["ok"]:
        removed = f"; no longer served: {', '.join(report['removed'])}" if report["removed"] else ""
        print(f"policy serve: reloaded ({why}): generation {report['generation']}, changed: {', '.join(report['changed']) or 'none'}"
              f"{removed}", file=sys.stderr, flush=True)
    else:
        print(f"policy serve: reload ({why}) failed; still serving generation {report['generation']}:\n{report['error']}",
              file=sys.stderr, flush=True)


async def _watch(app, every: float) -> None:
    registry = app.state.settings.registry
    seen = await anyio.to_thread.run_sync(registry.hashes)
    while True:
        await asyncio.sleep(every)
        now = await anyio.to_thread.run_sync(registry.hashes)
        if now != seen:
            seen = now
            await reload(app, "files changed")


async def _save_metrics(metrics) -> None:
    """This worker's counters for the other workers' /metrics, also when no request comes."""
    while True:
        await asyncio.sleep(0.5)
        metrics.save(force=True)


@asynccontextmanager
async def lifespan(app):
    loop = asyncio.get_running_loop()
    tasks = set()

    def on_hup():
        task = loop.create_task(reload(app, "SIGHUP"))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hup)
    if EARLY_HUP.is_set():
        EARLY_HUP.clear()
        on_hup()
    settings = app.state.settings
    watcher = loop.create_task(_watch(app, settings.watch)) if settings.watch else None
    saver = loop.create_task(_save_metrics(settings.metrics))
    try:
        yield
    finally:
        saver.cancel()
        if watcher:
            watcher.cancel()
        loop.remove_signal_handler(signal.SIGHUP)
        settings.metrics.save(force=True)
