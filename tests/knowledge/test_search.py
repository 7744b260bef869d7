"""knowledge.search.search on the embedded SQLite database (PostgreSQL: test_search_postgres)."""

import pytest

from knowledge.models import KnowledgeBase
from knowledge.search import search

pytestmark = pytest.mark.django_db

HANDBOOK = b"""# Refunds

Customers can ask for a refund within 30 days of purchase. Refunds go back to the original card.

# Shipping

Parcels leave the warehouse in Rotterdam every weekday before noon.
"""
CHINESE = "# 退款政策\n\n客户可以在购买后三十天内申请退款。退款会退回到原来的银行卡。\n\n# 配送\n\n包裹每个工作日中午前从鹿特丹仓库发出。\n".encode()


def test_search_finds_english_passage_with_heading(ingest, org, knowledge_base):
    document = ingest("handbook.md", HANDBOOK)
    assert document.status == "ready", document.status_reason

    hits = search(org, [knowledge_base.pk], "When do parcels leave the warehouse?")

    assert hits, "expected a hit for the shipping passage"
    assert "Rotterdam" in hits[0].text
    assert hits[0].heading == "Shipping"
    assert hits[0].document_id == str(document.public_id)
    assert hits[0].url == document.get_absolute_url()
    assert hits[0].citation_label == "handbook.md › Shipping"


def test_search_stems_english_words(ingest, org, knowledge_base):
    ingest("handbook.md", HANDBOOK)

    hits = search(org, [knowledge_base.public_id], "refunded purchases")

    assert hits
    assert "refund" in hits[0].text


def test_search_finds_chinese_words_inside_sentences(ingest, org, knowledge_base):
    ingest("zh.md", CHINESE)

    refund_hits = search(org, [str(knowledge_base.public_id)], "怎么申请退款")
    shipping_hits = search(org, [knowledge_base.pk], "仓库")

    assert refund_hits
    assert "三十天" in refund_hits[0].text
    assert shipping_hits
    assert "鹿特丹" in shipping_hits[0].text


def test_search_ignores_other_organizations_bases(ingest, org, other_org, knowledge_base):
    foreign = KnowledgeBase.objects.create(organization=other_org, name="Foreign")
    ingest("foreign.md", b"# Secret\n\nThe launch code is pineapple.", base=foreign)

    assert search(org, [foreign.pk, foreign.public_id], "pineapple") == []
    assert search(other_org, [foreign.pk], "pineapple")


def test_search_limits_to_given_bases(ingest, org, knowledge_base):
    second = KnowledgeBase.objects.create(organization=org, name="Second")
    ingest("a.md", b"Zebras live in Africa.")
    ingest("b.md", b"Zebras are striped.", base=second)

    hits = search(org, [second.pk], "zebras")

    assert [hit.text for hit in hits] == ["Zebras are striped."]


def test_search_returns_at_most_k_best_first(ingest, org, knowledge_base):
    for number in range(8):
        ingest(f"{number}.txt", f"Note {number} mentions otters {'otters ' * number}".encode())

    hits = search(org, [knowledge_base.pk], "otters", k=3)

    assert len(hits) == 3
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


@pytest.mark.parametrize("query", ["", "   ", "?!", '" OR 1=1 --', "NEAR(", "*"])
def test_search_handles_empty_and_operator_queries(ingest, org, knowledge_base, query):
    ingest("handbook.md", HANDBOOK)

    assert isinstance(search(org, [knowledge_base.pk], query), list)


def test_search_with_unknown_ids_returns_nothing(org):
    assert search(org, [999999, "not-a-uuid"], "refund") == []


def test_search_returns_copied_passage_once(ingest, org, knowledge_base):
    first = ingest("handbook.md", HANDBOOK)
    ingest("handbook copy.md", HANDBOOK.replace(b"noon.", b"noon. "))

    hits = search(org, [knowledge_base.pk], "parcels warehouse")

    assert [hit.document_id for hit in hits] == [str(first.public_id)]


def test_search_fills_k_after_dropping_copies(ingest, org, knowledge_base):
    for number in range(3):
        ingest(f"copy{number}.md", b"# Kettles\n\nThe kettle boils water in two minutes.\n")
    ingest("other.md", b"# Tea\n\nThe kettle also keeps water warm for tea.\n")

    hits = search(org, [knowledge_base.pk], "kettle water", k=2)

    assert len(hits) == 2
    assert len({hit.text for hit in hits}) == 2


def test_search_returns_chinese_copy_once(ingest, org, knowledge_base):
    ingest("退款.md", CHINESE)
    ingest("退款副本.md", CHINESE)

    hits = search(org, [knowledge_base.pk], "鹿特丹仓库")

    assert len(hits) == 1
