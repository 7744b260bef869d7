"""The ingestion pipeline: states, idempotency, failed re-ingestion, chunk citations."""

import io

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from PIL import Image

from knowledge.models import Chunk, Document
from knowledge.pipeline import process_document, queue_document
from knowledge.search import search

from .media import docx_bytes, text_pdf_bytes
from .site import LocalSite

pytestmark = pytest.mark.django_db


def reingest(document, data):
    document.file.save(document.original_filename, ContentFile(data), save=True)
    queue_document(document, enqueue=False)
    process_document(document.pk)
    document.refresh_from_db()
    return document


@pytest.mark.parametrize(
    ("filename", "data", "expected_text"),
    [
        ("report.pdf", text_pdf_bytes(["Revenue grew in March."]), "Revenue grew"),
        ("policy.docx", docx_bytes("Travel", ["Book trains."]), "Book trains."),
        ("page.html", b"<html><body><article><p>Opening hours are nine to five.</p></article></body></html>", "nine to five"),
        ("guide.md", b"# Setup\n\nRun the installer.", "Run the installer."),
        ("notes.txt", "Résumé naïve façade".encode("cp1252"), "Résumé naïve façade"),
        ("staff.csv", b"name,desk\nAda,4B\nGrace,7C\n", "name: Grace; desk: 7C"),
    ],
)
def test_each_text_format_becomes_ready(ingest, filename, data, expected_text):
    document = ingest(filename, data)

    assert document.status == Document.Status.READY, document.status_reason
    assert document.progress == 100
    assert document.version == 1
    assert any(expected_text in chunk.text for chunk in document.chunks.all())


def test_pdf_chunks_keep_page_numbers(ingest, org, knowledge_base):
    document = ingest("manual.pdf", text_pdf_bytes(["Intro page", "Warranty lasts two years."]))

    hits = search(org, [knowledge_base.pk], "warranty")

    assert hits[0].page == 2
    assert hits[0].citation_label == "manual.pdf, p. 2"
    assert document.mime_type == "application/pdf"


def test_markdown_chunks_follow_headings_with_overlap(ingest):
    paragraphs = "\n\n".join(f"Paragraph {n} about routers and switches." * 6 for n in range(12))
    document = ingest("long.md", f"# Networking\n\n{paragraphs}\n\n# Printers\n\nToner is in room 3.".encode())

    chunks = list(document.chunks.order_by("position"))
    assert len(chunks) > 3
    assert {chunk.heading for chunk in chunks} == {"Networking", "Printers"}
    assert all(len(chunk.text) <= 1300 for chunk in chunks)
    networking = [chunk for chunk in chunks if chunk.heading == "Networking"]
    first_tail = networking[0].text.split("\n\n")[-1]
    assert networking[1].text.startswith(first_tail)


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("empty.pdf", b"", "empty"),
        ("broken.pdf", text_pdf_bytes(["x"])[:50], "damaged or truncated"),
        ("program.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "not supported"),
    ],
)
def test_bad_input_fails_with_reason(ingest, filename, data, reason):
    document = ingest(filename, data)

    assert document.status == Document.Status.FAILED
    assert reason in document.status_reason
    assert document.chunks.count() == 0


def test_bad_document_leaves_others_alone(ingest, org, knowledge_base):
    good = ingest("good.md", b"Llamas hum when they are curious.")
    ingest("bad.pdf", b"%PDF-1.4 garbage")

    good.refresh_from_db()
    assert good.status == Document.Status.READY
    assert search(org, [knowledge_base.pk], "llamas")


def test_failed_reingestion_keeps_old_chunks(ingest, org, knowledge_base):
    document = ingest("faq.md", b"# FAQ\n\nThe office opens at eight.")
    old_chunk_ids = list(document.chunks.values_list("id", flat=True))

    document = reingest(document, b"%PDF-1.7 truncated")

    assert document.status == Document.Status.FAILED
    assert list(document.chunks.values_list("id", flat=True)) == old_chunk_ids
    assert document.version == 1
    assert search(org, [knowledge_base.pk], "office opens")


