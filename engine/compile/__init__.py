"""The compiler: checked AST -> evaluation tree, and the cache of compiled trees keyed by the policy's content.
`pipeline.load_policy(folder)` is the entry point: it gives a compiled policy or raises PolicyError with every diagnostic."""
