"""The evaluation tree: plain, immutable data (attrs nodes, no callables) that every evaluator, the counterfactual search and the SQL compiler read.
Knows nothing of the language that produced it (a contract in pyproject.toml holds that)."""
