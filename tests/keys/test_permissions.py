"""The permission matrix of every key URL: each role gets the page or 403, outsiders 404."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from orgs.permissions import ROLE_PERMISSIONS, Perm, Role

from .conftest import confirm_password

# (url name, method, takes a key id, permission)
KEY_URLS = [
    ("keys:detail", "get", True, Perm.VIEW_KEYS),
    ("keys:edit", "get", True, Perm.MANAGE_KEYS),
    ("keys:edit", "post", True, Perm.MANAGE_KEYS),
    ("keys:rotate", "get", True, Perm.MANAGE_KEYS),
    ("keys:rotate", "post", True, Perm.MANAGE_KEYS),
    ("keys:validate", "post", True, Perm.MANAGE_KEYS),
    ("keys:revoke", "get", True, Perm.MANAGE_KEYS),
    ("keys:revoke", "post", True, Perm.MANAGE_KEYS),
    ("keys:delete", "get", True, Perm.MANAGE_KEYS),
    ("keys:delete", "post", True, Perm.MANAGE_KEYS),
    ("keys:reveal", "get", True, Perm.REVEAL_KEYS),
    ("keys:reveal_secret", "post", True, Perm.REVEAL_KEYS),
]
ORG_URLS = [
    ("keys:list", "get", Perm.VIEW_KEYS),
    ("keys:add", "get", Perm.MANAGE_KEYS),
    ("keys:add", "post", Perm.MANAGE_KEYS),
    ("keys:calendar_token", "post", Perm.VIEW_KEYS),
    ("keys:calendar_token_revoke", "post", Perm.VIEW_KEYS),
]
WRONG_METHOD = [
    ("keys:detail", "post", True),
    ("keys:validate", "get", True),
    ("keys:reveal", "post", True),
    ("keys:reveal_secret", "get", True),
    ("keys:list", "post", False),
    ("keys:calendar_token", "get", False),
    ("keys:calendar_token_revoke", "get", False),
]


def _call(client, method, url):
    return getattr(client, method)(url)


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("name,method,_,perm", KEY_URLS, ids=[f"{u[0]}-{u[1]}" for u in KEY_URLS])
def test_key_urls_by_role(client_for, api_key, role, name, method, _, perm, settings):
    settings.HOSTED_OPENAI_API_KEY = ""
    client = confirm_password(client_for(role))

    response = _call(client, method, reverse(name, args=[api_key.public_id]))

    if perm in ROLE_PERMISSIONS[role]:
        assert response.status_code in (200, 302, 409)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("name,method,perm", ORG_URLS, ids=[f"{u[0]}-{u[1]}" for u in ORG_URLS])
def test_org_urls_by_role(client_for, role, name, method, perm):
    client = client_for(role)

    response = _call(client, method, reverse(name))

    if perm in ROLE_PERMISSIONS[role]:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name,method,_,perm", KEY_URLS, ids=[f"{u[0]}-{u[1]}" for u in KEY_URLS])
def test_key_urls_outsider_404(client_for, api_key, name, method, _, perm):
    client = confirm_password(client_for("outsider"))

    response = _call(client, method, reverse(name, args=[api_key.public_id]))

    assert response.status_code == 404


@pytest.mark.parametrize("name,method,_,perm", KEY_URLS, ids=[f"{u[0]}-{u[1]}" for u in KEY_URLS])
def test_key_urls_bad_id_404(client_for, name, method, _, perm):
    client = confirm_password(client_for("security"))

    response = _call(client, method, reverse(name, args=[uuid.uuid4()]))

    assert response.status_code == 404


@pytest.mark.parametrize("name,method,with_key", WRONG_METHOD, ids=[f"{u[0]}-{u[1]}" for u in WRONG_METHOD])
def test_wrong_method_405(client_for, api_key, name, method, with_key):
    client = confirm_password(client_for("security"))
    url = reverse(name, args=[api_key.public_id]) if with_key else reverse(name)

    response = _call(client, method, url)

    assert response.status_code == 405


@pytest.mark.parametrize("name,method,with_key", [(u[0], u[1], True) for u in KEY_URLS] + [(u[0], u[1], False) for u in ORG_URLS])
def test_anonymous_redirected_to_login(client, api_key, name, method, with_key):
    url = reverse(name, args=[api_key.public_id]) if with_key else reverse(name)

    response = _call(client, method, url)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_actions_require_csrf(members, api_key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members["security"])
    confirm_password(client)

    for name in ("keys:revoke", "keys:validate", "keys:reveal_secret", "keys:delete"):
        response = client.post(reverse(name, args=[api_key.public_id]))
        assert response.status_code == 403, name
    response = client.post(reverse("keys:calendar_token"))
    assert response.status_code == 403
