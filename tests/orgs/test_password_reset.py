import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD

URL = "/accounts/password_reset/"


@pytest.mark.django_db
def test_password_reset_page_works(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Reset your password" in response.content


@pytest.mark.django_db
def test_password_reset_sends_link(client, members):
    response = client.post(URL, {"email": "support@test.example"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your FlexyAgents password"
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(path, follow=True)
    assert b"Choose a password" in response.content
    form_url = response.redirect_chain[-1][0]
    new_password = PASSWORD + "-new"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    members["support"].refresh_from_db()
    assert members["support"].check_password(new_password)


@pytest.mark.django_db
def test_password_reset_unknown_email_sends_nothing(client, members):
    response = client.post(URL, {"email": "nobody@test.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_password_reset_bad_link(client):
    response = client.get("/accounts/reset/MQ/bad-token/")
    assert response.status_code == 200
    assert b"This link no longer works" in response.content


@pytest.mark.django_db
def test_password_reset_wrong_method_405(client):
    assert client.delete(URL).status_code == 405
