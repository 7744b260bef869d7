import uuid

import pytest

from orgs.models import AuditEvent, Membership


def url_for(membership_or_id):
    public_id = getattr(membership_or_id, "public_id", membership_or_id)
    return f"/settings/members/{public_id}/"


def membership_of(user):
    return Membership.objects.get(user=user)


@pytest.mark.django_db
def test_roles_page_works(client_for, members):
    response = client_for("admin").get(url_for(membership_of(members["builder"])))
    assert response.status_code == 200
    assert b"Roles of builder@test.example" in response.content
    assert b'value="builder" checked' in response.content


@pytest.mark.django_db
def test_roles_change_saves_and_audits(client_for, members):
    membership = membership_of(members["builder"])
    response = client_for("admin").post(url_for(membership), {"roles": ["builder", "finance"]})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.roles == ["builder", "finance"]
    event = AuditEvent.objects.get(action="member.roles_changed")
    assert event.details == {
        "email": "builder@test.example",
        "before": ["builder"],
        "after": ["builder", "finance"],
    }
    assert event.target_id == str(membership.public_id)


@pytest.mark.django_db
def test_roles_last_admin_cannot_demote_self(client_for, members):
    membership = membership_of(members["admin"])
    response = client_for("admin").post(url_for(membership), {"roles": ["finance"]})
    assert response.status_code == 200
    assert b"is the last member who can manage this organization" in response.content
    membership.refresh_from_db()
    assert membership.roles == ["admin"]
    assert not AuditEvent.objects.filter(action="member.roles_changed").exists()


@pytest.mark.django_db
def test_roles_demote_allowed_with_second_admin(client_for, members):
    Membership.objects.filter(user=members["security"]).update(roles=["security", "admin"])
    membership = membership_of(members["admin"])
    response = client_for("admin").post(url_for(membership), {"roles": ["finance"]})
    assert response.status_code == 302
    assert response["Location"] == "/"
    membership.refresh_from_db()
    assert membership.roles == ["finance"]


@pytest.mark.django_db
def test_roles_inactive_admin_does_not_count(client_for, members, org, django_user_model):
    inactive = django_user_model.objects.create_user("gone@test.example", "gone@test.example", is_active=False)
    Membership.objects.create(user=inactive, organization=org, roles=["admin"])
    membership = membership_of(members["admin"])
    response = client_for("admin").post(url_for(membership), {"roles": ["finance"]})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.roles == ["admin"]


@pytest.mark.django_db
def test_roles_empty_shows_error(client_for, members):
    membership = membership_of(members["builder"])
    response = client_for("admin").post(url_for(membership), {})
    assert response.status_code == 200
    assert b"Pick at least one role." in response.content
    membership.refresh_from_db()
    assert membership.roles == ["builder"]


@pytest.mark.django_db
def test_roles_wrong_method_405(client_for, members):
    response = client_for("admin").delete(url_for(membership_of(members["builder"])))
    assert response.status_code == 405


@pytest.mark.django_db
def test_roles_outsider_404(client_for, members):
    response = client_for("outsider").get(url_for(membership_of(members["builder"])))
    assert response.status_code == 404


@pytest.mark.django_db
def test_roles_other_org_membership_404(client_for, outsider):
    response = client_for("admin").post(url_for(membership_of(outsider)), {"roles": ["support"]})
    assert response.status_code == 404
    assert membership_of(outsider).roles == ["admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "builder", "support", "finance"])
def test_roles_forbidden_403(client_for, members, role):
    membership = membership_of(members["support"])
    response = client_for(role).post(url_for(membership), {"roles": ["admin"]})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.roles == ["support"]


@pytest.mark.django_db
def test_roles_bad_id_404(client_for):
    assert client_for("admin").get(url_for(uuid.uuid4())).status_code == 404


@pytest.mark.django_db
def test_roles_malformed_id_404(client_for):
    assert client_for("admin").get("/settings/members/not-a-uuid/").status_code == 404
