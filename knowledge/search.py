"""Search over an organization's knowledge: one function for PostgreSQL and SQLite."""

import uuid
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext

from .segment import query_terms


@dataclass(frozen=True)
class SearchHit:
    chunk_id: int
    document_id: str  # Document.public_id
    document_title: str
    text: str
    score: float
    page: int | None = None
    heading: str = ""
    url: str = ""  # source URL for crawled pages, else the document's page in the dashboard
    citation_label: str = ""  # e.g. "Handbook.pdf, p. 3"


# Maximum number of chunks that one query ranks, because ranking (bm25 on SQLite, ts_rank_cd
# on PostgreSQL) costs time per matching chunk. A term in more chunks of the index than this is
# frequent. It still counts in the AND query but does not widen the OR query.
CANDIDATE_LIMIT = 500

# The largest multiple of k that one search ranks to replace passages dropped as copies.
MAX_REFILL_FACTOR = 4

# Index-wide document frequency of one term on SQLite, counted no further than the LIMIT.
# It reads the term's FTS5 doclist and no table rows.
SQLITE_FREQUENCY_QUERY = """
    SELECT count(*) FROM (
        SELECT rowid FROM knowledge_chunk_fts WHERE knowledge_chunk_fts MATCH %s LIMIT %s
    )
"""
# On PostgreSQL a counting query reads every matching row, so the frequent terms come from the
# planner statistics instead: the most common lexemes of search_vector with their fractions
# of rows, from the last ANALYZE. The 'simple' half of search_vector contains each word unstemmed,
# so a query term is looked up as it is.
POSTGRES_FREQUENT_TERMS_QUERY = """
    SELECT common.lexeme
    FROM pg_stats,
         unnest(pg_stats.most_common_elems::text::text[], pg_stats.most_common_elem_freqs)
             AS common(lexeme, fraction),
         pg_class
    WHERE pg_stats.schemaname = current_schema() AND pg_stats.tablename = 'knowledge_chunk'
      AND pg_stats.attname = 'search_vector' AND pg_class.oid = 'knowledge_chunk'::regclass
      AND common.lexeme = ANY(%s) AND common.fraction * pg_class.reltuples > %s
"""

# The MATERIALIZED CTE takes at most CANDIDATE_LIMIT matching chunks of the knowledge bases
# and the outer query ranks only those. The knowledge bases are a column filter inside the MATCH
# expression, so FTS5 intersects the doclists and does not test other knowledge bases' matches
# one by one. The knowledge_base_id column has weight 0 in bm25, so it adds nothing to the rank.
SQLITE_QUERY = """
    WITH candidates AS MATERIALIZED (
        SELECT rowid AS id, bm25(knowledge_chunk_fts, 1.0, 0.0) AS rank
        FROM knowledge_chunk_fts
        WHERE knowledge_chunk_fts MATCH %s
        LIMIT %s
    )
    SELECT id, -rank AS score FROM candidates ORDER BY rank, id LIMIT %s
"""
# The 'english' configuration stems terms and 'simple' keeps them as they are (which covers
# segmented CJK). When both give the same tsquery, the query uses it once, because the planner
# would count the matches of a repeated tsquery twice and ts_rank_cd would do its work twice.
POSTGRES_TSQUERY = (
    "CASE WHEN to_tsquery('english', %(expression)s) = to_tsquery('simple', %(expression)s)"
    " THEN to_tsquery('simple', %(expression)s)"
    " ELSE to_tsquery('english', %(expression)s) || to_tsquery('simple', %(expression)s) END"
)
# The tsquery is written out in both places, not taken from a CTE, so that the planner folds
# it to a constant and estimates its selectivity from the column statistics. It then picks
# between the GIN index on (knowledge_base_id, search_vector), which returns only matches of
# the given knowledge bases, and a scan of the knowledge base's chunks that tests each one and
# stops at the LIMIT. The array is cast to bigint[] because btree_gin's operator class for the
# bigint column has no bigint = smallint operator, so with smallint[] the GIN index cannot
# apply the condition.
# NOTE: the planner assumes that terms occur independently and that matches are spread evenly
# over the knowledge base's chunks. Where that is wrong, it may pick the scan and test some
# ten thousand chunks (about 10-20 ms on the benchmark's index).
POSTGRES_QUERY = f"""
    WITH candidates AS MATERIALIZED (
        SELECT id, search_vector FROM knowledge_chunk
        WHERE search_vector @@ ({POSTGRES_TSQUERY})
          AND knowledge_base_id = ANY(%(base_pks)s::bigint[])
        LIMIT %(candidate_limit)s
    )
    SELECT id, ts_rank_cd(search_vector, {POSTGRES_TSQUERY}) AS score
    FROM candidates
    ORDER BY score DESC, id
    LIMIT %(k)s
"""


