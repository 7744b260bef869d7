"""The knowledge panel and banner on the dashboard."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_dashboard_shows_panel_and_failed_banner(client_for, ingest):
    ingest("bad.pdf", b"%PDF-1.4 broken")

    response = client_for("builder").get(reverse("dashboard"))

    assert response.status_code == 200
    assert "1 document failed to process." in response.text
    assert "Open knowledge bases" in response.text


def test_dashboard_panel_shows_counts(client_for, ingest):
    ingest("bad.pdf", b"%PDF-1.4 broken")
    ingest("guide.md", b"# Parking\n\nVisitors park in bay 12.")

    response = client_for("builder").get(reverse("dashboard"))

    counts = response.context["panels"]
    knowledge = next(panel for panel in counts if panel["template"] == "knowledge/_panel.html")
    assert knowledge["context"]["knowledge_counts"]["total"] == 2
    assert knowledge["context"]["knowledge_counts"]["failed"] == 1
    assert '<div class="stat">2</div>' in response.text
    assert '<div class="stat">1</div>' in response.text


def test_dashboard_hides_knowledge_from_finance(client_for, ingest):
    ingest("bad.pdf", b"%PDF-1.4 broken")

    response = client_for("finance").get(reverse("dashboard"))

    assert "failed to process" not in response.text
    assert "Open knowledge bases" not in response.text
