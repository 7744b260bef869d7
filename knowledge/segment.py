"""Word segmentation for the search index: CJK runs split into words, other text unchanged.

PostgreSQL's text search configurations and SQLite's unicode61 tokenizer split on whitespace
and punctuation, so an unsegmented Chinese sentence would index as one long token. Both the
index and the query go through `segment_for_index`, so their words match.
"""

import re

import rjieba

# Han ideographs (with extension A and compatibility forms), kana and Hangul syllables.
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
WORD = re.compile(r"\w+")
MAX_QUERY_TERMS = 32

# Words too common to rank by; dropped from queries unless nothing else is left.
QUERY_STOPWORDS = frozenset(
    "a an and are as at be by do does for from how i in is it me my of on or our so that the "
    "this to we what when where which who why will with you your".split()
)


def _segment_run(match):
    # cut_for_search also emits the shorter words inside long compounds, so a query for
    # "退款" finds text that contains "退款政策".
    return " " + " ".join(rjieba.cut_for_search(match.group(0))) + " "


def segment_for_index(text: str) -> str:
    """Return text with every CJK run replaced by its space-separated words."""
    return CJK_RUN.sub(_segment_run, text)


def query_terms(query: str) -> list[str]:
    """Return the distinct lower-case search terms of query, without common stopwords."""
    terms = []
    for word in WORD.findall(segment_for_index(query).lower()):
        if word not in terms:
            terms.append(word)
    meaningful = [term for term in terms if term not in QUERY_STOPWORDS]
    return (meaningful or terms)[:MAX_QUERY_TERMS]
