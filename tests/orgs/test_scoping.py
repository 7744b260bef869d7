import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from orgs.models import AuditEvent, Membership
from orgs.permissions import Perm
from orgs.scoping import get_for_org, permission_required, require_perm
from orgs import audit


def request_for(user):
    request = RequestFactory().get("/")
    membership = Membership.objects.select_related("organization").get(user=user)
    request.user = user
    request.organization = membership.organization
    request.membership = membership
    request.perms = membership.permissions
    return request


@pytest.mark.django_db
def test_get_for_org_returns_own_object(members, org):
    event = audit.record(org, "test.event")
    found = get_for_org(request_for(members["security"]), AuditEvent, Perm.VIEW_AUDIT, public_id=event.public_id)
    assert found == event


@pytest.mark.django_db
def test_get_for_org_other_org_404(members, other_org):
    event = audit.record(other_org, "test.event")
    with pytest.raises(Http404):
        get_for_org(request_for(members["admin"]), AuditEvent, Perm.VIEW_AUDIT, public_id=event.public_id)


@pytest.mark.django_db
def test_get_for_org_without_perm_403(members, org):
    event = audit.record(org, "test.event")
    with pytest.raises(PermissionDenied):
        get_for_org(request_for(members["builder"]), AuditEvent, Perm.VIEW_AUDIT, public_id=event.public_id)


@pytest.mark.django_db
def test_get_for_org_unknown_id_404(members):
    with pytest.raises(Http404):
        get_for_org(request_for(members["admin"]), AuditEvent, Perm.VIEW_AUDIT, public_id=uuid.uuid4())


@pytest.mark.django_db
def test_get_for_org_accepts_queryset(members, org):
    event = audit.record(org, "test.event")
    queryset = AuditEvent.objects.filter(action="other.event")
    with pytest.raises(Http404):
        get_for_org(request_for(members["admin"]), queryset, Perm.VIEW_AUDIT, public_id=event.public_id)


def test_require_perm_without_organization_404():
    request = RequestFactory().get("/")
    request.organization = None
    request.perms = frozenset()
    with pytest.raises(Http404):
        require_perm(request, Perm.BUILD)


@pytest.mark.django_db
def test_permission_required_decorator(members):
    @permission_required(Perm.VIEW_USAGE)
    def view(request):
        return "ran"

    assert view(request_for(members["finance"])) == "ran"
    with pytest.raises(PermissionDenied):
        view(request_for(members["support"]))


@pytest.mark.django_db
def test_members_with_permission(org, members):
    users = org.members_with(Perm.MANAGE_KEYS)
    assert sorted(u.email for u in users) == ["admin@test.example", "security@test.example"]
