"""Knowledge bases, their documents, the indexed chunks and the Gemini enrichment of assets."""

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .messages import StoredMessage, render_lines


def document_upload_path(document, filename):
    """Store each organization's files under MEDIA_ROOT/knowledge/<org>/<document>/."""
    return f"knowledge/{document.organization.public_id}/{document.public_id}/{filename}"


class KnowledgeBase(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="knowledge_bases"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("knowledge base")
        verbose_name_plural = _("knowledge bases")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="unique_knowledge_base_name"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("knowledge:detail", args=[self.public_id])


class Crawl(models.Model):
    """A same-site crawl that starts at one URL, re-run on demand or on a schedule."""

    class Schedule(models.TextChoices):
        NEVER = "never", _("Only on demand")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE)
    knowledge_base = models.ForeignKey(
        KnowledgeBase, on_delete=models.CASCADE, related_name="crawls"
    )
    start_url = models.URLField(_("start URL"), max_length=2000)
    max_depth = models.PositiveSmallIntegerField(_("maximum link depth"), default=2)
    max_pages = models.PositiveIntegerField(_("maximum pages"), default=50)
    schedule = models.CharField(
        _("re-crawl"), max_length=10, choices=Schedule.choices, default=Schedule.NEVER
    )
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    # The messages of last_result, translated when shown (see knowledge.messages).
    last_result_messages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_url"]

    def __str__(self):
        return self.start_url

    def get_last_result_display(self):
        """Return the result of the last run in the active language."""
        return "\n".join(render_lines(self.last_result_messages, self.last_result))


class Document(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        URL = "url", _("Web page")
        CRAWL = "crawl", _("Crawled page")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        EXTRACTING = "extracting", _("Extracting text")
        ENRICHING = "enriching", _("Enriching")
        INDEXING = "indexing", _("Indexing")
        READY = "ready", _("Ready")
        READY_WITH_WARNINGS = "ready_with_warnings", _("Ready with warnings")
        FAILED = "failed", _("Failed")

    PROCESSING_STATUSES = (Status.QUEUED, Status.EXTRACTING, Status.ENRICHING, Status.INDEXING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE)
    knowledge_base = models.ForeignKey(
        KnowledgeBase, on_delete=models.CASCADE, related_name="documents"
    )
    crawl = models.ForeignKey(
        Crawl, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    original_filename = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to=document_upload_path, max_length=500, blank=True)
    mime_type = models.CharField(_("detected type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    indexed_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    # status_reason is the reason rendered in the worker's language, one line per message.
    # Pages show status_reason_messages translated instead (see knowledge.messages).
    status_reason = models.CharField(_("reason"), max_length=1000, blank=True)
    status_reason_messages = models.JSONField(default=list, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)  # version of the active chunks
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledge:document", args=[self.public_id])

    @property
    def is_processing(self):
        return self.status in self.PROCESSING_STATUSES

    def get_status_reason_display(self):
        """Return the reason for the status in the active language, one line per message."""
        return "\n".join(render_lines(self.status_reason_messages, self.status_reason))


class Chunk(models.Model):
    """A passage of a document as indexed for search.

    `search_text` is `text` with CJK runs segmented into space-separated words. The search
    index reads it together with `knowledge_base_id`: on SQLite an FTS5 table with both columns,
    kept in step by triggers, and on PostgreSQL a generated tsvector column with a GIN index
    over (knowledge_base_id, search_vector). Migrations 0002 and 0003 create them in raw SQL.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE)
    version = models.PositiveIntegerField(default=1)
    position = models.PositiveIntegerField()
    text = models.TextField()
    search_text = models.TextField()
    page = models.PositiveIntegerField(null=True, blank=True)
    heading = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["document", "position"]
        indexes = [models.Index(fields=["knowledge_base", "document"])]

    def __str__(self):
        return f"{self.document_id}#{self.position}"


class Enrichment(models.Model):
    """One image description or media transcription of an asset, and who paid for it."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image description")
        MEDIA = "media", _("Audio/video transcription")

    class Billing(models.TextChoices):
        ORG_GOOGLE = "org_google", _("Billed by Google to your organization")
        HOSTED = "hosted", _("Hosted quota")
        SKIPPED = "skipped", _("Not billed")

    class Status(models.TextChoices):
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="enrichments")
    asset = models.CharField(max_length=300)  # e.g. "photo.png" or "page 3"
    kind = models.CharField(max_length=10, choices=Kind.choices)
    billing_source = models.CharField(max_length=12, choices=Billing.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=1000, blank=True)  # in the worker's language
    reason_message = models.JSONField(null=True, blank=True)  # reason, translated when shown
    text = models.TextField(blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)  # of the asset's bytes
    units = models.PositiveIntegerField(default=0)
    media_seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document", "asset"]
        constraints = [
            models.UniqueConstraint(fields=["document", "asset"], name="unique_enrichment_asset")
        ]

    def __str__(self):
        return f"{self.kind} {self.asset}: {self.status}"

    def stored_reason(self):
        """Return the reason as a StoredMessage; a row without reason_message keeps its text."""
        if self.reason_message:
            return StoredMessage.from_json(self.reason_message)
        return StoredMessage.literal(self.reason)

    def get_reason_display(self):
        """Return why the enrichment was skipped or failed, in the active language."""
        return "\n".join(render_lines(self.reason_message, self.reason))
