"""Golden question CSV import and export: validation, encoding, all-or-nothing."""

import pytest

from agents.bluegreen.golden_csv import GoldenImportError, export_csv, import_csv
from agents.models import GoldenQuestion

pytestmark = pytest.mark.django_db

HEADER = "question,must_contain,must_not_contain,expected_document\n"


def test_import_creates_questions_with_phrases(agent):
    data = (HEADER + 'How do I reset my password?,reset link | email,fax,Handbook\n"Refunds, how long?",30 days,,\n').encode()

    created, skipped = import_csv(agent.organization, agent.family_id, data)

    assert (created, skipped) == (2, 0)
    first, second = GoldenQuestion.objects.order_by("id")
    assert first.must_contain == ["reset link", "email"]
    assert first.must_not_contain == ["fax"]
    assert first.expected_document == "Handbook"
    assert second.question == "Refunds, how long?"
    assert second.family_id == agent.family_id


def test_import_accepts_byte_order_mark_and_column_order(agent):
    data = "\ufeffexpected_document,question,must_not_contain,must_contain\n,Where is the warehouse?,,Rotterdam\n".encode()

    created, _skipped = import_csv(agent.organization, agent.family_id, data)

    assert created == 1
    assert GoldenQuestion.objects.get().must_contain == ["Rotterdam"]


def test_import_skips_existing_questions(agent, questions):
    data = (HEADER + "How do I reset my password?,reset,,\nA new question?,,,\n").encode()

    assert import_csv(agent.organization, agent.family_id, data) == (1, 1)
    assert GoldenQuestion.objects.count() == 4


def test_import_missing_columns_names_them(agent):
    with pytest.raises(GoldenImportError, match="must_not_contain, expected_document"):
        import_csv(agent.organization, agent.family_id, b"question,must_contain\nHi?,hello\n")
    assert not GoldenQuestion.objects.exists()


def test_import_bad_encoding_names_fix(agent):
    data = (HEADER + "Où est le entrepôt?,Rotterdam,,\n").encode("latin-1")

    with pytest.raises(GoldenImportError, match="not valid UTF-8.*CSV UTF-8"):
        import_csv(agent.organization, agent.family_id, data)
    assert not GoldenQuestion.objects.exists()


def test_import_is_all_or_nothing(agent):
    data = (HEADER + "First question?,a,,\nSecond question?,b,,\n,c,,\n").encode()

    with pytest.raises(GoldenImportError, match="Line 4 has an empty question"):
        import_csv(agent.organization, agent.family_id, data)
    assert not GoldenQuestion.objects.exists()


def test_import_rejects_phrase_both_required_and_forbidden(agent):
    with pytest.raises(GoldenImportError, match="both as required and as forbidden"):
        import_csv(agent.organization, agent.family_id, (HEADER + "Q?,Refund,refund,\n").encode())


def test_import_rejects_extra_cells(agent):
    with pytest.raises(GoldenImportError, match="more cells than the header"):
        import_csv(agent.organization, agent.family_id, (HEADER + "Q?,a,b,c,d\n").encode())


def test_import_rejects_header_only(agent):
    with pytest.raises(GoldenImportError, match="no questions"):
        import_csv(agent.organization, agent.family_id, HEADER.encode())


def test_import_rejects_empty_file(agent):
    with pytest.raises(GoldenImportError, match="missing the column"):
        import_csv(agent.organization, agent.family_id, b"")


def test_export_round_trips(agent, questions):
    GoldenQuestion.objects.filter(pk=questions[0].pk).update(expected_document="handbook", must_contain=["a, b", "c"])
    text = export_csv(GoldenQuestion.objects.order_by("id"))
    GoldenQuestion.objects.all().delete()

    created, _skipped = import_csv(agent.organization, agent.family_id, text.encode())

    assert created == 3
    first = GoldenQuestion.objects.order_by("id").first()
    assert first.must_contain == ["a, b", "c"]
    assert first.must_not_contain == ["fax"]
    assert first.expected_document == "handbook"
