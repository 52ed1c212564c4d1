"""Searching the PostgreSQL index (indexer.pg_index): the same requests and results as SearchEngine.

The query is read by the same QueryBuilder as for Whoosh (syntax, compound parts, synonyms, filters) and its
tree is translated to a tsquery, so both backends match the same documents. Ranking is BM25F computed in SQL,
shaped like the Whoosh query: per field (title A, short title B, body D) a term frequency recovered from
ts_rank, a per-field IDF from document frequencies kept at index time, the same field weights and length
normalisation; word-pair and in-order proximity bonuses as tsquery conditions. (ts_rank and ts_rank_cd as the
score itself were measured first: dev nDCG@10 0.65-0.69 against 0.74 for this; see the #7 notes.) Facet
counts are one GROUP BY over the matches. Snippets and "why this result" are computed on the page's hits only.
"""
from __future__ import annotations

import json
import math
import threading
from contextlib import nullcontext

from whoosh.query import And, AndMaybe, AndNot, Every, Not, NullQuery, Or, Phrase, Prefix, Require, Term
from whoosh.query.spans import SpanNear2

from indexer.location import IndexMissing, IndexURL
from indexer.pg_schema import TEXT_WEIGHTS, quote_lexeme
from indexer.schema import SCHEMA_VERSION

from .engine import FACET_FIELDS, BaseEngine, Hit, SearchRequest, facet_order, make_hit
from .query import DEFAULT_WEIGHTS, Weights

EVERY = "*"                  # a translation that matches every document (no text condition)
FIELD_WEIGHT = dict(TEXT_WEIGHTS)
WEIGHT_FIELD = {v: k for k, v in FIELD_WEIGHT.items()}
STORED = ("id", "url", "title", "themes", "organisation", "doctype", "year", "date", "identifier", "site",
          "changed_at", "fetched_at")


def to_tsquery(node) -> str | None:
    """The tsquery text of a QueryBuilder tree; EVERY for "no condition", None for "nothing matches"."""
    if node is None or node is NullQuery:
        return None
    if isinstance(node, Every):
        return EVERY
    if isinstance(node, Term):
        text = node.text.decode() if isinstance(node.text, bytes) else node.text
        if node.fieldname in FIELD_WEIGHT:
            return f"{quote_lexeme(text)}:{FIELD_WEIGHT[node.fieldname]}"
        if node.fieldname == "themes":
            return quote_lexeme("thema:" + text)
        if node.fieldname == "org_words":
            return quote_lexeme("org:" + text)
        if node.fieldname == "refs":
            return quote_lexeme("ref:" + text)
        return None
    if isinstance(node, Phrase):
        weight = FIELD_WEIGHT.get(node.fieldname)
        if weight is None or not node.words:
            return None
        joint = " <-> " if node.slop <= 1 else " & "
        return "(" + joint.join(f"{quote_lexeme(w)}:{weight}" for w in node.words) + ")"
    if isinstance(node, Require):   # what matches is the required part (it implies the scored one)
        return to_tsquery(node.b)
    if isinstance(node, SpanNear2):
        # a compound's parts within `slop` positions, either order: tsquery has exact distances only (<N>), so
        # two parts become the alternatives of every distance; more parts (rare): all present in the field
        if len(node.qs) != 2:
            return to_tsquery(And(node.qs))
        a, b = (to_tsquery(q) for q in node.qs)
        if a is None or b is None:
            return None
        near = [f"{x} <{d}> {y}" for d in range(node.slop + 1) for x, y in ((a, b), (b, a))]
        return "(" + " | ".join(near) + ")"
    if isinstance(node, Prefix):
        weight = FIELD_WEIGHT.get(node.fieldname)
        return f"{quote_lexeme(node.text)}:*{weight}" if weight else None
    if isinstance(node, Or):
        terms = [s for s in node.subqueries if isinstance(s, Term) and s.fieldname in FIELD_WEIGHT]
        if terms and len(terms) == len(node.subqueries) and len({t.text for t in terms}) == 1:
            return f"{quote_lexeme(terms[0].text)}:" + "".join(sorted({FIELD_WEIGHT[t.fieldname] for t in terms}))
        parts = [to_tsquery(s) for s in node.subqueries]
        if EVERY in parts:
            return EVERY
        parts = [p for p in parts if p is not None]
        return "(" + " | ".join(parts) + ")" if parts else None
    if isinstance(node, And):
        parts = [to_tsquery(s) for s in node.subqueries]
        if None in parts:
            return None
        parts = [p for p in parts if p != EVERY]
        return "(" + " & ".join(parts) + ")" if parts else EVERY
    if isinstance(node, AndNot):
        positive, negative = to_tsquery(node.a), to_tsquery(node.b)
        if positive is None or negative in (None, EVERY):
            return positive if negative is None else None
        return f"({'' if positive == EVERY else positive + ' & '}!{negative})"
    if isinstance(node, AndMaybe):
        return to_tsquery(node.a)
    if isinstance(node, Not):
        inner = to_tsquery(node.query)
        return EVERY if inner is None else None if inner == EVERY else f"!{inner}"
    return None


