import datetime

import pytest
from django.utils import timezone

from orgs import audit
from orgs.models import AuditEvent

URL = "/settings/audit/"


@pytest.fixture
def events(org, other_org, members):
    admin = members["admin"]
    created = [
        audit.record(org, "member.invited", actor=admin, details={"email": "a@example.com"}),
        audit.record(org, "key.revealed", actor=members["security"], target=("ApiKey", "k1")),
        audit.record(org, "member.removed", actor=admin, details={"email": "b@example.com"}),
        audit.record(other_org, "key.revealed", details={"email": "hidden@other.example"}),
    ]
    old = timezone.now() - datetime.timedelta(days=40)
    AuditEvent.objects.filter(pk=created[0].pk).update(at=old)
    return created


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "security"])
def test_audit_page_works(client_for, events, role):
    response = client_for(role).get(URL)
    assert response.status_code == 200
    assert b"member.invited" in response.content
    assert b"key.revealed" in response.content
    assert b"hidden@other.example" not in response.content


@pytest.mark.django_db
def test_audit_filter_by_action(client_for, events):
    response = client_for("admin").get(URL, {"action": "member.removed"})
    table = response.content.decode().split('id="audit-events"', 1)[1]
    assert "b@example.com" in table
    assert "a@example.com" not in table
    assert "ApiKey" not in table


@pytest.mark.django_db
def test_audit_filter_by_date_range(client_for, events):
    today = timezone.localdate().isoformat()
    response = client_for("admin").get(URL, {"date_from": today, "date_to": today})
    table = response.content.decode().split('id="audit-events"', 1)[1]
    assert "b@example.com" in table
    assert "a@example.com" not in table


@pytest.mark.django_db
def test_audit_bad_date_shows_message(client_for, events):
    response = client_for("admin").get(URL, {"date_from": "2026-13-45"})
    assert response.status_code == 200
    assert b"Some filters are invalid and were not applied" in response.content
    assert b"Enter a valid date." in response.content


@pytest.mark.django_db
def test_audit_reversed_dates_show_message(client_for, events):
    response = client_for("admin").get(URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert b"The end date 2026-05-01 is before the start date 2026-05-02" in response.content


@pytest.mark.django_db
def test_audit_unknown_action_shows_message(client_for, events):
    response = client_for("admin").get(URL, {"action": "no.such.action"})
    assert response.status_code == 200
    assert b"no.such.action is not one of the available choices" in response.content


@pytest.mark.django_db
def test_audit_sorts_by_action(client_for, events):
    response = client_for("admin").get(URL, {"sort": "action"})
    table = response.content.decode().split('id="audit-events"', 1)[1]
    assert table.index("key.revealed") < table.index("member.invited") < table.index("member.removed")


@pytest.mark.django_db
def test_audit_htmx_returns_results_only(client_for, events):
    response = client_for("admin").get(URL, {"action": "key.revealed"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="audit-results"' in response.content
    assert b"<html" not in response.content
    assert b"export.csv?action=key.revealed" in response.content


@pytest.mark.django_db
def test_audit_empty_state(client_for):
    response = client_for("admin").get(URL)
    assert b"No audit events match these filters." in response.content


@pytest.mark.django_db
def test_audit_wrong_method_405(client_for):
    assert client_for("admin").post(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["builder", "support", "finance"])
def test_audit_forbidden_403(client_for, role):
    assert client_for(role).get(URL).status_code == 403
