"""Fixtures for the knowledge tests: a knowledge base, private media storage, and ingestion."""

import pytest
from django.core.files.base import ContentFile

from knowledge.models import Document, KnowledgeBase
from knowledge.pipeline import process_document


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GEMINI_BASE_URL = ""
    settings.HOSTED_GEMINI_API_KEY = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def knowledge_base(org):
    return KnowledgeBase.objects.create(organization=org, name="Handbook")


def make_document(knowledge_base, filename, data, **fields):
    document = Document(
        organization=knowledge_base.organization,
        knowledge_base=knowledge_base,
        title=fields.pop("title", filename),
        original_filename=filename,
        **fields,
    )
    document.file.save(filename, ContentFile(data), save=False)
    document.size = len(data)
    document.save()
    return document


@pytest.fixture
def ingest(knowledge_base):
    """Return a function that stores data as a document, runs the pipeline and returns it."""

    def run(filename, data, base=None):
        document = make_document(base or knowledge_base, filename, data)
        process_document(document.pk)
        document.refresh_from_db()
        return document

    return run
