"""`python -m engine.cli`: the `policy` command."""

from engine.cli import main

main()
