from pathlib import Path

import pytest
from django.conf import settings

from orgs.views.plan import QUOTA_BARS_TEMPLATE, quota_bars_available

URL = "/settings/plan/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "finance"])
def test_plan_page_works(client_for, role):
    response = client_for(role).get(URL)
    assert response.status_code == 200
    assert b"Plan: Test plan" in response.content
    assert b"100,000" in response.content
    assert b"US$99.00" in response.content


@pytest.mark.django_db
def test_plan_page_shows_hosted_not_allowed(client_for, plan):
    plan.hosted_allowed = False
    plan.save()
    response = client_for("admin").get(URL)
    assert b"This plan does not include hosted models" in response.content


@pytest.mark.django_db
def test_plan_page_wrong_method_405(client_for):
    assert client_for("admin").post(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "builder", "support"])
def test_plan_page_forbidden_403(client_for, role):
    assert client_for(role).get(URL).status_code == 403


@pytest.mark.django_db
def test_plan_page_in_chinese(client_for):
    client = client_for("admin")
    client.cookies["django_language"] = "zh-hans"
    response = client.get(URL)
    assert "每月托管配额".encode() in response.content
    assert b"100,000" in response.content


def test_quota_bars_flag_follows_template():
    exists = any(
        (Path(settings.BASE_DIR) / app / "templates" / QUOTA_BARS_TEMPLATE).exists()
        for app in ("usage", "orgs")
    ) or (Path(settings.BASE_DIR) / "templates" / QUOTA_BARS_TEMPLATE).exists()
    assert quota_bars_available() is exists
