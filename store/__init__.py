"""The crawl store: what the crawler wrote (pages, bodies and their extracts, versions, the fetch log, runs, the
shared frontier) in SQLite or PostgreSQL, and the read models the indexer and the app read from it. Imports
nothing else of ours: the crawler writes here, the indexer and the app read here."""
