"""The SQL form of the evaluation tree, for population runs: one query over a `cases` table (layout in case_table), written with sqlglot for DuckDB, Spark and the exact dialects, and the value checks a table gets before it is decided.
Takes a compiled tree; gives SQL text tested equal to the tree evaluator."""
