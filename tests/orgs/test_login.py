import pytest
from django.test import override_settings

from tests.conftest import PASSWORD

LOGIN_URL = "/accounts/login/"


@pytest.mark.django_db
def test_login_page_works(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert b"Sign in to FlexyAgents" in response.content


@pytest.mark.django_db
def test_login_page_in_chinese(client):
    client.cookies["django_language"] = "zh-hans"
    response = client.get(LOGIN_URL)
    assert "登录 FlexyAgents".encode() in response.content


@pytest.mark.django_db
def test_login_with_password(client, members):
    response = client.post(LOGIN_URL, {"username": "admin@test.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_login_follows_next(client, members):
    response = client.post(
        LOGIN_URL + "?next=/settings/plan/",
        {"username": "finance@test.example", "password": PASSWORD, "next": "/settings/plan/"},
    )
    assert response["Location"] == "/settings/plan/"


@pytest.mark.django_db
def test_login_wrong_password_shows_error(client, members):
    response = client.post(LOGIN_URL, {"username": "admin@test.example", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password." in response.content


@pytest.mark.django_db
def test_login_wrong_method_405(client):
    assert client.delete(LOGIN_URL).status_code == 405


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_locks_out_after_failures(client, members):
    for _ in range(2):
        response = client.post(LOGIN_URL, {"username": "admin@test.example", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(LOGIN_URL, {"username": "admin@test.example", "password": "wrong"})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert b"Try again in 15 minutes" in response.content

    response = client.post(LOGIN_URL, {"username": "admin@test.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_page_in_chinese(client, members):
    client.cookies["django_language"] = "zh-hans"
    for _ in range(3):
        response = client.post(LOGIN_URL, {"username": "admin@test.example", "password": "wrong"})
    assert response.status_code == 429
    assert "尝试失败次数过多".encode() in response.content


@pytest.mark.django_db
def test_logout_needs_post(client_for):
    client = client_for("admin")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_language_switch_before_login(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": LOGIN_URL})
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert "登录".encode() in client.get(LOGIN_URL).content
