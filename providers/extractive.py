"""The offline extractive model: answers by quoting the passages that best match the question.

It needs no network and no key. It ranks `ChatRequest.passages` by term overlap with the
last user message, counting words for Latin script and characters plus character bigrams
for CJK. A passage must also pass a relevance floor (`is_relevant`), so a single common
word shared with the question quotes nothing. The answer quotes the best sentences of the top
passages word for word, with " … " where sentences were left out, with numbered citations,
and states that it is not a language model. Usage is zero tokens because nothing is billed.

The answer is plain text, because the API returns it as it is. Paragraphs are separated by a
blank line: first the statement that this is not a language model, then one paragraph per
quote, for example

    “Refunds are issued within 14 days after we receive the return.” [1]

A quote is the passage's sentences on one line between curly quotation marks, followed by
the number of its source. A source is a distinct (label, url) pair, so two passages of the
same document page or section share one number. `ChatResult.citations` lists one passage per
source in number order, so citation n is item n - 1. A passage with neither label nor url is
quoted without a number. The playground and the web widget show quote paragraphs as block quotes:
the server matches them with `QUOTE_PARAGRAPH`, and their JavaScript with a copy of it while
an answer streams.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter

from .base import (
    ChatRequest,
    ChatResult,
    ErrorCode,
    FinishReason,
    Passage,
    StreamEnd,
    TextDelta,
    error_for,
)

PROVIDER = "extractive"
MODEL_ID = "extractive-v1"

MAX_PASSAGES = 3
MAX_SENTENCES_PER_PASSAGE = 2
MAX_QUOTE_CHARS = 400
# A passage joins the answer only if it scores at least this share of the best one.
RELATIVE_SCORE_CUTOFF = 0.35
# A passage is relevant when it covers at least this share of the question's IDF weight, or
# when it contains at least MIN_MATCHED_WORDS distinct question words. See `is_relevant`.
MIN_WEIGHTED_COVERAGE = 0.5
MIN_MATCHED_WORDS = 2
# A line is taken for a heading only if it has at most this many words.
MAX_HEADING_WORDS = 8

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"
CJK_RUN = re.compile(f"[{CJK}]+")
LATIN_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A Latin sentence ends at . ! ? or ; followed by white space, so the dots inside
# "people@acme.test" or "v1.2" do not split it. A CJK sentence ends at its full-width mark,
# a blank line ends a paragraph, and a line that starts a list item ends the sentence before
# it. Any other line break inside a paragraph is a space.
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])\s*|\n\s*\n|\n\s*(?=(?:[-*•]|[0-9]{1,3}[.)])\s)")
LIST_MARKER = re.compile(r"(?:[-*•]|[0-9]{1,3}[.)])\s+")
# A line that follows a heading starts with a capital letter, a digit or a CJK character.
CAPITALISED_LINE = re.compile(f"[A-Z0-9{CJK}]")
# Two quoted sentences are joined with a semicolon when the first has no closing punctuation
# (list items, headings), so they do not run together.
CLOSING_PUNCTUATION = tuple(".!?;:…。！？；：")
# Word-sized stream deltas: one CJK character or punctuation mark, or leading spaces plus one other word.
DELTA = re.compile(f"\\s*(?:[{CJK}{CJK_PUNCTUATION}]|[^\\s{CJK}{CJK_PUNCTUATION}]+)|\\s+$")

QUOTE_OPEN = "\u201c"  # “
QUOTE_CLOSE = "\u201d"  # ”
# One quote paragraph of an answer: group "quote" is the quoted text and group "number" the
# source number, absent for a passage with no source. Use it with `fullmatch` on a paragraph.
QUOTE_PARAGRAPH = re.compile(f"{QUOTE_OPEN}(?P<quote>[^\\n]+){QUOTE_CLOSE}(?: \\[(?P<number>[0-9]+)\\])?")

# The last line contains the words that frame a question ("how long", "how many", "do I get",
# "does it take") rather than name its topic.
STOP_WORDS = frozenset(
    """a an and are as at be by can do does for from how i in is it of on or our that the this
    to was what when where which who why will with you your my me we they he she its
    get got long many much often soon take need have has there any please tell know about""".split()
)
# Verbs that frame a request ("how do I reset my password?", "where can I find the form?").
# They still pick the sentences to quote, but the relevance floor (`is_relevant`) does not ask
# a passage to cover them: a passage about the password answers the first question.
FRAME_VERBS = frozenset("reset change find use make create update set request".split())

# Function characters too common in Chinese questions to count as a match on their own.
# They still count inside bigrams.
CJK_STOP_CHARACTERS = frozenset("的了是在我你他她它们吗呢吧啊和与及或有要么什怎哪谁这那个请")

TEXTS = {
    "en": {
        "intro": "I am not a language model: this answer quotes the passages of the knowledge base that best match your question.",
        "no_match": (
            "I am not a language model, and no passage of the knowledge base matches your question, "
            "so I cannot answer it. Try other words, or add documents that cover this topic."
        ),
    },
    "zh": {
        "intro": "我不是语言模型：以下回答直接引用知识库中与您的问题最相关的段落。",
        "no_match": "我不是语言模型。知识库中没有与您的问题相匹配的段落，因此无法回答。请换一种说法，或添加涵盖此主题的文档。",
    },
}


def is_chinese(text: str) -> bool:
    """Return True when CJK characters make up at least a third of the letters in `text`."""
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    letters = sum(1 for char in text if char.isalpha())
    return cjk > 0 and cjk * 3 >= letters


def terms(text: str) -> list[str]:
    """Split text into index terms: lower-cased non-stop words, and CJK characters plus bigrams."""
    result = []
    for run in CJK_RUN.findall(text):
        result.extend(char for char in run if char not in CJK_STOP_CHARACTERS)
        result.extend(run[index : index + 2] for index in range(len(run) - 1))
    latin = CJK_RUN.sub(" ", text).lower()
    for word in LATIN_WORD.findall(latin):
        if word in STOP_WORDS:
            continue
        # Fold plain English plurals so "keys" matches "key".
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        result.append(word)
    return result


def inverse_document_frequencies(query: set[str], passage_terms: list[set[str]]) -> dict[str, float]:
    """Weight each query term by its smoothed IDF over the retrieved passages.

    The weight is 1 for a term that every passage contains and highest for a term that none
    contains, so a question word the retrieved knowledge never mentions ("wifi") weighs most.
    """
    document_frequency = Counter(term for found in passage_terms for term in found & query)
    count = len(passage_terms)
    return {term: 1.0 + math.log((1 + count) / (1 + document_frequency[term])) for term in query}


def rank_passages(question: str, passages: list[Passage]) -> list[tuple[float, Passage]]:
    """Score each passage by the IDF-weighted query terms it contains; best first, zero scores dropped."""
    query = set(terms(question))
    if not query or not passages:
        return []
    passage_terms = [set(terms(passage.text)) for passage in passages]
    weights = inverse_document_frequencies(query, passage_terms)
    scored = []
    for passage, found in zip(passages, passage_terms, strict=True):
        matched = found & query
        if not matched:
            continue
        scored.append((sum(weights[term] for term in matched), passage))
    # Ties keep the retrieval order, which `sorted` preserves.
    return sorted(scored, key=lambda item: (-item[0], -item[1].score))


def is_relevant(question: str, passage: Passage, passages: list[Passage]) -> bool:
    """Return True when `passage` matches enough of the question to be quoted as an answer.

    The passage, with its label, must cover at least half of the question's IDF weight
    (weights from `inverse_document_frequencies` over `passages`), or contain at least two
    distinct question words, which is how a passage answers one part of a question that asks
    several things. So one common word ("office", "hours") shared with a longer question is
    too weak, but one word that is most of the question ("refunds") is enough. For a Chinese
    question one shared CJK bigram ("退款") is enough, and a single shared character is not.
    """
    query = set(terms(question))
    query = (query - FRAME_VERBS) or query
    if not query:
        return False
    weights = inverse_document_frequencies(query, [set(terms(other.text)) for other in passages])
    matched = query & set(terms(f"{passage.text}\n{passage.label}"))
    coverage = sum(weights[term] for term in matched) / sum(weights.values())
    words = [term for term in matched if len(term) >= 2]
    # NOTE: without word segmentation the frame of a Chinese question ("需要多长时间") cannot
    # be distinguished from its topic, so coverage would reject good answers and one bigram must do.
    bigrams = [term for term in words if CJK_RUN.fullmatch(term)]
    if is_chinese(question) and bigrams:
        return True
    return coverage >= MIN_WEIGHTED_COVERAGE or len(words) >= MIN_MATCHED_WORDS


def is_heading(line: str, next_line: str) -> bool:
    """Return True when `line`, which starts a sentence, reads as a heading or title above `next_line`.

    PDF text carries its title and headings as lines of their own, glued to the first sentence
    below them. A heading is short, has no closing punctuation, does not end in a stop word
    ("through the" is a wrapped line) and is followed by a capitalised line.
    """
    words = line.split()
    return (
        0 < len(words) <= MAX_HEADING_WORDS
        and not line.endswith(CLOSING_PUNCTUATION)
        and not line.endswith(",")
        and words[-1].lower() not in STOP_WORDS
        and not LIST_MARKER.match(line)
        and CAPITALISED_LINE.match(next_line) is not None
    )


def split_sentences(text: str) -> list[tuple[str, bool]]:
    """Split `text` into (sentence, is heading) pairs in reading order, each on one line."""
    result = []
    for piece in SENTENCE_END.split(text):
        if not piece or not piece.strip():
            continue
        lines = [line.strip() for line in piece.strip().split("\n")]
        lines = [line for line in lines if line]
        # Every piece starts a sentence, so its leading lines may be headings.
        while len(lines) > 1 and is_heading(lines[0], lines[1]):
            result.append((lines.pop(0), True))
        sentence = LIST_MARKER.sub("", " ".join(lines), count=1)
        sentence = " ".join(sentence.split())
        if sentence:
            result.append((sentence, False))
    return result


def is_quotable(sentence: str) -> bool:
    """Return True unless `sentence` is a single token, such as the bare file name of an image.

    A chunk of an image or a recording whose description was skipped contains only its file name.
    """
    return len(sentence.split()) >= 2 or (CJK_RUN.search(sentence) is not None and "." not in sentence)


def best_sentences(question: str, text: str) -> str:
    """Quote the sentences of `text` that share the most terms with the question, word for word.

    Headings are never quoted. Sentences that are not adjacent in `text` are joined with an
    ellipsis, so the quote shows where something was left out.
    """
    sentences = split_sentences(text)
    candidates = [index for index, (sentence, heading) in enumerate(sentences) if not heading and is_quotable(sentence)]
    if not candidates:
        return ""
    query = set(terms(question))
    overlaps = [(len(query & set(terms(sentences[index][0]))), index) for index in candidates]
    matching = [(overlap, index) for overlap, index in overlaps if overlap > 0]
    best = sorted(matching, key=lambda item: (-item[0], item[1]))[:MAX_SENTENCES_PER_PASSAGE]
    # The passage matched as a whole but no single sentence did: quote its opening.
    chosen = sorted(index for _, index in best) or candidates[:1]
    quote = join_sentences([(index, sentences[index][0]) for index in chosen], chinese=is_chinese(text))
    if len(quote) > MAX_QUOTE_CHARS:
        quote = quote[: MAX_QUOTE_CHARS - 1].rstrip() + "…"
    return quote


def join_sentences(sentences: list[tuple[int, str]], chinese: bool) -> str:
    """Join (position, sentence) pairs: an ellipsis across a gap, else a space, or a semicolon after an unfinished one.

    Chinese puts no space around the ellipsis or after a sentence.
    """
    quote = ""
    previous = None
    for position, sentence in sentences:
        if previous is not None and position > previous + 1:
            quote += "…" if chinese else " … "
        elif quote and quote.endswith(CLOSING_PUNCTUATION):
            quote += "" if chinese else " "
        elif quote:
            quote += "；" if chinese else "; "
        quote += sentence
        previous = position
    return quote


def compose_answer(request: ChatRequest) -> tuple[str, list[Passage]]:
    """Build the answer text and its citations: one passage per source, in number order."""
    question = next((message.content for message in reversed(request.messages) if message.role == "user"), "")
    texts = TEXTS["zh" if is_chinese(question) else "en"]
    ranked = rank_passages(question, request.passages)
    if not ranked:
        return texts["no_match"], []
    ranked = [(score, passage) for score, passage in ranked if is_relevant(question, passage, request.passages)]
    if not ranked:
        return texts["no_match"], []
    best_score = ranked[0][0]
    chosen = [passage for score, passage in ranked[:MAX_PASSAGES] if score >= best_score * RELATIVE_SCORE_CUTOFF]

    # Quotes are grouped by source, in the order each source first appears in the ranking,
    # so the quotes of one source are adjacent and the numbers ascend. Passages with no source
    # form the group None.
    groups: dict[tuple[str, str] | None, list[str]] = {}
    first_passage: dict[tuple[str, str], Passage] = {}
    quoted = set()
    for passage in chosen:
        quote = best_sentences(question, passage.text)
        # Overlapping chunks of one document, or one file uploaded twice, can yield the same
        # sentences twice: the first source quotes them and the other gets no number.
        if not quote or quote in quoted:
            continue
        quoted.add(quote)
        source = (passage.label, passage.url) if (passage.label or passage.url) else None
        groups.setdefault(source, []).append(quote)
        if source is not None:
            first_passage.setdefault(source, passage)
    if not groups:
        return texts["no_match"], []

    paragraphs = [texts["intro"]]
    citations = []
    for source, quotes in groups.items():
        suffix = ""
        if source is not None:
            citations.append(first_passage[source])
            suffix = f" [{len(citations)}]"
        paragraphs.extend(f"{QUOTE_OPEN}{quote}{QUOTE_CLOSE}{suffix}" for quote in quotes)
    return "\n\n".join(paragraphs), citations


def split_deltas(text: str) -> list[str]:
    """Split `text` into word-sized pieces (one CJK character each) that join back to `text`."""
    return DELTA.findall(text)


class ExtractiveAdapter:
    """The ChatAdapter of the offline extractive model."""

    provider = PROVIDER
    shared = False

    def __repr__(self):
        return "ExtractiveAdapter()"

    def _answer(self, request: ChatRequest) -> ChatResult:
        if request.model != MODEL_ID:
            raise error_for(
                ErrorCode.MODEL_NOT_FOUND,
                f"Unknown extractive model {request.model!r}: the only one is {MODEL_ID!r}",
                provider=PROVIDER,
            )
        text, cited = compose_answer(request)
        return ChatResult(
            text=text,
            input_tokens=0,
            output_tokens=0,
            finish_reason=FinishReason.STOP,
            provider_finish_reason="stop",
            request_id=f"extractive-{uuid.uuid4().hex}",
            model=MODEL_ID,
            citations=cited,
        )

    async def chat(self, request: ChatRequest) -> ChatResult:
        return self._answer(request)

    async def stream(self, request: ChatRequest):
        result = self._answer(request)
        for piece in split_deltas(result.text):
            yield TextDelta(piece)
        yield StreamEnd(result)

    async def list_models(self) -> list[str]:
        return [MODEL_ID]

    def chat_sync(self, request: ChatRequest) -> ChatResult:
        return self._answer(request)

    async def aclose(self):
        """Release nothing: the extractive model holds no connection."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        pass
