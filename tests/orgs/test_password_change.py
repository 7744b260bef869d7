import pytest

from tests.conftest import PASSWORD

URL = "/accounts/password_change/"
NEW_PASSWORD = "a-new-long-passphrase-42"


@pytest.mark.django_db
def test_password_change_page_works(client_for):
    response = client_for("builder").get(URL)
    assert response.status_code == 200
    assert b"Change your password" in response.content


@pytest.mark.django_db
def test_password_change_saves(client_for, members):
    client = client_for("builder")
    response = client.post(
        URL,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    members["builder"].refresh_from_db()
    assert members["builder"].check_password(NEW_PASSWORD)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_password_change_wrong_old_password(client_for, members):
    response = client_for("builder").post(
        URL, {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert b"Your old password was entered incorrectly." in response.content
    members["builder"].refresh_from_db()
    assert members["builder"].check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_password_change_wrong_method_405(client_for):
    assert client_for("builder").delete(URL).status_code == 405
