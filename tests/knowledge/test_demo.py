"""The seed_demo hook of the knowledge app."""

import io

import pytest

from knowledge.demo import DEMO_FILES, demo_knowledge_base, seed
from knowledge.models import Document, Enrichment
from knowledge.search import search

pytestmark = pytest.mark.django_db


def test_seed_ingests_every_demo_file_and_is_idempotent(org, members):
    base = seed(org, members, io.StringIO())
    seed(org, members, io.StringIO())

    documents = Document.objects.filter(knowledge_base=base)
    assert demo_knowledge_base(org) == base
    assert documents.count() == len(DEMO_FILES)
    statuses = dict(documents.values_list("original_filename", "status"))
    for filename in ("acme-handbook.pdf", "onboarding-guide.md", "returns-policy.html"):
        assert statuses[filename] == Document.Status.READY, filename
    for filename in ("office-floor-plan.png", "welcome-chime.wav"):
        assert statuses[filename] == Document.Status.READY_WITH_WARNINGS, filename
    assert Enrichment.objects.filter(document__knowledge_base=base, status="skipped").count() == 2


def test_seeded_knowledge_answers_with_citations(org, members):
    base = seed(org, members, io.StringIO())

    expenses = search(org, [base.pk], "How long do I have to submit an expense claim?")
    refunds = search(org, [base.pk], "When do I get my refund?")
    chinese = search(org, [base.pk], "报销")

    assert expenses[0].citation_label == "Acme Employee Handbook, p. 2"
    assert "30 days" in expenses[0].text
    assert "Rotterdam" in refunds[0].text
    assert chinese and "收据" in chinese[0].text
