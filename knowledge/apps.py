from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """Knowledge bases and documents: ingestion through Celery, text extraction, chunking, the search index, and Gemini enrichment of images and audio/video."""

    name = "knowledge"
    verbose_name = _("Knowledge")
