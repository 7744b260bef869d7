"""The 403, 404 and 500 pages: translated, with the dashboard navigation for members, and
rendering for every kind of visitor, because a broken error page turns into a 500."""

import html

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import get_template, render_to_string
from django.test import RequestFactory
from django.utils import translation

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

FORBIDDEN_HEADING = {"en": "You don't have access to this page", "zh-hans": "您无权访问此页面"}
FORBIDDEN_REASON = {
    "en": "Your role in this organization does not allow this page.",
    "zh-hans": "您在此组织中的角色不允许打开此页面。",
}
NOT_FOUND_HEADING = {"en": "Page not found", "zh-hans": "页面不存在"}
# The roles that may open each page, as the 403 page names them.
ALLOWED_ROLES = {
    ("/agents/", "en"): "can open this page: Admin, Builder.",
    ("/agents/", "zh-hans"): "才能打开此页面：管理员、构建者。",
    ("/usage/", "en"): "can open this page: Admin, Finance.",
    ("/settings/llm-keys/", "en"): "can open this page: Admin, Security, Builder.",
}


def page_text(response):
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("url", ["/agents/", "/settings/llm-keys/", "/usage/"])
def test_403_keeps_navigation_and_reason(client_for, language, url):
    client = client_for("support")
    client.cookies["django_language"] = language

    response = client.get(url)

    text = page_text(response)
    assert response.status_code == 403
    assert '<aside class="sidebar"' in text
    assert 'href="/traces/"' in text
    assert FORBIDDEN_HEADING[language] in text
    assert FORBIDDEN_REASON[language] in text
    assert 'href="/"' in text
    if (url, language) in ALLOWED_ROLES:
        assert ALLOWED_ROLES[(url, language)] in text


def test_403_shows_exception_message(rf_request):
    rf_request.user = AnonymousUser()

    text = html.unescape(render_to_string("403.html", {"exception": "Only finance may open usage."}, request=rf_request))

    assert "Only finance may open usage." in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_404_anonymous_plain_card(client, language):
    client.cookies["django_language"] = language

    response = client.get("/no-such-page/")

    text = page_text(response)
    assert response.status_code == 404
    assert NOT_FOUND_HEADING[language] in text
    assert 'class="plain-header"' in text
    assert '<aside class="sidebar"' not in text
    assert 'href="/"' in text


def test_404_member_keeps_navigation(client_for):
    response = client_for("builder").get("/no-such-page/")

    text = page_text(response)
    assert response.status_code == 404
    assert NOT_FOUND_HEADING["en"] in text
    assert '<aside class="sidebar"' in text


@pytest.mark.parametrize("is_staff", [False, True])
def test_404_signed_in_without_organization(client, django_user_model, is_staff):
    user = make_user(django_user_model, "nobody@test.example")
    user.is_staff = is_staff
    user.save(update_fields=["is_staff"])
    client.force_login(user)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert NOT_FOUND_HEADING["en"] in page_text(response)


@pytest.fixture
def rf_request():
    """A bare request: no middleware ran, so it has no organization, perms or memberships."""
    return RequestFactory().get("/somewhere/")


@pytest.mark.parametrize("template_name", ["403.html", "404.html"])
@pytest.mark.parametrize("user_kind", ["anonymous", "member-less", "staff"])
def test_error_template_renders_without_organization(rf_request, django_user_model, template_name, user_kind):
    if user_kind == "anonymous":
        rf_request.user = AnonymousUser()
    else:
        rf_request.user = make_user(django_user_model, f"{user_kind}@test.example")
        rf_request.user.is_staff = user_kind == "staff"

    text = html.unescape(render_to_string(template_name, {"exception": ""}, request=rf_request))

    assert "Back to the dashboard" in text
    assert '<aside class="sidebar"' not in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_500_renders_without_context(language):
    expected = {"en": "Something went wrong on our side", "zh-hans": "服务器出错了"}

    with translation.override(language):
        text = get_template("500.html").render()

    assert expected[language] in text
    assert 'href="/"' in text
