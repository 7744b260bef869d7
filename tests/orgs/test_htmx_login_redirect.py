import pytest


@pytest.mark.django_db
def test_expired_htmx_request_redirects_page(client):
    response = client.get(
        "/settings/audit/?page=2",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/settings/audit/?action=key.revealed"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fsettings%2Faudit%2F%3Faction%3Dkey.revealed"
    assert response.content == b""


@pytest.mark.django_db
def test_expired_htmx_without_current_url(client):
    response = client.post("/settings/members/invite/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"


@pytest.mark.django_db
def test_expired_htmx_ignores_foreign_host(client):
    response = client.get(
        "/settings/members/",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/phish"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fphish"


@pytest.mark.django_db
def test_plain_request_keeps_302(client):
    response = client.get("/settings/members/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/settings/members/"
    assert "HX-Redirect" not in response


@pytest.mark.django_db
def test_signed_in_htmx_request_untouched(client_for):
    response = client_for("admin").get("/settings/members/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Redirect" not in response
