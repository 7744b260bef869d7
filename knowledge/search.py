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


# CROSS JOIN keeps the FTS5 table as the outer loop. With a plain JOIN the SQLite planner
# may walk every chunk of the knowledge base and test MATCH row by row instead.
SQLITE_QUERY = """
    SELECT knowledge_chunk_fts.rowid, -bm25(knowledge_chunk_fts) AS score
    FROM knowledge_chunk_fts
    CROSS JOIN knowledge_chunk ON knowledge_chunk.id = knowledge_chunk_fts.rowid
    WHERE knowledge_chunk_fts MATCH %s AND knowledge_chunk.knowledge_base_id IN ({placeholders})
    ORDER BY bm25(knowledge_chunk_fts)
    LIMIT %s
"""

POSTGRES_QUERY = """
    SELECT chunk.id, ts_rank_cd(chunk.search_vector, query) AS score
    FROM knowledge_chunk AS chunk,
         (SELECT to_tsquery('english', %s) || to_tsquery('simple', %s) AS query) AS q
    WHERE chunk.search_vector @@ query AND chunk.knowledge_base_id = ANY(%s)
    ORDER BY score DESC, chunk.id
    LIMIT %s
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


def _run_query(base_pks, terms, k, operator):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            expression = f" {'&' if operator == 'AND' else '|'} ".join(f"'{term}'" for term in terms)
            cursor.execute(POSTGRES_QUERY, [expression, expression, base_pks, k])
        else:
            expression = f" {operator} ".join(f'"{term}"' for term in terms)
            placeholders = ", ".join(["%s"] * len(base_pks))
            cursor.execute(SQLITE_QUERY.format(placeholders=placeholders), [expression, *base_pks, k])
        return cursor.fetchall()


def _ranked_chunk_ids(base_pks, terms, k):
    """Return (chunk id, score) rows: chunks with every term first, then chunks with any term.

    Ranking only the intersection is fast even when one term occurs in most chunks. The OR
    query runs only when fewer than k chunks contain every term.
    """
    # NOTE: the OR query ranks every chunk that contains any term, which measured over 1 s at
    # p95 with 100,000 chunks (bench/README.md). Dropping very frequent terms would bound it.
    ranked = _run_query(base_pks, terms, k, "AND") if len(terms) > 1 else []
    if len(ranked) < k:
        seen = {row[0] for row in ranked}
        # Chunks that contain every term outrank the rest whatever their scores.
        ranked += [row for row in _run_query(base_pks, terms, k, "OR") if row[0] not in seen][: k - len(ranked)]
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

    Chunks that contain every term come first, then chunks with any term. Ranking is BM25 on
    SQLite and ts_rank_cd on PostgreSQL, so the two databases agree on which chunks match
    but not on score values.
    """
    from .models import Chunk

    terms = query_terms(query or "")
    base_pks = _knowledge_base_pks(organization, knowledge_base_ids)
    if not terms or not base_pks or k <= 0:
        return []

    ranked = _ranked_chunk_ids(base_pks, terms, k)
    chunks = Chunk.objects.select_related("document").in_bulk([row[0] for row in ranked])
    hits = []
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is None:  # deleted between the two queries
            continue
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
