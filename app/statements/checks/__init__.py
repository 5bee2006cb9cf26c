"""The statement linter's parts: text splitting, lemmas, rule data, and one module per kind of check."""
