"""The dashboard banner that shows an active support access grant."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse

from agents.models import SupportAccessGrant
from agents.support_dashboard import banners
from orgs.models import Membership


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    membership = Membership.objects.get(user=user)
    request.organization = membership.organization
    request.perms = membership.permissions
    return request


@pytest.mark.django_db
def test_banner_shown_to_admin_while_granted(members, grant):
    [banner] = banners(request_for(members["admin"]))
    assert banner["level"] == "info"
    assert banner["url"] == reverse("traces:support_access")
    assert "Platform support can open" in banner["message"]


@pytest.mark.django_db
def test_banner_hidden_without_active_grant(members, grant):
    # The grant expired a day ago.
    SupportAccessGrant.objects.filter(pk=grant.pk).update(
        starts_at=grant.starts_at - timedelta(days=5), ends_at=grant.starts_at - timedelta(days=1)
    )
    assert banners(request_for(members["admin"])) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["support", "builder", "security", "finance"])
def test_banner_hidden_from_other_roles(members, grant, role):
    assert banners(request_for(members[role])) == []
