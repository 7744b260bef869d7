"""Type detection, extraction of each format, text encodings and bad input."""

import io
import zipfile

import pytest

from knowledge.extract import ExtractionError, decode_text, detect_type, extract

from .media import docx_bytes, encrypted_pdf_bytes, png_bytes, text_pdf_bytes, wav_bytes

HTML_PAGE = b"""<!DOCTYPE html><html><head><title>Returns | Acme</title></head><body>
<nav>Home | Shop | Contact</nav>
<article><h1>Returns</h1><p>You can return any unused item within thirty days of delivery.
Print the label from your account and drop the parcel at any post office.</p>
<p>Refunds reach your card within five working days after the parcel arrives.</p></article>
<footer>Copyright Acme</footer></body></html>"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (text_pdf_bytes(["Hello"]), "application/pdf"),
        (docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (HTML_PAGE, "text/html"),
        (b"# Title\n\nSome *markdown* text.", "text/markdown"),
        (b"name,role\nAda,engineer\nGrace,admiral\n", "text/csv"),
        (b"Just a plain sentence.", "text/plain"),
        (png_bytes(), "image/png"),
        (wav_bytes(0.1), "audio/x-wav"),
    ],
)
def test_detect_type_from_content(data, expected):
    assert detect_type(data) == expected


def test_wrong_extension_uses_content():
    result = extract(text_pdf_bytes(["Quarterly report"]), filename="notes.txt")

    assert result.mime_type == "application/pdf"
    assert result.sections[0].text.strip() == "Quarterly report"


def test_pdf_keeps_page_numbers():
    result = extract(text_pdf_bytes(["First page", "Second page"]))

    assert [(section.page, section.text.strip()) for section in result.sections] == [
        (1, "First page"),
        (2, "Second page"),
    ]


def test_docx_headings_become_markdown():
    result = extract(docx_bytes("Travel policy", ["Book trains for short trips."]))

    assert "# Travel policy" in result.sections[0].text
    assert "Book trains" in result.sections[0].text


def test_html_keeps_main_content_and_title():
    result = extract(HTML_PAGE, url="https://acme.example/returns")

    text = result.sections[0].text
    assert result.title.startswith("Returns")
    assert "thirty days" in text
    assert "Copyright Acme" not in text
    assert result.sections[0].url == "https://acme.example/returns"


def test_csv_rows_keep_column_names():
    result = extract(b"name,role\nAda,engineer\nGrace,admiral\n")

    assert "name: Ada; role: engineer" in result.sections[0].text


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ("Café déjà vu – “quoted”".encode("utf-8"), "Café déjà vu – “quoted”"),
        (b"\xef\xbb\xbf" + "Grüße aus Köln".encode("utf-8"), "Grüße aus Köln"),
        ("退款政策：三十天内".encode("utf-16"), "退款政策：三十天内"),
        (b"\xfe\xff" + "Ĳssel".encode("utf-16-be"), "Ĳssel"),
        (
            "Les employés reçoivent une prime de fin d’année – voir la politique “Avantages” ci-dessous. "
            "Le café est offert à volonté.".encode("cp1252"),
            "Les employés reçoivent une prime de fin d’année – voir la politique “Avantages” ci-dessous. "
            "Le café est offert à volonté.",
        ),
    ],
)
def test_decode_text_keeps_every_character(encoded, expected):
    assert decode_text(encoded) == expected


def test_invalid_bom_text_fails_instead_of_dropping_bytes():
    with pytest.raises(ExtractionError, match="not valid UTF-8"):
        decode_text(b"\xef\xbb\xbfabc\xff\xfe\xfa")


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_file_fails(data):
    with pytest.raises(ExtractionError, match="empty"):
        extract(data)


def test_truncated_pdf_fails_with_reason():
    with pytest.raises(ExtractionError, match="damaged or truncated"):
        extract(text_pdf_bytes(["Hello"])[:60])


def test_password_protected_pdf_fails():
    with pytest.raises(ExtractionError, match="password-protected"):
        extract(encrypted_pdf_bytes())


def test_truncated_docx_fails():
    with pytest.raises(ExtractionError, match="damaged or truncated"):
        extract(docx_bytes()[:2000])


def test_truncated_image_fails():
    with pytest.raises(ExtractionError, match="damaged or truncated"):
        extract(png_bytes()[:40])


def test_unsupported_binary_type_fails():
    with pytest.raises(ExtractionError, match="not supported"):
        extract(b"\x7fELF\x02\x01\x01" + b"\x00" * 200)


def test_docx_decompression_bomb_rejected_before_opening(settings):
    settings.KNOWLEDGE_MAX_UNCOMPRESSED_MB = 5
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100_000

    with pytest.raises(ExtractionError, match="decompression bomb|expands to"):
        extract(data)
