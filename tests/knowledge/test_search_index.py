"""The knowledge base inside the search index: scoping, frequent words, and index upkeep.

CANDIDATE_LIMIT is lowered to 5 so that a few chunks make a word frequent. Most tests run on
whichever database the suite uses. The FTS5 test needs SQLite and the plan test PostgreSQL.
"""

import pytest
from django.db import connection, transaction

from knowledge import search as search_module
from knowledge.models import Chunk, Document, KnowledgeBase
from knowledge.search import search
from knowledge.segment import segment_for_index

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def small_candidate_limit(monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", LIMIT)


@pytest.fixture
def crowded_base(org):
    """Return a knowledge base, created first, whose chunks all contain "common word"."""
    base = KnowledgeBase.objects.create(organization=org, name="Crowded")
    add_chunks(base, [f"common word filler {number}" for number in range(20 * LIMIT)])
    return base


def add_chunks(knowledge_base, texts):
    document = Document.objects.create(
        organization=knowledge_base.organization,
        knowledge_base=knowledge_base,
        title="notes.txt",
        status="ready",
    )
    chunks = Chunk.objects.bulk_create(
        Chunk(document=document, knowledge_base=knowledge_base, position=position, text=text,
              search_text=segment_for_index(text))
        for position, text in enumerate(texts)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_chunk")
    return chunks


def texts(hits):
    return sorted(hit.text for hit in hits)


def test_frequent_words_find_later_base(org, crowded_base, knowledge_base):
    add_chunks(knowledge_base, ["common word one", "a common word two", "common word three"])

    hits = search(org, [knowledge_base.pk], "common word", k=5)

    assert texts(hits) == ["a common word two", "common word one", "common word three"]


def test_frequent_word_alone_finds_later_base(org, crowded_base, knowledge_base):
    add_chunks(knowledge_base, ["common ground"])

    hits = search(org, [knowledge_base.pk], "common", k=5)

    assert texts(hits) == ["common ground"]


def test_several_bases_searched_together(org, crowded_base, knowledge_base):
    add_chunks(knowledge_base, ["rare zebra here"])
    third = KnowledgeBase.objects.create(organization=org, name="Third")
    add_chunks(third, ["another rare zebra"])

    hits = search(org, [knowledge_base.pk, third.pk], "zebra", k=5)

    assert texts(hits) == ["another rare zebra", "rare zebra here"]


def test_number_term_ignores_base_id(org, knowledge_base):
    # The SQLite index stores the knowledge base's primary key as a token, so a query for that
    # number must match chunk text only.
    add_chunks(knowledge_base, ["no digits at all", f"room {knowledge_base.pk} is upstairs"])

    hits = search(org, [knowledge_base.pk], str(knowledge_base.pk), k=5)

    assert texts(hits) == [f"room {knowledge_base.pk} is upstairs"]


def test_chunk_moved_to_other_base(org, knowledge_base):
    second = KnowledgeBase.objects.create(organization=org, name="Second")
    [chunk] = add_chunks(knowledge_base, ["migrating zebra"])

    Chunk.objects.filter(pk=chunk.pk).update(knowledge_base=second)

    assert search(org, [knowledge_base.pk], "zebra") == []
    assert texts(search(org, [second.pk], "zebra")) == ["migrating zebra"]


def test_index_follows_text_update_and_delete(org, knowledge_base):
    [chunk] = add_chunks(knowledge_base, ["old zebra"])

    Chunk.objects.filter(pk=chunk.pk).update(text="new okapi", search_text="new okapi")

    assert search(org, [knowledge_base.pk], "zebra") == []
    assert texts(search(org, [knowledge_base.pk], "okapi")) == ["new okapi"]

    Chunk.objects.filter(pk=chunk.pk).delete()

    assert search(org, [knowledge_base.pk], "okapi") == []


def sqlite_base_rowids(base_pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM knowledge_chunk_fts WHERE knowledge_chunk_fts MATCH %s ORDER BY rowid",
            [f'knowledge_base_id : "{base_pk}"'],
        )
        return [row[0] for row in cursor.fetchall()]


def test_sqlite_index_column_follows_chunks(org, knowledge_base):
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists only on SQLite")
    second = KnowledgeBase.objects.create(organization=org, name="Second")
    first_chunk, second_chunk = add_chunks(knowledge_base, ["alpha", "beta"])

    assert sqlite_base_rowids(knowledge_base.pk) == [first_chunk.pk, second_chunk.pk]

    Chunk.objects.filter(pk=second_chunk.pk).update(knowledge_base=second)

    assert sqlite_base_rowids(knowledge_base.pk) == [first_chunk.pk]
    assert sqlite_base_rowids(second.pk) == [second_chunk.pk]

    Chunk.objects.filter(pk=first_chunk.pk).delete()

    assert sqlite_base_rowids(knowledge_base.pk) == []


def test_postgres_gin_applies_base_condition(org, crowded_base, knowledge_base):
    if connection.vendor != "postgresql":
        pytest.skip("this run uses SQLite; set DATABASE_URL to a PostgreSQL database")
    add_chunks(knowledge_base, ["common word one"])
    parameters = {"expression": "'common'", "base_pks": [knowledge_base.pk], "candidate_limit": LIMIT, "k": 5}

    with transaction.atomic(), connection.cursor() as cursor:
        # Leave the planner only the GIN index, so the plan shows which conditions it applies.
        # The rollback below restores the dropped btree indexes.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'knowledge_chunk' AND indexdef LIKE %s",
            ["%btree (knowledge_base_id%"],
        )
        for (index_name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index_name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + search_module.POSTGRES_QUERY, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)

    assert "Bitmap Index Scan on knowledge_chunk_search_gin" in plan
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "knowledge_base_id" in index_condition
    assert "search_vector" in index_condition


def test_postgres_tsquery_not_repeated(org, knowledge_base):
    if connection.vendor != "postgresql":
        pytest.skip("this run uses SQLite; set DATABASE_URL to a PostgreSQL database")
    parameters = {"expression": "'zebra'", "base_pks": [knowledge_base.pk], "candidate_limit": LIMIT, "k": 5}

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + search_module.POSTGRES_QUERY, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # 'english' and 'simple' give the same tsquery for "zebra", so the plan contains it once.
    assert "'''zebra'''::tsquery" in plan
    assert "''zebra'' | ''zebra''" not in plan
