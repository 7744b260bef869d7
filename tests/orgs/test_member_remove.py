import uuid

import pytest

from orgs.models import AuditEvent, Membership


def url_for(membership_or_id):
    public_id = getattr(membership_or_id, "public_id", membership_or_id)
    return f"/settings/members/{public_id}/remove/"


def membership_of(user):
    return Membership.objects.get(user=user)


@pytest.mark.django_db
def test_remove_works(client_for, members, django_user_model):
    membership = membership_of(members["support"])
    response = client_for("admin").post(url_for(membership))
    assert response.status_code == 302
    assert response["Location"] == "/settings/members/"
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert django_user_model.objects.filter(pk=members["support"].pk).exists()


@pytest.mark.django_db
def test_remove_is_audited(client_for, members, org):
    membership = membership_of(members["support"])
    client_for("admin").post(url_for(membership))
    event = AuditEvent.objects.get(action="member.removed")
    assert event.organization == org
    assert event.target_type == "Membership"
    assert event.target_id == str(membership.public_id)
    assert event.details == {"email": "support@test.example", "roles": ["support"]}


@pytest.mark.django_db
def test_remove_htmx_returns_table(client_for, members):
    response = client_for("admin").post(
        url_for(membership_of(members["support"])), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b'id="members-table"' in response.content
    assert b"support@test.example was removed" in response.content
    assert b"<html" not in response.content


@pytest.mark.django_db
def test_remove_last_admin_rejected(client_for, members):
    membership = membership_of(members["admin"])
    response = client_for("admin").post(url_for(membership), follow=True)
    assert response.status_code == 200
    assert b"is the last member who can manage this organization" in response.content
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.filter(action="member.removed").exists()


@pytest.mark.django_db
def test_remove_self_with_second_admin(client_for, members):
    Membership.objects.filter(user=members["security"]).update(roles=["security", "admin"])
    client = client_for("admin")
    response = client.post(url_for(membership_of(members["admin"])), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/"
    assert not Membership.objects.filter(user=members["admin"]).exists()


@pytest.mark.django_db
def test_remove_wrong_method_405(client_for, members):
    assert client_for("admin").get(url_for(membership_of(members["support"]))).status_code == 405


@pytest.mark.django_db
def test_remove_outsider_404(client_for, members):
    membership = membership_of(members["support"])
    assert client_for("outsider").post(url_for(membership)).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "builder", "support", "finance"])
def test_remove_forbidden_403(client_for, members, role):
    membership = membership_of(members["builder"] if role != "builder" else members["finance"])
    assert client_for(role).post(url_for(membership)).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_remove_bad_id_404(client_for):
    assert client_for("admin").post(url_for(uuid.uuid4())).status_code == 404
