"""Golden question pages: list, add, edit, delete, import and export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agents.bluegreen.clone import clone_agent
from agents.models import GoldenQuestion

pytestmark = pytest.mark.django_db

BAD_ID = "00000000-0000-0000-0000-000000000000"


def url(agent, suffix=""):
    return f"/agents/{agent.public_id}/golden/{suffix}"


def test_golden_list_shows_family_questions(client_for, agent, questions):
    clone = clone_agent(agent)

    response = client_for("builder").get(url(clone))

    body = response.content.decode()
    assert response.status_code == 200
    assert "How do I reset my password?" in body
    assert "Rotterdam" in body


@pytest.mark.parametrize(
    "method, suffix",
    [("post", ""), ("get", "add/"), ("get", "import/"), ("post", "export.csv")],
)
def test_golden_views_wrong_method(client_for, agent, method, suffix):
    assert getattr(client_for("builder"), method)(url(agent, suffix)).status_code == 405


@pytest.mark.parametrize("suffix", ["", "export.csv"])
def test_golden_get_views_outsider_404(client_for, agent, suffix):
    assert client_for("outsider").get(url(agent, suffix)).status_code == 404


@pytest.mark.parametrize("suffix", ["", "export.csv"])
def test_golden_get_views_without_permission_403(client_for, agent, suffix):
    assert client_for("support").get(url(agent, suffix)).status_code == 403


@pytest.mark.parametrize("suffix", ["", "export.csv"])
def test_golden_get_views_bad_id_404(client_for, agent, suffix):
    assert client_for("builder").get(f"/agents/{BAD_ID}/golden/{suffix}").status_code == 404


def test_golden_add(client_for, agent):
    response = client_for("builder").post(
        url(agent, "add/"),
        {"question": " Where is the warehouse? ", "must_contain": "Rotterdam\n\nRotterdam\nweekday", "must_not_contain": "", "expected_document": ""},
    )

    assert response.status_code == 302
    question = GoldenQuestion.objects.get()
    assert question.question == "Where is the warehouse?"
    assert question.must_contain == ["Rotterdam", "weekday"]
    assert question.family_id == agent.family_id
    assert question.organization == agent.organization


def test_golden_add_rejects_contradiction(client_for, agent):
    response = client_for("builder").post(
        url(agent, "add/"), {"question": "Q?", "must_contain": "refund", "must_not_contain": "Refund"}
    )

    assert response.status_code == 400
    assert "both required and forbidden" in response.content.decode()
    assert not GoldenQuestion.objects.exists()


def test_golden_add_outsider_404(client_for, agent):
    assert client_for("outsider").post(url(agent, "add/"), {"question": "Q?"}).status_code == 404
    assert not GoldenQuestion.objects.exists()


def test_golden_add_without_permission_403(client_for, agent):
    assert client_for("finance").post(url(agent, "add/"), {"question": "Q?"}).status_code == 403


def test_golden_add_bad_id_404(client_for, agent):
    assert client_for("builder").post(f"/agents/{BAD_ID}/golden/add/", {"question": "Q?"}).status_code == 404


def test_golden_edit(client_for, agent, questions):
    question = questions[0]
    page = client_for("builder").get(url(agent, f"{question.public_id}/"))

    response = client_for("builder").post(
        url(agent, f"{question.public_id}/"),
        {"question": "How can I reset my password?", "must_contain": "reset link\nhour", "must_not_contain": "fax"},
    )

    assert page.status_code == 200
    assert "reset link" in page.content.decode()
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.question == "How can I reset my password?"
    assert question.must_contain == ["reset link", "hour"]


def test_golden_edit_wrong_method(client_for, agent, questions):
    assert client_for("builder").put(url(agent, f"{questions[0].public_id}/")).status_code == 405


def test_golden_edit_outsider_404(client_for, agent, questions):
    assert client_for("outsider").get(url(agent, f"{questions[0].public_id}/")).status_code == 404


def test_golden_edit_without_permission_403(client_for, agent, questions):
    assert client_for("support").get(url(agent, f"{questions[0].public_id}/")).status_code == 403


def test_golden_edit_bad_id_404(client_for, agent, questions):
    assert client_for("builder").get(url(agent, f"{BAD_ID}/")).status_code == 404


def test_golden_edit_other_family_404(client_for, org, agent, questions):
    from .conftest import make_agent

    stranger = make_agent(org, name="Sales bot")

    assert client_for("builder").get(url(stranger, f"{questions[0].public_id}/")).status_code == 404


def test_golden_delete(client_for, agent, questions):
    response = client_for("builder").post(url(agent, f"{questions[0].public_id}/delete/"))

    assert response.status_code == 302
    assert GoldenQuestion.objects.count() == 2


def test_golden_delete_wrong_method(client_for, agent, questions):
    assert client_for("builder").get(url(agent, f"{questions[0].public_id}/delete/")).status_code == 405


def test_golden_delete_outsider_404(client_for, agent, questions):
    assert client_for("outsider").post(url(agent, f"{questions[0].public_id}/delete/")).status_code == 404
    assert GoldenQuestion.objects.count() == 3


def test_golden_delete_without_permission_403(client_for, agent, questions):
    assert client_for("support").post(url(agent, f"{questions[0].public_id}/delete/")).status_code == 403
    assert GoldenQuestion.objects.count() == 3


def test_golden_delete_bad_id_404(client_for, agent, questions):
    assert client_for("builder").post(url(agent, f"{BAD_ID}/delete/")).status_code == 404


def csv_file(text, encoding="utf-8"):
    return SimpleUploadedFile("golden.csv", text.encode(encoding), content_type="text/csv")


def test_golden_import_view(client_for, agent):
    data = "question,must_contain,must_not_contain,expected_document\nWhere?,Rotterdam,,\n"

    response = client_for("builder").post(url(agent, "import/"), {"file": csv_file(data)})

    assert response.status_code == 302
    assert GoldenQuestion.objects.get().question == "Where?"


def test_golden_import_view_shows_error(client_for, agent):
    response = client_for("builder").post(url(agent, "import/"), {"file": csv_file("question\nWhere?\n")})

    assert response.status_code == 400
    assert "missing the column(s) must_contain" in response.content.decode()
    assert not GoldenQuestion.objects.exists()


def test_golden_import_view_outsider_404(client_for, agent):
    response = client_for("outsider").post(url(agent, "import/"), {"file": csv_file("question\n")})
    assert response.status_code == 404


def test_golden_import_view_without_permission_403(client_for, agent):
    response = client_for("support").post(url(agent, "import/"), {"file": csv_file("question\n")})
    assert response.status_code == 403


def test_golden_import_view_bad_id_404(client_for, agent):
    response = client_for("builder").post(f"/agents/{BAD_ID}/golden/import/", {"file": csv_file("question\n")})
    assert response.status_code == 404


def test_golden_export_view(client_for, agent, questions):
    response = client_for("builder").get(url(agent, "export.csv"))

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="golden-questions-helpdesk.csv"' in response["Content-Disposition"]
    assert body.splitlines()[0] == "question,must_contain,must_not_contain,expected_document"
    assert "How do I reset my password?,reset link,fax," in body
