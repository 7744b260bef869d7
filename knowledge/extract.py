"""Text extraction: decide a file's type from its content and turn it into sections and assets.

Sections carry the page, heading or URL that citations show. Assets (images, audio, video,
and page images of PDFs without a text layer) go to Gemini enrichment. Every failure raises
ExtractionError with a message written for the person who uploaded the file.
"""

import csv
import io
import logging
import math
import re
import wave
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

import charset_normalizer
import filetype
from django.conf import settings
from django.utils.translation import gettext_noop

from .messages import MessageError, StoredMessage

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
CSV = "text/csv"
PLAIN = "text/plain"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
AUDIO_TYPES = {"audio/mpeg", "audio/x-wav", "audio/mp4", "audio/ogg"}
VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime", "video/x-m4v"}
TEXT_TYPES = {HTML, MARKDOWN, CSV, PLAIN}
SUPPORTED_TYPES = {PDF, DOCX} | TEXT_TYPES | IMAGE_TYPES | AUDIO_TYPES | VIDEO_TYPES

# Byte order marks, longest first so UTF-32 LE is not read as UTF-16 LE.
BOMS = [
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<!--)", re.IGNORECASE)
MARKDOWN_HINT = re.compile(r"^(#{1,6} |\s*[-*+] |\s*\d+\. |```|> )", re.MULTILINE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class ExtractionError(MessageError):
    """The file cannot be read. The message says what is wrong, for the person who uploaded it."""


@dataclass
class Section:
    text: str
    page: int | None = None
    heading: str = ""
    url: str = ""
    markdown: bool = False  # text uses '#' headings that the chunker follows


@dataclass
class Asset:
    # Shown in the enrichment list, e.g. "diagram.png" or "page 3". It identifies the asset's
    # Enrichment row, so it never depends on the active language.
    name: str
    kind: str  # "image" or "media"
    data: bytes = field(repr=False)
    mime_type: str
    page: int | None = None
    seconds: int = 0  # media duration, exact for WAV and estimated otherwise
    label: StoredMessage | None = None  # the name as warnings show it, if it is translatable

    def get_label(self):
        return self.label or StoredMessage.literal(self.name)


@dataclass
class Extracted:
    mime_type: str
    title: str = ""
    sections: list[Section] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    # A PDF without a text layer: its page images are the only source of text.
    needs_page_enrichment: bool = False


def detect_type(data: bytes) -> str:
    """Return the MIME type of data judged from its content, never from a file name."""
    if not data.strip():
        raise ExtractionError(gettext_noop("The file is empty."))
    if data.lstrip()[:5] == b"%PDF-":
        return PDF

    kind = filetype.guess(data)
    if kind is not None:
        if kind.mime in SUPPORTED_TYPES:
            return kind.mime
        if kind.mime == "audio/x-m4a":
            return "audio/mp4"
        raise ExtractionError(
            gettext_noop(
                "Files of type %(type)s are not supported. Upload PDF, DOCX, HTML, Markdown, "
                "text, CSV, an image (PNG, JPEG, WebP, GIF), audio (MP3, WAV, M4A, OGG) or "
                "video (MP4, WebM, MOV)."
            ),
            type=kind.mime,
        )

    if HTML_START.match(data[:1024]):
        return HTML
    text = decode_text(data)
    head = text[:4096]
    if re.search(r"<(html|body|p|div|h1|article)[\s>]", head, re.IGNORECASE):
        return HTML
    if _looks_like_csv(head):
        return CSV
    if MARKDOWN_HINT.search(head):
        return MARKDOWN
    return PLAIN


def _looks_like_csv(head):
    lines = [line for line in head.splitlines()[:10] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
    except csv.Error:
        return False
    counts = {line.count(dialect.delimiter) for line in lines}
    return len(counts) == 1 and counts.pop() >= 1


def decode_text(data: bytes) -> str:
    """Decode text strictly: a byte order mark, else UTF-8, else charset-normalizer's guess."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise ExtractionError(
                    gettext_noop("The file starts with a %(encoding)s byte order mark but is not valid %(encoding)s."),
                    encoding=encoding.upper(),
                ) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096] and not _looks_like_utf16(data):
        raise ExtractionError(gettext_noop("The file is binary data of a type that is not supported."))
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise ExtractionError(
            gettext_noop("The text encoding could not be detected. Save the file as UTF-8 and upload it again.")
        )
    # Short Western text scores the same under several single-byte code pages, and
    # charset-normalizer then picks the first (often cp1250, which turns "ï" into "ď").
    # Windows-1252 is by far the most common of them, so it wins a tie.
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos:
            return str(match)
    return str(best)


def _looks_like_utf16(data):
    sample = data[:4096]
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4


def extract(data: bytes, *, filename: str = "", url: str = "") -> Extracted:
    """Extract sections and assets from data; raise ExtractionError when nothing can be read."""
    mime_type = detect_type(data)
    stem = filename.rsplit("/", 1)[-1] or url
    if mime_type == PDF:
        result = extract_pdf(data)
    elif mime_type == DOCX:
        result = extract_docx(data)
    elif mime_type == HTML:
        result = extract_html(decode_text(data), url=url)
    elif mime_type == CSV:
        result = extract_csv(decode_text(data))
    elif mime_type in (MARKDOWN, PLAIN):
        text = decode_text(data)
        result = Extracted(mime_type, sections=[Section(text, url=url, markdown=mime_type == MARKDOWN)])
        result.title = _first_heading(text) if mime_type == MARKDOWN else ""
    elif mime_type in IMAGE_TYPES:
        result = extract_image(data, mime_type, stem)
    else:
        result = extract_media(data, mime_type, stem)
    result.mime_type = mime_type
    for section in result.sections:
        section.url = section.url or url
    return result


def _first_heading(text):
    for line in text.splitlines()[:50]:
        match = HEADING.match(line)
        if match:
            return match.group(2)[:300]
    return ""


def extract_pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError(
                gettext_noop("The PDF is password-protected. Remove the password and upload it again.")
            )
        pages = list(reader.pages)
    except FileNotDecryptedError as error:
        raise ExtractionError(
            gettext_noop("The PDF is password-protected. Remove the password and upload it again.")
        ) from error
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError) as error:
        raise ExtractionError(
            gettext_noop("The PDF is damaged or truncated and cannot be read (%(error)s)."), error=str(error)
        ) from error

    result = Extracted(PDF)
    title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    result.title = str(title or "")[:300]
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError) as error:
            logger.warning("Text of PDF page %s could not be read: %s", number, error)
            text = ""
        if text.strip():
            result.sections.append(Section(text, page=number))
    if result.sections:
        return result

    result.needs_page_enrichment = True
    for number, page in enumerate(pages, start=1):
        try:
            images = list(page.images)
        except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
            logger.warning("Images of PDF page %s could not be read: %s", number, error)
            continue
        for index, image in enumerate(images, start=1):
            if len(images) > 1:
                msgid, params = gettext_noop("page %(page)s (%(index)s)"), {"page": number, "index": index}
            else:
                msgid, params = gettext_noop("page %(page)s"), {"page": number}
            label = StoredMessage(msgid, **params)
            name = msgid % params  # untranslated, so the Enrichment row is found in any language
            mime = filetype.guess_mime(image.data) or "image/png"
            result.assets.append(Asset(name, "image", image.data, mime, page=number, label=label))
    if not result.assets:
        raise ExtractionError(
            gettext_noop("The PDF has no extractable text: it has no text layer and no page images to describe.")
        )
    return result


def check_zip_limits(data: bytes) -> None:
    """Raise ExtractionError unless the archive's declared sizes stay within the limits.

    Runs before python-docx opens the archive, so a decompression bomb is never inflated.
    """
    max_total = settings.KNOWLEDGE_MAX_UNCOMPRESSED_MB * 1024 * 1024
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise ExtractionError(gettext_noop("The DOCX file is damaged or truncated and cannot be read.")) from error
    if len(members) > settings.KNOWLEDGE_MAX_ZIP_MEMBERS:
        raise ExtractionError(
            gettext_noop("The DOCX file contains %(count)s parts, more than the limit of %(limit)s."),
            count=len(members),
            limit=settings.KNOWLEDGE_MAX_ZIP_MEMBERS,
        )
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > settings.KNOWLEDGE_MAX_COMPRESSION_RATIO and member.file_size > 1024 * 1024:
            raise ExtractionError(
                gettext_noop("The DOCX file looks like a decompression bomb: %(name)s expands %(ratio)s times."),
                name=member.filename,
                ratio=int(ratio),
            )
    if total > max_total:
        raise ExtractionError(
            gettext_noop("The DOCX file expands to %(size)s MB, more than the limit of %(limit)s MB."),
            size=math.ceil(total / 1024 / 1024),
            limit=settings.KNOWLEDGE_MAX_UNCOMPRESSED_MB,
        )


def extract_docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip_limits(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ExtractionError(gettext_noop("The DOCX file is damaged or truncated and cannot be read.")) from error

    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            lines.append("")
            continue
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        level = re.match(r"Heading (\d)", style)
        if style == "Title" or level:
            depth = int(level.group(1)) if level else 1
            lines.extend(["", "#" * min(depth, 6) + " " + text, ""])
        else:
            lines.extend([text, ""])
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
        lines.append("")
    text = "\n".join(lines)
    result = Extracted(DOCX, title=(document.core_properties.title or "")[:300])
    if text.strip():
        result.sections.append(Section(text, markdown=True))
    return result


class _TextOnly(HTMLParser):
    """Fallback for pages trafilatura finds no main content in: all visible text."""

    SKIP = {"script", "style", "noscript", "template"}

    def __init__(self):
        super().__init__()
        self.parts, self.skipping, self.title, self.in_title = [], 0, "", False

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP
        self.in_title = tag == "title"
        if tag in {"p", "div", "br", "li", "h1", "h2", "h3", "tr"}:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIP and self.skipping > 0
        self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skipping:
            self.parts.append(data)


def extract_html(html: str, *, url: str = "") -> Extracted:
    import trafilatura

    text = trafilatura.extract(
        html, url=url or None, output_format="markdown", include_comments=False,
        include_tables=True, favor_recall=True,
    )
    metadata = trafilatura.extract_metadata(html)
    parser = _TextOnly()
    parser.feed(html)
    if not text or not text.strip():
        text = re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts)).strip()
    title = (metadata.title if metadata and metadata.title else parser.title).strip()
    result = Extracted(HTML, title=title[:300])
    if text:
        result.sections.append(Section(text, url=url, markdown=True))
    return result


def extract_csv(text: str) -> Extracted:
    """Turn each row into "column: value" pairs, so a chunk keeps its column names."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return Extracted(CSV)
    header, lines = rows[0], []
    for row in rows[1:]:
        pairs = [f"{name}: {value}" for name, value in zip(header, row) if value.strip()]
        if pairs:
            lines.append("; ".join(pairs))
    if not lines:  # a single row: index it as it is
        lines = ["; ".join(header)]
    return Extracted(CSV, sections=[Section("\n\n".join(lines))])


def extract_image(data: bytes, mime_type: str, name: str) -> Extracted:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ExtractionError(gettext_noop("The image is damaged or truncated and cannot be read.")) from error
    return Extracted(mime_type, assets=[Asset(name or "image", "image", data, mime_type)])


# NOTE: no media parser is among the dependencies, so durations other than WAV are estimated
# from the size at 128 kbit/s. The hosted quota is reserved by that estimate.
ESTIMATED_BYTES_PER_SECOND = 16_000


def media_seconds(data: bytes, mime_type: str) -> int:
    """Return the duration of a media file in whole seconds (estimated unless WAV)."""
    if mime_type == "audio/x-wav":
        try:
            with wave.open(io.BytesIO(data)) as clip:
                return max(1, math.ceil(clip.getnframes() / clip.getframerate()))
        except (wave.Error, EOFError, ZeroDivisionError) as error:
            raise ExtractionError(gettext_noop("The WAV file is damaged or truncated and cannot be read.")) from error
    return max(1, math.ceil(len(data) / ESTIMATED_BYTES_PER_SECOND))


def extract_media(data: bytes, mime_type: str, name: str) -> Extracted:
    seconds = media_seconds(data, mime_type)
    return Extracted(
        mime_type, assets=[Asset(name or "media", "media", data, mime_type, seconds=seconds)]
    )
