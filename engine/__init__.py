"""Rules-as-code engine for public subsidy programmes.

One package per stage, data flowing one way (docs/architecture.md; the layers are import-linter
contracts in pyproject.toml):
language (grammar/policy.lark -> parser -> AST -> checker) -> compile (-> tree, the evaluation tree)
-> evaluate (Decision + trace) -> explain | sql -> population | authoring -> serve -> cli.
"""

__version__ = "0.1.0"
