"""Dutch language analysis: tokenizer, folding, stop words, the Snowball stemmer, compound splitting, synonyms,
and the one hash over every language resource. Imports nothing else of ours; the data files are in corpus/lang/."""
