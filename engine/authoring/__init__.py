"""Tools for policy authors: the expected-decision test runner and its coverage, the year-to-year diff, the case JSON Schema, the tree as a graph, the boundary corpus, the language server (`policy lsp`) and the reviewer's document (`policy doc`).
Takes policies and cases; gives reports an author reviews."""
