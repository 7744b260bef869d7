import re

import pytest
from django.core import mail

from orgs.models import AuditEvent, Membership
from tests.conftest import PASSWORD

URL = "/settings/members/invite/"


@pytest.mark.django_db
def test_invite_creates_user_and_sends_link(client_for, org, django_user_model):
    client = client_for("admin")
    response = client.post(URL, {"email": "New.Person@Example.com", "roles": ["builder", "support"]})
    assert response.status_code == 302
    assert response["Location"] == "/settings/members/"

    user = django_user_model.objects.get(email="new.person@example.com")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user, organization=org)
    assert membership.roles == ["builder", "support"]

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert "Acme Test" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert link is not None


@pytest.mark.django_db
def test_invite_link_sets_password(client_for, client, org, django_user_model):
    client_for("admin").post(URL, {"email": "new@example.com", "roles": ["builder"]})
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    assert django_user_model.objects.get(email="new@example.com").check_password(PASSWORD)


@pytest.mark.django_db
def test_invite_existing_user_adds_membership(client_for, outsider, org):
    client_for("admin").post(URL, {"email": outsider.email, "roles": ["finance"]})
    assert Membership.objects.get(user=outsider, organization=org).roles == ["finance"]
    assert "/accounts/reset/" not in mail.outbox[0].body
    assert "/accounts/login/" in mail.outbox[0].body


@pytest.mark.django_db
def test_invite_is_audited(client_for, members, org):
    client_for("admin").post(URL, {"email": "new@example.com", "roles": ["builder"]})
    event = AuditEvent.objects.get(action="member.invited")
    assert event.organization == org
    assert event.actor == members["admin"]
    assert event.details == {"email": "new@example.com", "roles": ["builder"]}


@pytest.mark.django_db
def test_invite_active_member_shows_error(client_for, members):
    response = client_for("admin").post(URL, {"email": members["builder"].email, "roles": ["support"]})
    assert response.status_code == 200
    assert b"is already a member of Acme Test" in response.content
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_invite_pending_member_resends(client_for, org):
    client = client_for("admin")
    client.post(URL, {"email": "new@example.com", "roles": ["builder"]})
    response = client.post(URL, {"email": "new@example.com", "roles": ["builder"]})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(action="member.invitation_resent").count() == 1


@pytest.mark.django_db
def test_invite_invalid_email_shows_error(client_for, django_user_model):
    before = django_user_model.objects.count()
    response = client_for("admin").post(URL, {"email": "not-an-email", "roles": ["builder"]})
    assert response.status_code == 200
    assert b"Enter a valid email address." in response.content
    assert django_user_model.objects.count() == before


@pytest.mark.django_db
def test_invite_without_roles_shows_error(client_for):
    response = client_for("admin").post(URL, {"email": "new@example.com"})
    assert response.status_code == 200
    assert b"Pick at least one role." in response.content


@pytest.mark.django_db
def test_invite_unknown_role_shows_error(client_for):
    response = client_for("admin").post(URL, {"email": "new@example.com", "roles": ["owner"]})
    assert response.status_code == 200
    assert b"owner is not one of the available choices" in response.content


@pytest.mark.django_db
def test_invite_error_in_chinese(client_for):
    client = client_for("admin")
    client.cookies["django_language"] = "zh-hans"
    response = client.post(URL, {"email": "new@example.com"})
    assert "请至少选择一个角色".encode() in response.content


@pytest.mark.django_db
def test_invite_wrong_method_405(client_for):
    assert client_for("admin").get(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "builder", "support", "finance"])
def test_invite_forbidden_403(client_for, role):
    response = client_for(role).post(URL, {"email": "new@example.com", "roles": ["admin"]})
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="new@example.com").exists()
