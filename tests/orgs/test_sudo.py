import time

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from orgs.models import AuditEvent
from orgs.sudo import SESSION_SUDO_KEY, sudo_is_fresh, sudo_required
from tests.conftest import PASSWORD

CONFIRM_URL = "/accounts/confirm-password/"


@sudo_required
def sensitive_view(request):
    return HttpResponse("secret action done")


def make_request(user, method="get", path="/settings/llm-keys/x/", confirmed_at=None, **headers):
    request = getattr(RequestFactory(), method)(path, headers=headers)
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = user
    if confirmed_at is not None:
        request.session[SESSION_SUDO_KEY] = confirmed_at
    return request


@pytest.mark.django_db
def test_confirm_page_works(client_for):
    response = client_for("security").get(CONFIRM_URL, {"next": "/settings/llm-keys/"})
    assert response.status_code == 200
    assert b'name="password"' in response.content
    assert b'value="/settings/llm-keys/"' in response.content


@pytest.mark.django_db
def test_confirm_page_wrong_method_405(client_for):
    response = client_for("security").put(CONFIRM_URL)
    assert response.status_code == 405


@pytest.mark.django_db
def test_confirm_page_requires_login(client):
    response = client.get(CONFIRM_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_correct_password_makes_sudo_fresh(client_for, members):
    client = client_for("security")
    response = client.post(CONFIRM_URL, {"password": PASSWORD, "next": "/settings/llm-keys/"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/llm-keys/"
    stored = client.session[SESSION_SUDO_KEY]
    assert isinstance(stored, int)
    assert abs(time.time() - stored) < 5


@pytest.mark.django_db
def test_session_stores_no_password(client_for):
    client = client_for("security")
    client.post(CONFIRM_URL, {"password": PASSWORD, "next": "/"})
    for value in dict(client.session).values():
        assert PASSWORD not in str(value)


@pytest.mark.django_db
def test_confirmation_is_audited(client_for, members, org):
    client_for("security").post(CONFIRM_URL, {"password": PASSWORD, "next": "/"})
    event = AuditEvent.objects.get(action="auth.password_confirmed")
    assert event.organization == org
    assert event.actor == members["security"]
    assert PASSWORD not in str(event.details)


@pytest.mark.django_db
def test_wrong_password_shows_error(client_for):
    client = client_for("security")
    response = client.post(CONFIRM_URL, {"password": "not-the-password", "next": "/"})
    assert response.status_code == 200
    assert b"That password is not correct" in response.content
    assert SESSION_SUDO_KEY not in client.session


@pytest.mark.django_db
def test_wrong_password_error_in_chinese(client_for):
    client = client_for("security")
    client.cookies["django_language"] = "zh-hans"
    response = client.post(CONFIRM_URL, {"password": "not-the-password", "next": "/"})
    assert response.status_code == 200
    assert "密码不正确".encode() in response.content


@pytest.mark.django_db
def test_external_next_goes_to_dashboard(client_for):
    client = client_for("security")
    response = client.post(CONFIRM_URL, {"password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_decorator_redirects_without_confirmation(members):
    response = sensitive_view(make_request(members["security"]))
    assert response.status_code == 302
    assert response["Location"] == CONFIRM_URL + "?next=%2Fsettings%2Fllm-keys%2Fx%2F"


@pytest.mark.django_db
def test_decorator_runs_view_when_fresh(members):
    request = make_request(members["security"], confirmed_at=int(time.time()) - 10)
    assert sudo_is_fresh(request)
    response = sensitive_view(request)
    assert response.status_code == 200
    assert response.content == b"secret action done"


@pytest.mark.django_db
@override_settings(SUDO_MAX_AGE_SECONDS=300)
def test_decorator_rejects_expired_confirmation(members):
    request = make_request(members["security"], confirmed_at=int(time.time()) - 301)
    assert not sudo_is_fresh(request)
    assert sensitive_view(request).status_code == 302


@pytest.mark.django_db
def test_future_timestamp_is_not_fresh(members):
    request = make_request(members["security"], confirmed_at=int(time.time()) + 3600)
    assert not sudo_is_fresh(request)


@pytest.mark.django_db
def test_non_number_timestamp_is_not_fresh(members):
    request = make_request(members["security"], confirmed_at="yesterday")
    assert not sudo_is_fresh(request)


@pytest.mark.django_db
def test_decorator_htmx_sets_hx_redirect(members):
    request = make_request(
        members["security"],
        method="post",
        **{"HX-Request": "true", "HX-Current-URL": "http://testserver/settings/llm-keys/?page=2"},
    )
    response = sensitive_view(request)
    assert response.status_code == 200
    assert response["HX-Redirect"] == CONFIRM_URL + "?next=%2Fsettings%2Fllm-keys%2F%3Fpage%3D2"


@pytest.mark.django_db
def test_decorator_post_returns_to_referer(members):
    request = make_request(
        members["security"], method="post", Referer="http://testserver/settings/llm-keys/"
    )
    response = sensitive_view(request)
    assert response["Location"] == CONFIRM_URL + "?next=%2Fsettings%2Fllm-keys%2F"


@pytest.mark.django_db
def test_decorator_post_ignores_foreign_referer(members):
    request = make_request(members["security"], method="post", Referer="https://evil.example/x")
    response = sensitive_view(request)
    assert response["Location"] == CONFIRM_URL + "?next=%2F"


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_passwords_lock_out(client_for):
    client = client_for("security")
    for _ in range(2):
        assert client.post(CONFIRM_URL, {"password": "wrong", "next": "/"}).status_code == 200
    response = client.post(CONFIRM_URL, {"password": "wrong", "next": "/"})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content

    response = client.post(CONFIRM_URL, {"password": PASSWORD, "next": "/"})
    assert response.status_code == 429
    assert SESSION_SUDO_KEY not in client.session