def _main_stem(node) -> str:
    """The stem of a typed word's own term (the first Term of its expansion)."""
    if isinstance(node, Term):
        return node.text
    for sub in getattr(node, "subqueries", ()):
        found = _main_stem(sub)
        if found:
            return found
    return ""


def _idf(n: int, df: int) -> float:
    """Whoosh's IDF (log(N / (df + 1)) + 1), so both backends weigh rare and common words alike."""
    return math.log(n / (df + 1)) + 1


# The text fields, in the order their positions are laid out in the tsvector, with ts_rank's weight array
# ({D, C, B, A}) selecting each alone.
RANK_FIELDS = (("title", "{0,0,0,1}"), ("short_title", "{0,0,1,0}"), ("body", "{1,0,0,0}"))


def tf_sql(rank: str, before: str) -> str:
    """A stem's term frequency in one field, as SQL, from `rank` = ts_rank(that field's weights, vector, stem, 0)
    and `before` = its frequency in the fields laid out before this one.

    PostgreSQL has no function for a lexeme's frequency in a tsvector, but ts_rank of one lexeme with
    normalisation 0 is a known function of it (calc_rank_or): with m occurrences of weight 0 first and then n of
    weight 1, rank = (1 + H(m + n) - H(m + 1)) / (π²/6), where H(k) = Σ 1/j² for j ≤ k. Solving with
    H(k) ≈ π²/6 - 1/(k + 0.5) (exact enough from k = 5; exact values below) gives n back."""
    h = (f"(CASE WHEN {before} < 0.5 THEN 1.0 WHEN {before} < 1.5 THEN 1.25 WHEN {before} < 2.5 THEN 1.3611111 "
         f"WHEN {before} < 3.5 THEN 1.4236111 ELSE 1.6449341 - 1.0 / ({before} + 1.5) END)")
    return (f"(CASE WHEN {rank} > 0 THEN GREATEST(1.0, 1.0 / GREATEST(1e-4, 2.6449341 - {h} - 1.6449341 * {rank})"
            f" - {before} - 0.5) ELSE 0 END)")


def bm25_sql(tf: str, k1: float, b: float, avg_length: float) -> str:
    """BM25's saturation of a term frequency, length-normalised against the average body when b > 0 (as
    Whoosh's BM25F does for the body; titles are not normalised)."""
    norm = f"(1 - {b!r} + {b!r} * doc_length / {avg_length!r})" if b else "1"
    return f"(CASE WHEN {tf} > 0 THEN {tf} * {k1 + 1!r} / ({tf} + {k1!r} * {norm}) ELSE 0 END)"


def scoring_units(node, boost: float = 1.0) -> list[tuple[float, tuple[str, ...], str | None]]:
    """The separately scored parts of one word's expansion: (weight, stems, condition tsquery or None). A term
    over several fields is one part; compound parts (And) and a synonym phrase are one part each, scored only
    where their condition holds."""
    def leaves(n):
        if isinstance(n, Term):
            return [n]
        if isinstance(n, Phrase):
            return [Term(n.fieldname, w, boost=n.boost) for w in n.words]
        if isinstance(n, SpanNear2):
            return list(n.qs)
        return [t for s in getattr(n, "subqueries", ()) for t in leaves(s)]

    if isinstance(node, Term):
        return [(boost * node.boost, (node.text,), None)] if node.fieldname in FIELD_WEIGHT else []
    if isinstance(node, Or):
        subs = node.subqueries
        if all(isinstance(s, Term) for s in subs) and len({s.text for s in subs}) == 1 or \
                all(isinstance(s, Phrase) for s in subs) and len({tuple(s.words) for s in subs}) == 1:
            found = leaves(node)
            stems = tuple(dict.fromkeys(t.text for t in found))
            condition = None if isinstance(subs[0], Term) else to_tsquery(node)
            return [(boost * max(t.boost for t in found), stems, condition)]
        return [u for s in subs for u in scoring_units(s, boost * node.boost)]
    if isinstance(node, (And, Phrase, SpanNear2)):
        found = leaves(node)
        return [(boost * max(t.boost for t in found), tuple(dict.fromkeys(t.text for t in found)), to_tsquery(node))]
    return []


