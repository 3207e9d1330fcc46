"""Rules-as-code engine for public subsidy programmes.

Pipeline (one module per stage, data flowing one way):
grammar/policy.lark -> parser (AST) -> checker -> compiler (evaluation tree)
-> evaluator (Decision + trace) -> renderers (JSON, text) -> cli.
"""

__version__ = "0.1.0"
