"""knowledge.search.search with terms that occur in more chunks than CANDIDATE_LIMIT.

The limit is lowered to 5 here so that a few chunks make a term frequent. On PostgreSQL the
frequent terms come from the planner statistics, so each test runs ANALYZE after inserting.
"""

import pytest
from django.db import connection

from knowledge import search as search_module
from knowledge.models import Chunk, Document, KnowledgeBase
from knowledge.search import search
from knowledge.segment import segment_for_index

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def small_candidate_limit(monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", LIMIT)


def add_chunks(knowledge_base, texts):
    document = Document.objects.create(
        organization=knowledge_base.organization,
        knowledge_base=knowledge_base,
        title="notes.txt",
        status="ready",
    )
    Chunk.objects.bulk_create(
        Chunk(document=document, knowledge_base=knowledge_base, position=position, text=text,
              search_text=segment_for_index(text))
        for position, text in enumerate(texts)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_chunk")


def test_frequent_terms_found_by_document_frequency(knowledge_base):
    add_chunks(knowledge_base, [f"common filler {number}" for number in range(3 * LIMIT)] + ["zebra stripes"])

    with connection.cursor() as cursor:
        frequent = search_module._frequent_terms(cursor, ["common", "zebra", "absent"])

    assert frequent == {"common"}


def test_frequent_term_ranks_but_does_not_widen(org, knowledge_base):
    fillers = [f"common filler {number}" for number in range(3 * LIMIT)]
    add_chunks(knowledge_base, [*fillers, "common zebra stripes", "a zebra alone"])

    hits = search(org, [knowledge_base.pk], "common zebra", k=5)

    # The chunk with both terms comes first, then the one with the rare term. Chunks with
    # only the frequent term are left out although k is not reached.
    assert [hit.text for hit in hits] == ["common zebra stripes", "a zebra alone"]


def test_frequent_term_alone_ranks_limited_candidates(org, knowledge_base):
    add_chunks(knowledge_base, [f"common filler {number}" for number in range(3 * LIMIT)])

    top_three = search(org, [knowledge_base.pk], "common", k=3)
    all_requested = search(org, [knowledge_base.pk], "common", k=3 * LIMIT)

    assert len(top_three) == 3
    assert all("common" in hit.text for hit in top_three)
    assert len(all_requested) == LIMIT


def test_frequent_terms_stay_within_bases(org, other_org, knowledge_base):
    foreign = KnowledgeBase.objects.create(organization=other_org, name="Foreign")
    add_chunks(foreign, [f"common filler {number}" for number in range(3 * LIMIT)])
    add_chunks(knowledge_base, ["common ground"])

    hits = search(org, [knowledge_base.pk, foreign.pk], "common", k=5)

    assert [hit.text for hit in hits] == ["common ground"]
