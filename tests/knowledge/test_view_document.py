"""The page of one document: status, enrichments and indexed passages."""

import io
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from knowledge.messages import StoredMessage
from knowledge.models import Document, Enrichment
from knowledge.pipeline import process_document, reason_values

from .conftest import make_document
from .media import encrypted_pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def url(document):
    return reverse("knowledge:document", args=[document.public_id])


def test_document_shows_passages_and_enrichment(client_for, ingest):
    document = ingest("guide.md", b"# Setup\n\nPlug in the router.")
    Enrichment.objects.create(
        document=document, asset="photo.png", kind="image", billing_source="skipped", status="skipped",
        reason="The Starter plan has no hosted models.",
    )

    response = client_for("builder").get(url(document))

    assert response.status_code == 200
    assert "Plug in the router." in response.text
    assert "The Starter plan has no hosted models." in response.text
    assert "Re-process enrichment" in response.text


def test_document_shows_billed_by_google(client_for, ingest):
    document = ingest("guide.md", b"Text")
    Enrichment.objects.create(
        document=document, asset="photo.png", kind="image", billing_source="org_google", status="done", text="A cat."
    )

    response = client_for("builder").get(url(document))

    assert "Billed by Google" in response.text
    assert "A cat." in response.text


def test_document_status_fragment_polls_while_processing(client_for, knowledge_base):
    document = make_document(knowledge_base, "a.txt", b"Hello")

    response = client_for("builder").get(url(document), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="document-status")

    assert response.text.lstrip().startswith('<div class="card" id="document-status"')
    assert 'hx-trigger="every 2s"' in response.text


def test_document_rejects_post(client_for, ingest):
    assert client_for("builder").post(url(ingest("a.md", b"Hi"))).status_code == 405


def test_document_hidden_from_outsider(client_for, ingest):
    assert client_for("outsider").get(url(ingest("a.md", b"Hi"))).status_code == 404


def test_document_forbidden_without_build(client_for, ingest):
    assert client_for("support").get(url(ingest("a.md", b"Hi"))).status_code == 403


def test_document_unknown_id_404(client_for):
    assert client_for("builder").get(reverse("knowledge:document", args=[uuid.uuid4()])).status_code == 404


def page_in(client, document, language):
    client.cookies["django_language"] = language
    response = client.get(url(document))
    assert response.status_code == 200
    return response.text


def two_page_scan_bytes():
    """Return a two-page PDF whose pages are images without a text layer."""
    first, second = Image.new("RGB", (60, 80), (240, 240, 240)), Image.new("RGB", (60, 80), (200, 200, 200))
    buffer = io.BytesIO()
    first.save(buffer, "PDF", save_all=True, append_images=[second])
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "english", "chinese"),
    [
        ("empty.txt", b"", "The file is empty.", "文件为空。"),
        (
            "locked.pdf",
            encrypted_pdf_bytes(),
            "The PDF is password-protected. Remove the password and upload it again.",
            "该 PDF 受密码保护。请移除密码后重新上传。",
        ),
    ],
)
def test_failed_upload_reason_follows_language(client_for, ingest, filename, data, english, chinese):
    document = ingest(filename, data)
    client = client_for("builder")

    chinese_page = page_in(client, document, "zh-hans")
    english_page = page_in(client, document, "en")

    assert document.status == Document.Status.FAILED
    assert chinese in chinese_page
    assert english not in chinese_page
    assert english in english_page
    assert chinese not in english_page


def test_blocked_url_reason_follows_language(client_for, org, knowledge_base, settings):
    settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = False
    document = Document.objects.create(
        organization=org, knowledge_base=knowledge_base, source=Document.Source.URL,
        url="http://127.0.0.1:9/intranet", title="Intranet",
    )
    process_document(document.pk)
    client = client_for("builder")

    chinese_page = page_in(client, document, "zh-hans")
    english_page = page_in(client, document, "en")

    assert "不允许访问 127.0.0.1 的地址（本机回环网络）。请使用公网网址。" in chinese_page
    assert "is not allowed" not in chinese_page
    assert "The address of 127.0.0.1 is not allowed (loopback network). Use a public web address." in english_page


def test_each_warning_line_translates(client_for, org, ingest):
    org.enrichment_enabled = False
    org.save()
    document = ingest("scan.pdf", two_page_scan_bytes())
    client = client_for("builder")

    chinese_page = page_in(client, document, "zh-hans")
    english_page = page_in(client, document, "en")

    assert document.status_reason.count("\n") == 2
    skipped = "贵组织已关闭内容增强。管理员可以在“知识库”页面开启。"
    assert "该 PDF 没有可提取的文本，且其页面图像未被描述：<br>" in chinese_page
    assert f"第 1 页：{skipped}<br>" in chinese_page
    assert f"第 2 页：{skipped}</div>" in chinese_page
    assert "Enrichment is turned off" not in chinese_page
    assert "page 2: Enrichment is turned off for your organization." in english_page


def test_enrichment_reason_follows_language(client_for, org, ingest):
    org.plan.hosted_allowed = False
    org.plan.save()
    document = ingest("bike.png", png_bytes())
    client = client_for("builder")

    chinese_page = page_in(client, document, "zh-hans")
    english_page = page_in(client, document, "en")

    chinese = "Test plan 套餐不包含托管模型。请在 设置 → LLM API 密钥 中添加您自己的 Google Gemini 密钥，或升级套餐。"
    assert chinese_page.count(chinese) == 2  # in the status and in the Enrichment table
    assert "does not include hosted models" not in chinese_page
    assert "bike.png：" in chinese_page
    assert "The Test plan plan does not include hosted models." in english_page


def test_text_reason_of_old_row_still_shows(client_for, knowledge_base):
    document = make_document(
        knowledge_base, "old.txt", b"x", status=Document.Status.FAILED,
        status_reason="Fetching https://example.com/ timed out after 20 seconds.\nThe file is empty.",
    )

    chinese_page = page_in(client_for("builder"), document, "zh-hans")

    assert "Fetching https://example.com/ timed out after 20 seconds.<br>文件为空。" in chinese_page


def test_reason_params_are_escaped(client_for, knowledge_base):
    reason = StoredMessage("The server answered HTTP %(status)s for %(url)s.", status=404, url="https://x.test/<b>")
    document = make_document(
        knowledge_base, "a.txt", b"x", status=Document.Status.FAILED,
        **reason_values([reason]),
    )

    chinese_page = page_in(client_for("builder"), document, "zh-hans")

    assert "服务器对 https://x.test/&lt;b&gt; 返回了 HTTP 404。" in chinese_page
    assert "<b>" not in chinese_page
