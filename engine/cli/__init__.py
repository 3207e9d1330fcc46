"""The `policy` command: a thin click layer over the pipeline, one module per group of commands
(decide: eval and explain; batch; authoring: check, fmt, schema, graph, doc, lsp; casetest: test
and diff; serve; population: synth, template, sql, population; words: what the command line
itself says, in the `cli` gettext catalogue; help: `--help` in the reader's language, through the same
catalogue, and usage_errors: click's usage errors in it). Exit codes are one table (engine/cli/common.py)."""

from engine.cli.common import (EXIT_BAD_CASE, EXIT_BAD_POLICY, EXIT_CHANGED, EXIT_INTERNAL, EXIT_NOT_ELIGIBLE, EXIT_OK,
                               EXIT_TEST_FAILED, EXIT_USAGE, cli, main)
from engine.cli import authoring, batch, casetest, decide, population, serve  # noqa: F401 - each registers its commands on `cli`

__all__ = ["cli", "main", "EXIT_OK", "EXIT_NOT_ELIGIBLE", "EXIT_CHANGED", "EXIT_TEST_FAILED", "EXIT_USAGE", "EXIT_BAD_CASE",
           "EXIT_BAD_POLICY", "EXIT_INTERNAL"]
