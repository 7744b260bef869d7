"""The admin page that grants and revokes platform support access."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agents.models import SupportAccessGrant
from orgs.models import AuditEvent

URL = reverse("traces:support_access")


def revoke_url(grant):
    return reverse("traces:support_access_revoke", kwargs={"grant_id": grant.public_id})


@pytest.mark.django_db
def test_access_page_shows_state(client_for, grant):
    page = client_for("admin").get(URL).content.decode()
    assert "Platform support can open your traces until" in page
    assert "Ticket 42" in page


@pytest.mark.django_db
def test_access_grant_creates_audited_grant(client_for, org):
    response = client_for("admin").post(URL, {"days": "3", "reason": "Ticket 7"})
    assert response.status_code == 302
    grant = SupportAccessGrant.objects.get(organization=org)
    assert grant.is_active()
    assert abs((grant.ends_at - grant.starts_at) - timedelta(days=3)) < timedelta(seconds=1)
    event = AuditEvent.objects.get(organization=org, action="support_access.granted")
    assert event.details["days"] == 3
    assert event.target_id == str(grant.public_id)


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "31", "-2", "seven", ""])
def test_access_grant_rejects_bad_length(client_for, org, days):
    response = client_for("admin").post(URL, {"days": days})
    assert response.status_code == 400
    assert not SupportAccessGrant.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_access_second_grant_rejected_while_active(client_for, org, grant):
    response = client_for("admin").post(URL, {"days": "5"})
    assert response.status_code == 400
    assert "already granted" in response.content.decode()
    assert SupportAccessGrant.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_access_revoke_ends_grant(client_for, org, grant):
    response = client_for("admin").post(revoke_url(grant))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert not grant.is_active()
    assert AuditEvent.objects.filter(organization=org, action="support_access.revoked").count() == 1


@pytest.mark.django_db
def test_access_revoke_twice_changes_nothing(client_for, org, grant):
    client = client_for("admin")
    client.post(revoke_url(grant))
    first = SupportAccessGrant.objects.get(pk=grant.pk).revoked_at
    client.post(revoke_url(grant))
    assert SupportAccessGrant.objects.get(pk=grant.pk).revoked_at == first
    assert AuditEvent.objects.filter(organization=org, action="support_access.revoked").count() == 1


@pytest.mark.django_db
def test_access_wrong_method_405(client_for, grant):
    client = client_for("admin")
    assert client.put(URL).status_code == 405
    assert client.get(revoke_url(grant)).status_code == 405


@pytest.mark.django_db
def test_access_outsider_404(client_for, grant):
    # The outsider manages their own organization, but another org's grant is not found.
    assert client_for("outsider").post(revoke_url(grant)).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["support", "builder", "security", "finance"])
def test_access_without_permission_403(client_for, grant, role):
    client = client_for(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"days": "3"}).status_code == 403
    assert client.post(revoke_url(grant)).status_code == 403


@pytest.mark.django_db
def test_access_revoke_bad_id_404(client_for):
    url = reverse("traces:support_access_revoke", kwargs={"grant_id": uuid.uuid4()})
    assert client_for("admin").post(url).status_code == 404


@pytest.mark.django_db
def test_grant_length_validated_by_model(org, members):
    now = timezone.now()
    grant = SupportAccessGrant(organization=org, starts_at=now, ends_at=now + timedelta(days=31))
    with pytest.raises(ValidationError, match="1 to 30 days"):
        grant.full_clean()
