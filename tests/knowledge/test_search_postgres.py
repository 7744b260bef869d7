"""PostgreSQL specifics of knowledge search: the generated tsvector column and the GIN index
over (knowledge_base_id, search_vector).

The behaviour tests in test_search.py run on whichever database the suite uses; CI runs the
suite on SQLite and on PostgreSQL, so both backends are covered.
"""

import pytest
from django.db import connection

from knowledge.search import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("this run uses SQLite; set DATABASE_URL to a PostgreSQL database")


def test_gin_index_covers_knowledge_base(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'knowledge_chunk' AND indexname = 'knowledge_chunk_search_gin'"
        )
        row = cursor.fetchone()

    assert row is not None
    assert "gin (knowledge_base_id, search_vector)" in row[0]


def test_search_vector_combines_stemmed_and_exact_tokens(postgres, ingest, org, knowledge_base):
    ingest("zh.md", "Parcels shipped daily. 包裹每个工作日发出。".encode())

    assert search(org, [knowledge_base.pk], "shipping parcel")
    assert search(org, [knowledge_base.pk], "工作日")


def test_search_is_never_a_prepared_statement(postgres, ingest, org, knowledge_base):
    # Prepared statements are on for the rest of the app (DATABASE_PREPARED_STATEMENTS), but a
    # generic plan would not know the query's terms, which the search queries rely on.
    ingest("parcels.md", b"Parcels ship daily from the depot.")

    for _ in range(12):  # more than psycopg's prepare threshold of 5
        assert search(org, [knowledge_base.pk], "parcels depot")

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%to_tsquery%%'")
        assert cursor.fetchone()[0] == 0
