"""The policy language: grammar loading, the parser (Lark tree -> immutable AST nodes carrying their source span), literals, the loader with includes and `extends`, the checker (names, types, table completeness) and the formatter.
Takes `.rules` text; gives a checked AST, or positioned diagnostics (file:line:column with a caret)."""
