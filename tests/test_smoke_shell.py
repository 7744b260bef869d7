import pytest

from orgs.context_processors import NAVIGATION


@pytest.mark.django_db
def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_dashboard_renders_for_admin(client_for):
    response = client_for("admin").get("/")
    assert response.status_code == 200
    assert b"Acme Test" in response.content


@pytest.mark.django_db
def test_navigation_urls_resolve(client_for):
    client = client_for("admin")
    for url_name, *_ in NAVIGATION:
        from django.urls import reverse

        assert client.get(reverse(url_name)).status_code in (200, 302)