def test_successful_reingestion_replaces_chunks(ingest, org, knowledge_base):
    document = ingest("faq.md", b"The office opens at eight.")

    document = reingest(document, b"The office opens at nine.")

    assert document.version == 2
    assert [chunk.text for chunk in document.chunks.all()] == ["The office opens at nine."]
    assert set(document.chunks.values_list("version", flat=True)) == {2}
    assert search(org, [knowledge_base.pk], "eight") == []


def test_task_run_twice_adds_nothing_twice(ingest):
    document = ingest("faq.md", b"Parking is free on weekends.")

    assert process_document(document.pk) is None
    queue_document(document, enqueue=False)
    process_document(document.pk)
    process_document(document.pk)

    assert Chunk.objects.filter(document=document).count() == 1
    document.refresh_from_db()
    assert document.status == Document.Status.READY


def test_processing_document_is_not_claimed_twice(knowledge_base):
    from .conftest import make_document

    document = make_document(knowledge_base, "a.txt", b"Hello there")
    Document.objects.filter(pk=document.pk).update(status=Document.Status.EXTRACTING)

    assert process_document(document.pk) is None
    assert Chunk.objects.filter(document=document).count() == 0


def test_missing_file_fails_with_reason(knowledge_base):
    from .conftest import make_document

    document = make_document(knowledge_base, "gone.txt", b"Soon gone")
    document.file.storage.delete(document.file.name)

    process_document(document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "missing" in document.status_reason


def test_reason_lists_at_most_twenty_warnings(org, ingest):
    org.enrichment_enabled = False
    org.save()
    pages = [Image.new("RGB", (20, 20), (10 * n, 0, 0)) for n in range(22)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])

    document = ingest("scan.pdf", buffer.getvalue())

    lines = document.get_status_reason_display().splitlines()
    assert document.status == Document.Status.FAILED
    assert len(lines) == 22
    assert lines[20].startswith("page 20: Enrichment is turned off")
    assert lines[21] == "More assets were not enriched. The Enrichment table of the document lists each one."
    assert document.enrichments.count() == 22


PAGE = b"<html><head><title>Warranty</title></head><body><p>Every kettle is covered for two years.</p></body></html>"


def add_page(knowledge_base, url):
    document = Document.objects.create(
        organization=knowledge_base.organization, knowledge_base=knowledge_base, source=Document.Source.URL, url=url
    )
    process_document(document.pk)
    document.refresh_from_db()
    return document


def test_page_identical_to_document_fails_with_reason(ingest, knowledge_base, settings):
    settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = True
    uploaded = ingest("warranty.html", PAGE)

    with LocalSite({"/warranty": (200, {}, PAGE)}) as site:
        page = add_page(knowledge_base, f"{site.base_url}/warranty")

    assert page.status == Document.Status.FAILED
    assert "same content as “warranty.html”" in page.status_reason
    assert not Chunk.objects.filter(document=page).exists()
    assert Chunk.objects.filter(document=uploaded).exists()
    with translation.override("zh-hans"):
        assert "此网页与知识库中已有的“warranty.html”内容相同" in page.get_status_reason_display()


def test_page_fetched_again_is_not_its_own_copy(knowledge_base, settings):
    settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = True

    with LocalSite({"/warranty": (200, {}, PAGE)}) as site:
        page = add_page(knowledge_base, f"{site.base_url}/warranty")
        queue_document(page, enqueue=False)
        status = process_document(page.pk)

    assert status == Document.Status.READY
    assert Chunk.objects.filter(document=page).count() == 1


def test_reingestion_of_upload_with_same_bytes_succeeds(ingest):
    document = ingest("warranty.md", b"# Warranty\n\nTwo years.\n")

    queue_document(document, enqueue=False)

    assert process_document(document.pk) == Document.Status.READY
    document.refresh_from_db()
    assert document.version == 2
