"""Word-level comparison of an answer with its reproduction."""

from agents.traces.diff import word_diff


def joined(segments):
    return "".join(segment.text for segment in segments)


def kinds(segments):
    return [(segment.kind, segment.text.strip()) for segment in segments]


def test_diff_identical_texts():
    result = word_diff("Refunds take 5 days.", "Refunds take 5 days.")
    assert result.identical
    assert result.similarity == 1.0
    assert kinds(result.left) == [("equal", "Refunds take 5 days.")]


def test_diff_marks_changed_words():
    result = word_diff("Refunds take 5 days.", "Refunds take 10 days.")
    assert not result.identical
    assert ("removed", "5") in kinds(result.left)
    assert ("added", "10") in kinds(result.right)
    assert 0 < result.similarity < 1


def test_diff_keeps_text_and_layout():
    original, reproduction = "Line one\n\nLine  two", "Line one\nLine three"
    result = word_diff(original, reproduction)
    assert joined(result.left) == original
    assert joined(result.right) == reproduction


def test_diff_ignores_whitespace_only_changes():
    assert word_diff("a  b\nc", "a b c").identical


def test_diff_against_empty_original():
    result = word_diff("", "New answer")
    assert result.left == []
    assert kinds(result.right) == [("added", "New answer")]
    assert result.similarity == 0.0
