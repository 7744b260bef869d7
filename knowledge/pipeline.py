"""The ingestion pipeline of one document: queued → extracting → enriching → indexing → ready.

`process_document` is what the Celery task runs; seed_demo and tests call it directly. It is
idempotent: a document is claimed with one conditional UPDATE from "queued", enrichments
already paid for are reused when their asset is unchanged, and indexing swaps the document's
chunks in one transaction. A second run therefore adds nothing twice, and a failed run leaves
the chunks of the previous version searchable.
"""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from .chunking import chunk_sections
from .extract import ExtractionError, Section, extract
from .fetch import FetchError, fetch
from .messages import StoredMessage, asset_warning, stored_lines
from .models import Chunk, Document, Enrichment
from .segment import segment_for_index

logger = logging.getLogger(__name__)


def queue_document(document, *, enqueue=True):
    """Put document back to "queued" and, after the transaction commits, send its task."""
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.QUEUED,
        progress=0,
        status_reason="",
        status_reason_messages=[],
        heartbeat_at=timezone.now(),
    )
    document.refresh_from_db()
    if enqueue:
        from .tasks import ingest_document

        transaction.on_commit(lambda: ingest_document.delay(document.pk))


STATUS_FIELDS = ["status", "progress", "status_reason", "status_reason_messages", "heartbeat_at", "updated_at"]
# Written with the next status change, so each stage costs one commit.
CONTENT_FIELDS = ["file", "url", "size", "sha256", "mime_type", "title"]
REASON_MAX_LENGTH = Document._meta.get_field("status_reason").max_length
# Warnings kept in status_reason_messages. The Enrichment table of the document page lists
# every asset, so a PDF with hundreds of skipped page images does not need them all here.
MAX_WARNINGS = 20


def reason_values(messages):
    """Return the status_reason and status_reason_messages values of a list of StoredMessages."""
    text, data = stored_lines(messages, max_length=REASON_MAX_LENGTH)
    return {"status_reason": text, "status_reason_messages": data}


def _limit_warnings(warnings):
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    more = StoredMessage(
        gettext_noop("More assets were not enriched. The Enrichment table of the document lists each one.")
    )
    return [*warnings[:MAX_WARNINGS], more]


def _set_status(document, status, progress, messages=(), *, with_content=False):
    document.status, document.progress = status, progress
    for field, value in reason_values(list(messages)).items():
        setattr(document, field, value)
    document.heartbeat_at = timezone.now()
    fields = STATUS_FIELDS + (CONTENT_FIELDS if with_content else [])
    document.save(update_fields=fields)


def _claim(document_id):
    """Move a queued document to "extracting" and return it, or None if another run has it."""
    claimed = Document.objects.filter(pk=document_id, status=Document.Status.QUEUED).update(
        status=Document.Status.EXTRACTING,
        progress=5,
        attempts=F("attempts") + 1,
        heartbeat_at=timezone.now(),
    )
    if not claimed:
        return None
    return Document.objects.select_related("organization", "knowledge_base").get(pk=document_id)


def _load_content(document):
    """Return the document's bytes, fetching (and storing) single web pages first.

    Crawled pages arrive with their file already stored by the crawler.
    """
    if document.source == Document.Source.URL and document.url:
        response = fetch(document.url)
        data = response.content
        if document.file:
            document.file.delete(save=False)
        document.file.save("page.html", ContentFile(data), save=False)
        document.url = response.url
    else:
        if not document.file:
            raise ExtractionError(gettext_noop("The document has no file. Upload it again."))
        try:
            with document.file.open("rb") as handle:
                data = handle.read()
        except FileNotFoundError as error:
            raise ExtractionError(gettext_noop("The stored file is missing. Upload it again.")) from error
    document.size = len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    return data


def _reject_copy_of_page(document):
    """Raise ExtractionError when a fetched page's bytes equal another document of its knowledge base.

    Uploads are checked before they are stored, but a page's content is known only once it is
    fetched. A failed document is not a copy, and crawled pages are not checked here, because a
    re-crawl updates each page's own document in place.
    """
    copy = (
        Document.objects.filter(knowledge_base_id=document.knowledge_base_id, sha256=document.sha256)
        .exclude(pk=document.pk)
        .exclude(status=Document.Status.FAILED)
        .order_by("created_at")
        .first()
    )
    if copy is not None:
        raise ExtractionError(
            gettext_noop(
                "The page has the same content as “%(title)s”, which is already in this knowledge base, "
                "so it was not indexed again. Delete that document first to add the page."
            ),
            title=copy.title,
        )


