"""Search results kept per index version, for both search backends.

The same request on the same index version gives the same result, so a worker keeps the last `size` results
(least recently used out) and answers repeats (paging back, facet clicks, theme pages) without searching. The
version is part of the key: a new build or update makes every older entry unreachable, and they age out.
A result is kept pickled: unpickling gives each caller its own copy at a fraction of copy.deepcopy's cost (a
result holds hundreds of facet values; deepcopy was a third of a cached page's time).
"""
from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Callable


class ResultCache:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(version, req, *options) -> tuple:
        return (version, req.q, tuple(sorted((k, tuple(v)) for k, v in req.filters.items())), req.sort, req.page,
                req.page_size) + options

    def get(self, key: tuple, compute: Callable):
        """The cached result for key, or compute() (kept when the cache has room). Callers get their own copy."""
        if not self.size:
            return compute()
        with self._lock:
            cached = self._items.get(key)
            if cached is not None:
                self._items.move_to_end(key)
                return pickle.loads(cached)
        result = compute()
        kept = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._items[key] = kept
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return result
