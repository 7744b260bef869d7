import uuid

import pytest

from orgs.models import Membership

URL = "/orgs/switch/"


@pytest.fixture
def two_org_admin(members, other_org):
    """The admin of org is also a finance member of other_org."""
    Membership.objects.create(user=members["admin"], organization=other_org, roles=["finance"])
    return members["admin"]


@pytest.mark.django_db
def test_switch_works(client, two_org_admin, other_org):
    client.force_login(two_org_admin)
    response = client.post(URL, {"organization": str(other_org.public_id), "next": "/settings/plan/"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/plan/"
    page = client.get("/")
    assert b"Welcome to Other Co" in page.content
    assert client.get("/settings/members/").status_code == 403


@pytest.mark.django_db
def test_switch_shows_selector_for_two_orgs(client, two_org_admin):
    client.force_login(two_org_admin)
    response = client.get("/")
    assert b'id="org-switch"' in response.content
    assert b"Other Co" in response.content


@pytest.mark.django_db
def test_switch_to_foreign_org_is_ignored(client_for, org, other_org):
    client = client_for("admin")
    response = client.post(URL, {"organization": str(other_org.public_id)})
    assert response.status_code == 302
    assert b"Welcome to Acme Test" in client.get("/").content


@pytest.mark.django_db
def test_switch_bad_id_keeps_current(client_for):
    client = client_for("admin")
    client.post(URL, {"organization": str(uuid.uuid4())})
    assert b"Welcome to Acme Test" in client.get("/").content


@pytest.mark.django_db
def test_switch_rejects_external_next(client, two_org_admin, other_org):
    client.force_login(two_org_admin)
    response = client.post(URL, {"organization": str(other_org.public_id), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_switch_wrong_method_405(client_for):
    assert client_for("admin").get(URL).status_code == 405


@pytest.mark.django_db
def test_switch_lost_membership_falls_back(client, two_org_admin, org, other_org):
    client.force_login(two_org_admin)
    client.post(URL, {"organization": str(other_org.public_id)})
    Membership.objects.filter(user=two_org_admin, organization=other_org).delete()
    assert b"Welcome to Acme Test" in client.get("/").content