def _knowledge_base_pks(organization, knowledge_base_ids):
    """Return the primary keys of the organization's knowledge bases among the given ids.

    Ids may be primary keys (int) or public ids (UUID or its string). Ids of other
    organizations' knowledge bases are dropped, so a caller cannot search outside its own.
    """
    from .models import KnowledgeBase

    pks, public_ids = [], []
    for value in knowledge_base_ids:
        (pks if isinstance(value, int) else public_ids).append(str(value))
    bases = KnowledgeBase.objects.filter(organization=organization)
    found = set(bases.filter(pk__in=pks).values_list("pk", flat=True)) if pks else set()
    if public_ids:
        valid = []
        for value in public_ids:
            try:
                valid.append(uuid.UUID(value))
            except ValueError:
                continue
        found |= set(bases.filter(public_id__in=valid).values_list("pk", flat=True))
    return sorted(found)


def _frequent_terms(cursor, terms):
    """Return the terms that occur in more than CANDIDATE_LIMIT chunks of the whole index."""
    if connection.vendor == "postgresql":
        # NOTE: without statistics (before the first ANALYZE) no term counts as frequent, and a
        # term rarer than every listed common lexeme is never found frequent on a large table.
        cursor.execute(POSTGRES_FREQUENT_TERMS_QUERY, [terms, CANDIDATE_LIMIT])
        return {row[0] for row in cursor.fetchall()}
    frequent = set()
    for term in terms:
        cursor.execute(SQLITE_FREQUENCY_QUERY, [_fts5_term(term), CANDIDATE_LIMIT + 1])
        if cursor.fetchone()[0] > CANDIDATE_LIMIT:
            frequent.add(term)
    return frequent


def _fts5_term(term):
    """Return term as an FTS5 phrase that cannot match the knowledge_base_id column.

    That column contains only digits, so only a term with a digit needs the search_text column
    filter. Other terms go without it, because a column filter makes FTS5 decode every position
    list of the term: on the benchmark's index it doubled the time of bm25 over frequent terms.
    """
    if any(character.isdigit() for character in term):
        return f'search_text : "{term}"'
    return f'"{term}"'


def _fts5_expression(base_pks, terms, operator):
    """Return an FTS5 MATCH expression for the terms within the knowledge bases."""
    bases = " OR ".join(f'"{pk}"' for pk in base_pks)
    matched = f" {operator} ".join(_fts5_term(term) for term in terms)
    return f"knowledge_base_id : ({bases}) AND ({matched})"


def _run_query(cursor, base_pks, terms, k, operator, candidate_limit):
    if connection.vendor == "postgresql":
        expression = f" {'&' if operator == 'AND' else '|'} ".join(f"'{term}'" for term in terms)
        parameters = {"expression": expression, "base_pks": base_pks, "candidate_limit": candidate_limit}
        cursor.execute(POSTGRES_QUERY, {**parameters, "k": k})
    else:
        cursor.execute(SQLITE_QUERY, [_fts5_expression(base_pks, terms, operator), candidate_limit, k])
    return cursor.fetchall()