def _enrich(document, extracted):
    """Return sections made from the assets' enrichments and the warnings (StoredMessages) of skipped ones."""
    from .enrichment import enrich_asset

    sections, warnings = [], []
    for asset in extracted.assets:
        enrichment = enrich_asset(document, asset)
        if enrichment.status == Enrichment.Status.DONE and enrichment.text.strip():
            sections.append(Section(enrichment.text, page=asset.page, heading=asset.name))
        else:
            warnings.append(asset_warning(asset.get_label(), enrichment.stored_reason()))
        Document.objects.filter(pk=document.pk).update(heartbeat_at=timezone.now())
    return sections, warnings


def _index(document, sections, warnings):
    """Replace the document's chunks with the new version and mark it ready, atomically."""
    drafts = chunk_sections(sections)
    if not drafts:
        raise ExtractionError(gettext_noop("No text was found in the document."))
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        version = locked.version + 1
        Chunk.objects.filter(document=locked).delete()
        Chunk.objects.bulk_create(
            Chunk(
                document=locked,
                knowledge_base_id=locked.knowledge_base_id,
                version=version,
                position=position,
                text=draft.text,
                search_text=segment_for_index(draft.text),
                page=draft.page,
                heading=draft.heading,
                url=draft.url,
            )
            for position, draft in enumerate(drafts)
        )
        status = Document.Status.READY_WITH_WARNINGS if warnings else Document.Status.READY
        Document.objects.filter(pk=locked.pk).update(
            version=version,
            indexed_sha256=document.sha256,
            status=status,
            progress=100,
            **reason_values(_limit_warnings(warnings)),
            heartbeat_at=timezone.now(),
            updated_at=timezone.now(),
        )
    return len(drafts)


def process_document(document_id):
    """Run the pipeline for one queued document; return its final status, or None if not claimed."""
    document = _claim(document_id)
    if document is None:
        logger.info("Document %s is not queued; nothing to do", document_id)
        return None
    try:
        data = _load_content(document)
        # NOTE: uploads are checked for copies only when stored, so retrying a failed upload
        # whose file was uploaded again since indexes it twice. Search returns such text once.
        if document.source == Document.Source.URL:
            _reject_copy_of_page(document)
        extracted = extract(data, filename=document.original_filename, url=document.url)
        document.mime_type = extracted.mime_type
        if extracted.title and document.source != Document.Source.UPLOAD:
            document.title = extracted.title[:300]

        sections, warnings = list(extracted.sections), []
        if extracted.assets:
            _set_status(document, Document.Status.ENRICHING, 40, with_content=True)
            enriched, warnings = _enrich(document, extracted)
            sections.extend(enriched)
        if not sections and extracted.needs_page_enrichment:
            raise ExtractionError(
                gettext_noop("The PDF has no extractable text, and its page images were not described:"),
                details=_limit_warnings(warnings),
            )
        if not sections:
            # An image or recording whose enrichment was skipped stays findable by its name
            # until "Re-process enrichment" adds its description.
            sections = [Section(asset.name, heading=asset.name) for asset in extracted.assets]
        _set_status(document, Document.Status.INDEXING, 80, with_content=True)
        count = _index(document, sections, warnings)
    except (ExtractionError, FetchError) as error:
        logger.info("Document %s failed: %s", document.public_id, error)
        _set_status(document, Document.Status.FAILED, 100, error.lines, with_content=True)
        return Document.Status.FAILED
    except Exception:
        logger.exception("Document %s failed unexpectedly", document.public_id)
        _set_status(
            document,
            Document.Status.FAILED,
            100,
            [
                StoredMessage(
                    gettext_noop(
                        "Processing failed because of an internal error. Retry; if it fails again, contact support."
                    )
                )
            ],
        )
        return Document.Status.FAILED
    logger.info("Document %s indexed: %s chunks", document.public_id, count)
    document.refresh_from_db(fields=["status"])
    return document.status
