"""Searching an index: query parsing, one Engine protocol with one module per engine, snippets, passages, ranking
weights, spelling, the result cache, evaluation and exports. No Flask: the app, `run.py search`, `run.py eval` and
bench/ all search through here."""
