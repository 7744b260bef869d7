import csv
import io

import pytest

from orgs import audit

URL = "/settings/audit/export.csv"


def rows_of(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def events(org, other_org, members):
    audit.record(org, "member.invited", actor=members["admin"], details={"email": "a@example.com"})
    audit.record(org, "key.added", actor=members["security"], details={"label": "=HYPERLINK(1)"})
    audit.record(other_org, "member.invited", details={"email": "hidden@other.example"})


@pytest.mark.django_db
def test_export_works(client_for, events):
    response = client_for("security").get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-acme-test-')
    rows = rows_of(response)
    assert rows[0] == ["time", "actor", "action", "target_type", "target_id", "ip_address", "details"]
    assert [row[2] for row in rows[1:]] == ["key.added", "member.invited"]


@pytest.mark.django_db
def test_export_applies_filters(client_for, events):
    rows = rows_of(client_for("admin").get(URL, {"action": "member.invited"}))
    assert len(rows) == 2
    assert rows[1][1] == "admin@test.example"
    assert "a@example.com" in rows[1][6]


@pytest.mark.django_db
def test_export_excludes_other_org(client_for, events):
    body = b"".join(client_for("admin").get(URL).streaming_content)
    assert b"hidden@other.example" not in body


@pytest.mark.django_db
def test_export_neutralizes_formulas(client_for, members, org):
    audit.record(org, "=cmd|' /C calc'!A0", actor=members["admin"])
    rows = rows_of(client_for("admin").get(URL))
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


@pytest.mark.django_db
def test_export_bad_filter_400(client_for, events):
    response = client_for("admin").get(URL, {"date_to": "yesterday"})
    assert response.status_code == 400
    assert b"date_to='yesterday'" in response.content
    assert b"Enter a valid date." in response.content


@pytest.mark.django_db
def test_export_wrong_method_405(client_for):
    assert client_for("admin").post(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["builder", "support", "finance"])
def test_export_forbidden_403(client_for, role):
    assert client_for(role).get(URL).status_code == 403
