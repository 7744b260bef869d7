"""Word-level comparison of an original answer with its reproduction, for side-by-side display."""

import difflib
import re
from dataclasses import dataclass

# Words and the whitespace between them, so joined segments give back the original text.
TOKEN_PATTERN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    """A run of text that is the same on both sides ("equal"), only on the left ("removed") or only on the right ("added")."""

    kind: str
    text: str


@dataclass(frozen=True)
class WordDiff:
    left: list[Segment]
    right: list[Segment]
    similarity: float  # 0.0 to 1.0, difflib's ratio over words
    identical: bool


def word_diff(original: str, reproduction: str) -> WordDiff:
    """Compare two texts word by word with difflib; whitespace changes alone do not count."""
    left_tokens = TOKEN_PATTERN.findall(original or "")
    right_tokens = TOKEN_PATTERN.findall(reproduction or "")
    # Compare words only; whitespace tokens keep the layout but never make a difference.
    left_words = [token for token in left_tokens if not token.isspace()]
    right_words = [token for token in right_tokens if not token.isspace()]
    matcher = difflib.SequenceMatcher(None, left_words, right_words, autojunk=False)

    left_kinds = ["equal"] * len(left_words)
    right_kinds = ["equal"] * len(right_words)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            left_kinds[i1:i2] = ["removed"] * (i2 - i1)
        if tag in ("insert", "replace"):
            right_kinds[j1:j2] = ["added"] * (j2 - j1)

    return WordDiff(
        left=_segments(left_tokens, left_kinds),
        right=_segments(right_tokens, right_kinds),
        similarity=matcher.ratio() if (left_words or right_words) else 1.0,
        identical=left_words == right_words,
    )


def _segments(tokens, word_kinds) -> list[Segment]:
    """Merge tokens into runs of one kind; whitespace joins the run around it."""
    segments: list[Segment] = []
    kinds = iter(word_kinds)
    for token in tokens:
        if token.isspace():
            kind = segments[-1].kind if segments else "equal"
        else:
            kind = next(kinds)
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(kind, segments[-1].text + token)
        else:
            segments.append(Segment(kind, token))
    return segments
