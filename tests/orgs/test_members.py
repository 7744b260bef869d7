import pytest

from orgs.models import Membership

URL = "/settings/members/"


@pytest.mark.django_db
def test_members_page_works(client_for, members):
    response = client_for("admin").get(URL)
    assert response.status_code == 200
    for user in members.values():
        assert user.email.encode() in response.content
    assert b"Invite a member" in response.content


@pytest.mark.django_db
def test_members_page_hides_other_org(client_for, outsider):
    response = client_for("admin").get(URL)
    assert outsider.email.encode() not in response.content


@pytest.mark.django_db
def test_members_page_wrong_method_405(client_for):
    assert client_for("admin").post(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "builder", "support", "finance"])
def test_members_page_forbidden_403(client_for, role):
    assert client_for(role).get(URL).status_code == 403


@pytest.mark.django_db
def test_members_page_htmx_returns_table(client_for):
    response = client_for("admin").get(URL, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="members-table"' in response.content
    assert b"<html" not in response.content


@pytest.mark.django_db
def test_members_page_sorts_by_email(client_for, members):
    response = client_for("admin").get(URL, {"sort": "-member"})
    table = response.content.decode().split('id="members"', 1)[1]
    assert table.index("support@test.example") < table.index("admin@test.example")


@pytest.mark.django_db
def test_members_page_marks_pending(client_for, org, django_user_model):
    user = django_user_model.objects.create(username="new@test.example", email="new@test.example")
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organization=org, roles=["builder"])
    response = client_for("admin").get(URL)
    assert b"Invitation pending" in response.content
