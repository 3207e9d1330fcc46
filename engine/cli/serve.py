"""`policy serve`: decisions over HTTP and the self-check page."""

from __future__ import annotations

import os

import click

from engine.language.diagnostics import PolicyError
from engine.cli.common import EXIT_USAGE, EXIT_BAD_POLICY, _fail, cli


@cli.command("serve")
@click.option("--policies", "policies_root", type=click.Path(), default=None, help="A folder of policy years. Default: the bundled policies.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port (printed).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes. Default: one per CPU.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None, help="Append every decision to this JSON Lines file.")
@click.option("--log-fsync", is_flag=True, help="Flush each log record to disk before answering (survives a power cut).")
@click.option("--log-mask", multiple=True, help="Also mask this field in the log (e.g. 申請者.従業員数; repeatable).")
@click.option("--max-body", type=click.IntRange(1024), default=256 * 1024, show_default=True, help="Largest request body, bytes (batch: 16×).")
@click.option("--max-batch", type=click.IntRange(1), default=1000, show_default=True, help="Most cases in one /v1/batch request.")
@click.option("--watch", type=click.FloatRange(0.1), default=None, help="Check the policy files every N seconds; reload when they change.")
@click.option("--request-timeout", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds a request may take, body included: past it 408 (body still arriving) or 504. 0: no limit.")
@click.option("--max-header", type=click.IntRange(1024), default=64 * 1024, show_default=True,
              help="Largest request line and headers, bytes: past it 431 and the connection closes.")
@click.option("--header-timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds from a request's first byte (or the connection) to its last header: past it 408.")
@click.option("--max-trace", type=click.IntRange(0), default=16 * 1024 * 1024, show_default=True,
              help="Largest traced decision (trace=true), bytes of JSON: past it 413. 0: no limit.")
def serve_command(policies_root, host, port, workers, log_path, log_fsync, log_mask, max_body, max_batch, watch, request_timeout,
                  max_header, header_timeout, max_trace) -> None:
    """Serve decisions over HTTP (POST /v1/decide …) and the self-check page at /. SIGHUP reloads the policies."""
    try:
        from engine.serve.server import LogPathError, serve
    except ImportError as exc:
        _fail(f"policy serve needs the serve extra: pip install 'subsidy-policy[serve]' ({exc})", EXIT_USAGE)
    from engine.language.resources import policies_root as bundled
    options = {"log": log_path, "log_fsync": log_fsync, "log_mask": tuple(log_mask), "max_body": max_body,
               "max_batch": max_batch, "watch": watch, "request_timeout": request_timeout,
               "max_header": max_header, "header_timeout": header_timeout, "max_trace": max_trace}
    try:
        serve(policies_root or str(bundled()), host, port, workers or os.cpu_count() or 1, options,
              announce=lambda text: click.echo(text, err=True))
    except PolicyError as exc:
        _fail(str(exc), EXIT_BAD_POLICY)
    except LogPathError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE)
