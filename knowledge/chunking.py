"""Structure-aware chunking: split at headings and paragraphs, with overlap between chunks.

A chunk never spans two headings or two pages, so its citation (page, heading, URL) is
exact. Within one heading, the last paragraph of a chunk (when short enough) is repeated at
the start of the next, so a passage cut at a boundary is still found whole.
"""

import re
from dataclasses import dataclass

from .extract import HEADING, Section

CHUNK_CHARS = 1200
OVERLAP_CHARS = 250
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass
class ChunkDraft:
    text: str
    page: int | None
    heading: str
    url: str


def _paragraphs(text):
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        block = block.strip()
        if block:
            yield block


def _split_long(paragraph):
    """Split a paragraph longer than a chunk at sentence ends, else at whitespace."""
    if len(paragraph) <= CHUNK_CHARS:
        return [paragraph]
    pieces, current = [], ""
    for sentence in SENTENCE_END.split(paragraph):
        while len(sentence) > CHUNK_CHARS:
            cut = sentence.rfind(" ", 0, CHUNK_CHARS)
            cut = cut if cut > CHUNK_CHARS // 2 else CHUNK_CHARS
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + len(sentence) + 1 > CHUNK_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def _blocks(section):
    """Yield (heading, paragraph) pairs; Markdown headings start a new heading."""
    heading = section.heading
    for paragraph in _paragraphs(section.text):
        lines = paragraph.split("\n")
        match = HEADING.match(lines[0]) if section.markdown else None
        if match:
            heading = match.group(2).strip()[:300]
            lines = lines[1:]
            if not "\n".join(lines).strip():
                continue
            paragraph = "\n".join(lines).strip()
        for piece in _split_long(paragraph):
            yield heading, piece


def chunk_sections(sections: list[Section]) -> list[ChunkDraft]:
    """Return the chunks of the sections in reading order."""
    drafts = []
    for section in sections:
        current, current_heading, last_paragraph = [], None, ""

        def flush():
            if current:
                drafts.append(
                    ChunkDraft("\n\n".join(current), section.page, current_heading or "", section.url)
                )

        for heading, paragraph in _blocks(section):
            if heading != current_heading:
                flush()
                current, current_heading, last_paragraph = [], heading, ""
            size = sum(len(part) + 2 for part in current)
            if current and size + len(paragraph) > CHUNK_CHARS:
                flush()
                current = [last_paragraph] if 0 < len(last_paragraph) <= OVERLAP_CHARS else []
            current.append(paragraph)
            last_paragraph = paragraph
        flush()
    return drafts
