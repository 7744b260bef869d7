import pytest
from django.contrib.auth import get_user_model

from orgs.management.commands.seed_demo import seed_organization
from orgs.models import Membership, Organization, Plan


def snapshot():
    User = get_user_model()
    return (
        list(Plan.objects.order_by("slug").values()),
        list(Organization.objects.order_by("slug").values()),
        list(Membership.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values("pk", "email", "password")),
    )


@pytest.mark.django_db
def test_seed_creates_one_user_per_role():
    organization, users = seed_organization("flexy-demo")
    assert organization.name == "Acme"
    assert sorted(users) == ["admin", "builder", "finance", "security", "support"]
    for role, user in users.items():
        assert user.email == f"{role}@acme.test"
        assert user.check_password("flexy-demo")
        assert Membership.objects.get(user=user, organization=organization).roles == [role]


@pytest.mark.django_db
def test_seed_twice_changes_nothing():
    seed_organization("flexy-demo")
    first = snapshot()
    seed_organization("flexy-demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_seed_applies_new_password():
    seed_organization("flexy-demo")
    _, users = seed_organization("another-password")
    assert users["admin"].check_password("another-password")
