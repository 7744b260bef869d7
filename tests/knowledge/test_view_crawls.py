"""Starting a crawl and re-crawling it on demand."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Crawl

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    from knowledge import tasks

    messages = []
    monkeypatch.setattr(tasks.crawl_site, "delay", messages.append)
    return messages


def add_url(base):
    return reverse("knowledge:crawl_add", args=[base.public_id])


def run_url(crawl):
    return reverse("knowledge:crawl_run", args=[crawl.public_id])


@pytest.fixture
def crawl(org, knowledge_base):
    return Crawl.objects.create(organization=org, knowledge_base=knowledge_base, start_url="https://site.example/")


def test_crawl_add_creates_and_starts(client_for, knowledge_base, sent, django_capture_on_commit_callbacks):
    data = {"start_url": "https://site.example/docs/", "max_depth": 1, "max_pages": 20, "schedule": "weekly"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("builder").post(add_url(knowledge_base), data)

    crawl = Crawl.objects.get(knowledge_base=knowledge_base)
    assert response.status_code == 302
    assert (crawl.max_depth, crawl.max_pages, crawl.schedule) == (1, 20, "weekly")
    assert sent == [crawl.pk]


@pytest.mark.parametrize(
    "changes",
    [{"max_depth": 9}, {"max_pages": 0}, {"max_pages": 100000}, {"start_url": "file:///etc/passwd"}, {"schedule": "hourly"}],
)
def test_crawl_add_rejects_bad_values(client_for, knowledge_base, changes):
    data = {"start_url": "https://site.example/", "max_depth": 1, "max_pages": 20, "schedule": "never", **changes}

    response = client_for("builder").post(add_url(knowledge_base), data)

    assert response.status_code == 400
    assert not Crawl.objects.exists()


def test_crawl_run_starts_again(client_for, crawl, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("builder").post(run_url(crawl))

    assert response.status_code == 302
    assert sent == [crawl.pk]


def test_crawl_views_reject_get(client_for, knowledge_base, crawl):
    assert client_for("builder").get(add_url(knowledge_base)).status_code == 405
    assert client_for("builder").get(run_url(crawl)).status_code == 405


def test_crawl_views_hidden_from_outsider(client_for, knowledge_base, crawl, sent):
    assert client_for("outsider").post(add_url(knowledge_base), {}).status_code == 404
    assert client_for("outsider").post(run_url(crawl)).status_code == 404


def test_crawl_views_forbidden_without_build(client_for, knowledge_base, crawl, sent):
    assert client_for("support").post(add_url(knowledge_base), {}).status_code == 403
    assert client_for("support").post(run_url(crawl)).status_code == 403


def test_crawl_run_unknown_id_404(client_for):
    assert client_for("builder").post(reverse("knowledge:crawl_run", args=[uuid.uuid4()])).status_code == 404