def _search_cursor():
    """Return a cursor that sends the query's values inside the SQL text.

    Chat turns search on the database worker threads, whose PostgreSQL connections bind on
    the server and prepare repeated statements (config/db_workers.py). A prepared statement
    may run a generic plan that does not know the query's terms, while the queries above rely
    on the planner estimating each term's frequency. So on PostgreSQL they always use
    Django's client-side binding cursor.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import Cursor as ClientBindingCursor

    # What connection.cursor() does, with the cursor class chosen here.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = ClientBindingCursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    return wrap(cursor)


def _ranked_chunk_ids(base_pks, terms, k):
    """Return (chunk id, score) rows: chunks with every term first, then chunks with any term.

    The OR query runs only when fewer than k chunks contain every term, and it leaves out
    frequent terms when the query has a rarer one. A chunk that contains only a frequent term
    would usually rank below one with a rarer term anyway, because a frequent term has a low
    inverse document frequency.
    """
    with _search_cursor() as cursor:
        frequent = _frequent_terms(cursor, terms)
        rare = [term for term in terms if term not in frequent]
        # A rare term bounds the AND query to CANDIDATE_LIMIT matches, so its ranking is exact.
        # NOTE: when every term is frequent, each query ranks only the first CANDIDATE_LIMIT
        # matching chunks in storage order, not the best of all matches. On SQLite, bm25 also
        # reads the whole doclist of every term once per query to count its matches, so such
        # queries take time in proportion to the terms' frequency in the whole index.
        ranked = _run_query(cursor, base_pks, terms, k, "AND", CANDIDATE_LIMIT) if len(terms) > 1 else []
        if len(ranked) < k:
            seen = {row[0] for row in ranked}
            # Each rare term matches at most CANDIDATE_LIMIT chunks on SQLite, so there this
            # limit never cuts an OR query over rare terms. PostgreSQL statistics are estimates.
            limit = CANDIDATE_LIMIT * max(len(rare), 1)
            rows = _run_query(cursor, base_pks, rare or terms, k, "OR", limit)
            # Chunks that contain every term outrank the rest whatever their scores.
            ranked += [row for row in rows if row[0] not in seen][: k - len(ranked)]
    return ranked


def citation_label(document_title, page=None, heading="", url=""):
    """Return the human-readable source of a passage: title with page, heading or URL."""
    if page:
        return gettext("%(title)s, p. %(page)s") % {"title": document_title, "page": page}
    if heading and heading != document_title:
        return f"{document_title} › {heading}"
    if url:
        return f"{document_title} ({url})"
    return document_title


def search(organization, knowledge_base_ids, query: str, k: int = 5) -> list[SearchHit]:
    """Return the top-k chunks of the given knowledge bases for query, best first.

    Chunks that contain every term come first, then chunks with any term. A term that occurs
    in more than CANDIDATE_LIMIT chunks of the index adds chunks to that second group only when
    the query has no rarer term. Ranking is BM25 on SQLite and ts_rank_cd on PostgreSQL, so
    the two databases agree on which chunks match but not on score values. Of passages whose
    text is the same apart from whitespace, only the best-ranked one is returned.
    """
    terms = query_terms(query or "")
    base_pks = _knowledge_base_pks(organization, knowledge_base_ids)
    if not terms or not base_pks or k <= 0:
        return []

    # Passages with the same text (the same file in two documents, or a page crawled under
    # two URLs) are returned once, so an answer does not quote them twice. When copies were
    # dropped, the query runs again for more chunks to fill k.
    limit = k
    while True:
        ranked = _ranked_chunk_ids(base_pks, terms, limit)
        hits = _hits_without_copies(ranked)
        if len(hits) >= k or len(ranked) < limit or limit >= k * MAX_REFILL_FACTOR:
            return hits[:k]
        limit *= 2


def _passage_key(text):
    return " ".join(text.split())


def _hits_without_copies(ranked):
    """Return a SearchHit for each ranked (chunk id, score) row whose text no better row has."""
    from .models import Chunk

    chunks = Chunk.objects.select_related("document").in_bulk([row[0] for row in ranked])
    hits, seen_texts = [], set()
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is None:  # deleted between the two queries
            continue
        key = _passage_key(chunk.text)
        if key in seen_texts:
            continue
        seen_texts.add(key)
        document = chunk.document
        hits.append(
            SearchHit(
                chunk_id=chunk.pk,
                document_id=str(document.public_id),
                document_title=document.title,
                text=chunk.text,
                score=float(score),
                page=chunk.page,
                heading=chunk.heading,
                url=chunk.url or document.get_absolute_url(),
                citation_label=citation_label(document.title, chunk.page, chunk.heading, chunk.url),
            )
        )
    return hits
