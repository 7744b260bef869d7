"""The knowledge base list page."""

import pytest
from django.urls import reverse

from knowledge.models import KnowledgeBase

pytestmark = pytest.mark.django_db
URL = reverse("knowledge:list")


def test_list_shows_bases_and_storage(client_for, knowledge_base):
    response = client_for("builder").get(URL)

    assert response.status_code == 200
    assert "Handbook" in response.text
    assert "Storage" in response.text


def test_list_shows_enrichment_switch_to_admins_only(client_for, knowledge_base):
    assert 'name="enabled"' in client_for("admin").get(URL).text
    assert 'name="enabled"' not in client_for("builder").get(URL).text


def test_list_hides_other_organizations_bases(client_for, other_org):
    KnowledgeBase.objects.create(organization=other_org, name="Foreign handbook")

    response = client_for("builder").get(URL)

    assert "Foreign handbook" not in response.text


def test_list_rejects_post(client_for):
    assert client_for("builder").post(URL).status_code == 405


def test_list_forbidden_without_build(client_for):
    assert client_for("support").get(URL).status_code == 403
    assert client_for("finance").get(URL).status_code == 403