class _Matches:
    """The SQL condition of one query and how many documents meet it, with their facet counts
    (search.engine.Matches); `where` None: nothing can match."""

    def __init__(self, engine: "PostgresSearchEngine", where: str | None, args: list, total: int, facets: dict):
        self.engine, self.where, self.args, self.total, self.facets = engine, where, args, total, facets

    def ids(self) -> list[str]:
        if not self.total:
            return []
        return [r[0] for r in self.engine._query(f"SELECT id FROM search_documents WHERE {self.where}", self.args)]


class PostgresSearchEngine(BaseEngine):
    """Read side of the PostgreSQL search backend; one connection per thread (gunicorn: per worker)."""

    def __init__(self, url: str, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = 0):
        super().__init__(weights, cache_size)
        self.url = url
        self.shown = str(IndexURL("postgresql", url))   # without a password, for messages
        # {D, C, B, A} for ts_rank where a plain rank is enough ("lijkt op")
        plain = [weights.body * 0.4, 0.0, weights.short_title, weights.title]
        self.rank_weights = [w / max(plain) for w in plain]   # ts_rank takes weights in [0, 1]: the ratios count
        self._local = threading.local()

    def __str__(self):
        return self.shown

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            import psycopg
            try:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as e:
                raise IndexMissing(f"the search index {self.shown} cannot be reached: {str(e).strip()}") from None
            self._local.conn = conn
        return conn

    def _query(self, sql: str, args=()):
        import psycopg
        try:
            return self._conn().execute(sql, args).fetchall()
        except psycopg.errors.UndefinedTable:
            raise IndexMissing(f"no index in {self.shown}; build one with: python run.py index") from None
        except psycopg.OperationalError as e:
            self.close()
            raise IndexMissing(f"the search index {self.shown} cannot be reached: {str(e).strip()}") from None

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _meta(self) -> dict:
        meta = {k: json.loads(v) for k, v in self._query("SELECT key, value FROM search_meta")}
        if not meta:
            raise IndexMissing(f"no index in {self.shown}; build one with: python run.py index")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexMissing(f"the index was built by an older version (schema {meta.get('schema_version')}, this "
                               f"code needs {SCHEMA_VERSION}); rebuild it with: python run.py index --rebuild")
        return meta

    def status(self) -> dict:
        try:
            build = self._meta()["build"]
            return {"ok": True, "documents": build["documents"], "built_at": build.get("built_at", "")}
        except IndexMissing as e:
            return {"ok": False, "message": str(e)}

    # -- query
    def _where(self, built, filters: dict[str, list[str]]) -> tuple[str | None, list]:
        """SQL condition and arguments for the query and filters; None when nothing can match."""
        match = to_tsquery(built.query)
        if match is None:
            return None, []
        conds, args = [], []
        if match != EVERY:
            conds.append("vector @@ %s::tsquery")
            args.append(match)
        for fieldname, values in filters.items():
            values = [v for v in values if v]
            if not values:
                continue
            if fieldname in ("themes", "refs"):
                conds.append(f"{fieldname} && %s::text[]")
            else:
                conds.append(f"{fieldname} = ANY(%s)")
            args.append(values)
        return " AND ".join(conds) or "TRUE", args

    def _score(self, built, meta: dict) -> tuple[str, list, str, list]:
        """BM25F in PostgreSQL's terms, shaped like the Whoosh query. Per typed word, each part of its expansion
        (the word, its compound parts together, each synonym) scores Σ over its stems and the fields title, short
        title and body of weight × per-field IDF × BM25 term frequency (bm25_sql), times the part's own weight,
        where its condition holds. Documents matching several words get the word-pair bonus; synonyms of
        several typed words together score as parts of their own; the words in order within `slop` positions
        get the proximity bonus.

        Returns the score expression and its arguments, and a LATERAL subquery (with its arguments) that computes
        every ts_rank the expression needs once per row: PostgreSQL would otherwise evaluate each as often as
        the expression mentions it."""
        words = [(to_tsquery(q), scoring_units(q)) for q in built.word_queries]
        words = [(q, units) for q, units in words if q not in (None, EVERY) and units]
        if not words:
            return "0", [], "", []
        n = meta["build"]["documents"] or 1
        avg_length = float(meta.get("avg_length", 1)) or 1.0
        alternatives = [u for alt in built.alternatives for u in scoring_units(alt)]
        stems = sorted({s for _, units in words for _, unit_stems, _ in units for s in unit_stems}
                       | {s for _, unit_stems, _ in alternatives for s in unit_stems})
        df = {r[0]: r[1:] for r in self._query("SELECT lexeme, df, df_title, df_short_title, df_body FROM "
                                               "search_lexemes WHERE lexeme = ANY(%s)", (stems,))}
        field_idf = {s: [_idf(n, d) for d in df.get(s, (0, 0, 0, 0))[1:]] for s in stems}
        w = self.weights
        field_weight = {"title": (w.title, 0.0), "short_title": (w.short_title, 0.0), "body": (w.body, w.b)}
        ranked: dict[str, int] = {}   # stem -> its number n in the LATERAL columns r.s<n>f<k> and t<k>.s<n>f<k>

        def unit_sql(boost: float, unit_stems, condition) -> tuple[str, list]:
            parts, args = [], []
            for stem in unit_stems:
                i = ranked.setdefault(stem, len(ranked))
                for k, ((name, _), f_idf) in enumerate(zip(RANK_FIELDS, field_idf[stem])):
                    weight, b = field_weight[name]
                    parts.append(f"%s * {bm25_sql(f't{k}.s{i}f{k}', w.k1, b, avg_length)}")
                    args.append(boost * weight * f_idf)
            sql = " + ".join(parts)
            if condition:
                return f"CASE WHEN vector @@ %s::tsquery THEN {sql} ELSE 0 END", [condition] + args
            return sql, args

        word_sql, args = [], []
        for _, units in words:
            pieces = [unit_sql(*u) for u in units]
            word_sql.append("(" + " + ".join(p for p, _ in pieces) + ")")
            args += [a for _, piece_args in pieces for a in piece_args]
        score = " + ".join(word_sql)
        if w.pairs and 2 <= len(words) <= 5:
            matched = " + ".join("(vector @@ %s::tsquery)::int" for _ in words)
            score = f"({score}) * (1 + %s * GREATEST(0, {matched} - 1))"
            args += [w.pairs] + [q for q, _ in words]
        for unit in alternatives:
            sql, unit_args = unit_sql(*unit)
            score += f" + {sql}"
            args += unit_args
        if w.proximity and len(words) >= 2:
            stems = [_main_stem(q) for q in built.word_queries if _main_stem(q)]
            near = " & ".join("(" + " | ".join(f"{quote_lexeme(a)} <{d}> {quote_lexeme(b)}" for d in range(1, w.slop + 1)) + ")"
                              for a, b in zip(stems, stems[1:]))
            norm = f"(1 - {w.b!r} + {w.b!r} * doc_length / {avg_length!r})"
            score += f" + CASE WHEN vector @@ %s::tsquery THEN %s / (1 + {w.k1!r} * {norm}) ELSE 0 END"
            args += [near, w.proximity * (w.k1 + 1) * sum(field_idf[s][2] for s in stems if s in field_idf)]
        # One LATERAL level per field, so each field's frequency is computed once from the one before it.
        ranks, levels, lateral_args = [], [[] for _ in RANK_FIELDS], []
        for stem, i in ranked.items():
            for k, (_, weights) in enumerate(RANK_FIELDS):
                ranks.append(f"ts_rank('{weights}', vector, %s::tsquery, 0) AS s{i}f{k}")
                lateral_args.append(quote_lexeme(stem))
                before = " + ".join(f"t{j}.s{i}f{j}" for j in range(k)) or "0"
                levels[k].append(f"{tf_sql(f'r.s{i}f{k}', f'({before})')} AS s{i}f{k}")
        lateral = f", LATERAL (SELECT {', '.join(ranks)} OFFSET 0) r" + "".join(
            f", LATERAL (SELECT {', '.join(level)} OFFSET 0) t{k}" for k, level in enumerate(levels))
        return score, args, lateral, lateral_args

    # -- the steps of the search flow (search.engine.BaseEngine)
    def _version(self):
        """The index generation (every build or update adds one) as the cache key; the index's meta to read with."""
        meta = self._meta()
        return meta.get("generation"), meta

    def _reading(self, meta):
        return nullcontext(meta)

    def _match(self, meta, built, req: SearchRequest, sort: str, order, snippets: bool, facets: bool) -> _Matches:
        where, args = self._where(built, req.filters)
        if where is None:
            return _Matches(self, None, [], 0, {f: [] for f in FACET_FIELDS} if facets else {})
        total, facet_counts = self._count(where, args, facets)
        return _Matches(self, where, args, total, facet_counts)

    def _page(self, meta, matches: _Matches, built, req: SearchRequest, sort: str, order, start: int,
              snippets: bool, tiers) -> list[Hit]:
        if matches.where is None:
            return []
        scored = sort == "relevantie" and order is None and bool(req.q.strip())
        return self._hits(built, meta, matches.where, matches.args, sort, order, req.page_size, start, snippets,
                          scored, tiers)

    @staticmethod
    def _facet_counts(matches: _Matches) -> dict:
        return matches.facets

    def _count(self, where: str, args: list, facets: bool) -> tuple[int, dict]:
        if not facets:
            return self._query(f"SELECT COUNT(*) FROM search_documents WHERE {where}", args)[0][0], {}
        rows = self._query(
            f"WITH m AS MATERIALIZED (SELECT themes, organisation, doctype, year, refs FROM search_documents "
            f"WHERE {where}) "
            "SELECT 'total', '', COUNT(*) FROM m "
            "UNION ALL SELECT 'organisation', organisation, COUNT(*) FROM m GROUP BY organisation "
            "UNION ALL SELECT 'doctype', doctype, COUNT(*) FROM m GROUP BY doctype "
            "UNION ALL SELECT 'year', year, COUNT(*) FROM m GROUP BY year "
            "UNION ALL SELECT 'themes', t, COUNT(*) FROM m, unnest(m.themes) t GROUP BY t "
            "UNION ALL SELECT 'refs', t, COUNT(*) FROM m, unnest(m.refs) t WHERE t ~ '^BWB[RV][0-9]{7}$' GROUP BY t",
            args)
        counts: dict[str, list] = {f: [] for f in FACET_FIELDS}
        total = 0
        for name, value, n in rows:
            if name == "total":
                total = n
            elif value:
                counts[name].append((value, n))
        return total, {name: facet_order(values) for name, values in counts.items()}

    def _hits(self, built, meta, where, args, sort, order, limit, offset, snippets, scored,
              tiers: tuple = ()) -> list[Hit]:
        score, score_args, lateral, lateral_args = (self._score(built, meta) if scored or order == "changed"
                                                    else ("0", [], "", []))
        if order == "changed":
            order_by, order_args = "changed_at DESC NULLS LAST, score DESC, id", []
        elif sort == "datum":
            order_by, order_args = "date DESC NULLS LAST, id", []
        else:   # the every-concept set first, then any concept (engine.every_concept_first)
            order_by = "".join("(id = ANY(%s)) DESC, " for _ in tiers) + "score DESC, id"
            order_args = [list(tier) for tier in tiers]
        ranked = self._query(f"SELECT id, {score} AS score FROM search_documents{lateral} WHERE {where} "
                             f"ORDER BY {order_by} LIMIT %s OFFSET %s",
                             score_args + lateral_args + args + order_args + [limit, offset])
        if not ranked:
            return []
        ids = [r[0] for r in ranked]
        columns = STORED + (("body", "passages") if snippets else ())
        rows = {r[0]: dict(zip(columns, r)) for r in self._query(
            f"SELECT {', '.join(columns)} FROM search_documents WHERE id = ANY(%s)", (ids,))}
        matched = self._matched_terms(ids, built) if snippets else {}
        return [self._hit(rows[i], s if scored else 0.0, matched.get(i, set()), built.origins, snippets)
                for i, s in ranked if i in rows]

    def _matched_terms(self, ids: list[str], built) -> dict[str, set[tuple[str, str]]]:
        """(field, stem) pairs each hit contains, of the query's own terms: for "why this result"."""
        terms = sorted({t for _, t in built.origins})
        if not terms:
            return {}
        out: dict[str, set] = {}
        for doc, lexeme, weights in self._query(
                "SELECT d.id, u.lexeme, u.weights FROM search_documents d, unnest(d.vector) u "
                "WHERE d.id = ANY(%s) AND u.lexeme = ANY(%s)", (ids, terms)):
            for w in weights or ["D"]:
                if w in WEIGHT_FIELD:
                    out.setdefault(doc, set()).add((WEIGHT_FIELD[w], lexeme))
        return out

    @staticmethod
    def _hit(row: dict, score: float, matched: set, origins: dict, snippets: bool) -> Hit:
        row = dict(row, themes=list(row["themes"] or []), date=row["date"].isoformat() if row["date"] else "",
                   changed_at=row["changed_at"].strftime("%Y-%m-%dT%H:%M:%SZ") if row["changed_at"] else "")
        return make_hit(row, score, matched, origins, snippets)

    def _df(self, meta, word: str) -> int:
        return dict(self._query("SELECT word, df FROM search_spelling WHERE word = %s", (word,))).get(word, 0)

    def _near(self, meta, word: str) -> list[tuple[str, int]]:
        """Near words by levenshtein (fuzzystrmatch) over the spelling vocabulary table."""
        return self._query("SELECT word, df FROM search_spelling WHERE left(word, 1) = left(%s, 1) AND word <> %s "
                           "AND abs(length(word) - length(%s)) <= 2 AND levenshtein(word, %s) <= 2 "
                           "ORDER BY df DESC, word LIMIT 5", (word, word, word, word))

    # -- one document
    def document(self, doc_id: str) -> dict | None:
        self._meta()
        cols = ("id", "url", "identifier", "title", "short_title", "body", "site", "organisation", "city", "doctype",
                "year", "date", "themes", "theme_evidence", "passages", "content_hash", "fetched_at", "changed_at")
        rows = self._query(f"SELECT {', '.join(cols)} FROM search_documents WHERE id = %s", (doc_id,))
        if not rows:
            return None
        doc = dict(zip(cols, rows[0]))
        doc["themes"] = list(doc["themes"] or [])
        doc["theme_evidence"] = json.loads(doc["theme_evidence"] or "{}")
        doc["date"] = doc["date"].isoformat() if doc["date"] else ""
        doc["changed_at"] = doc["changed_at"].strftime("%Y-%m-%d") if doc["changed_at"] else ""
        return doc

    def similar(self, doc_id: str, top: int = 5) -> list[Hit]:
        """Documents sharing this one's most distinctive body words (tf × idf), ranked by ts_rank."""
        n = self._meta()["build"]["documents"] or 1
        terms = [r[0] for r in self._query(
            "SELECT u.lexeme FROM search_documents d, unnest(d.vector) u JOIN search_lexemes l ON l.lexeme = u.lexeme "
            "WHERE d.id = %s AND 'D' = ANY(u.weights) AND l.df > 1 AND u.lexeme !~ '^(org|thema):' "
            "ORDER BY coalesce(array_length(u.positions, 1), 1) * ln(%s::float8 / l.df) DESC, u.lexeme LIMIT 12",
            (doc_id, n))]
        if not terms:
            return []
        query = " | ".join(quote_lexeme(t) for t in terms)
        rows = self._query(f"SELECT {', '.join(STORED)}, ts_rank(%s::float4[], vector, %s::tsquery, 1) AS score "
                           f"FROM search_documents WHERE vector @@ %s::tsquery AND id <> %s "
                           f"ORDER BY score DESC, id LIMIT %s", (self.rank_weights, query, query, doc_id, top))
        return [self._hit(dict(zip(STORED, r)), r[-1], set(), {}, snippets=False) for r in rows]

    def _match_all(self, meta, built, req: SearchRequest, limit: int) -> _Matches:
        return self._match(meta, built, req, "", None, False, False)

    def _all(self, meta, matches: _Matches, built, req: SearchRequest, limit: int, tiers) -> list[Hit]:
        if matches.where is None:
            return []
        sort = req.sort if req.q.strip() else "datum"
        scored = sort == "relevantie" and bool(req.q.strip())
        return self._hits(built, meta, matches.where, matches.args, sort, None, limit, 0, False, scored,
                          tiers or ())
