"""Create the demo organization "Acme" with one user per role; running it twice changes nothing."""

import os
from decimal import Decimal
from importlib import import_module
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from orgs.models import Membership, Organization, Plan
from orgs.permissions import Role

DEMO_DOMAIN = "acme.test"
DEFAULT_DEMO_PASSWORD = "flexy-demo"

# Apps that add demo data through `seed(organization, users, stdout)` in `<app>.demo`, in order.
DEMO_APPS = ["keys", "knowledge", "agents", "usage"]


class Command(BaseCommand):
    help = "Create or update the demo organization Acme with one user per role (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            organization, users = seed_organization(password)
        # Agents and knowledge record usage priced from the model catalog, so it loads first.
        call_command("load_catalog", stdout=StringIO())
        for app in DEMO_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(organization, users, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo organization {organization.name} is ready."))
        for role, user in users.items():
            self.stdout.write(f"  {role:<9} {user.email}")
        self.stdout.write(f"  password: {'(from DEMO_PASSWORD)' if os.environ.get('DEMO_PASSWORD') else DEFAULT_DEMO_PASSWORD}")


def seed_organization(password):
    """Create the demo plan, organization and users; return (organization, {role: user})."""
    plan, _ = Plan.objects.update_or_create(
        slug="team",
        defaults={
            "name": "Team",
            "hosted_allowed": True,
            "byok_allowed": True,
            "monthly_hosted_tokens": 2_000_000,
            "monthly_image_units": 500,
            "monthly_media_minutes": 120,
            "monthly_price": Decimal("99.00"),
            "overage_allowed": True,
            "overage_price_per_million_tokens": Decimal("4.0000"),
            "billing_day": 1,
        },
    )
    Plan.objects.update_or_create(
        slug="byok-only",
        defaults={
            "name": "BYOK only",
            "hosted_allowed": False,
            "byok_allowed": True,
            "monthly_price": Decimal("49.00"),
        },
    )
    organization, _ = Organization.objects.get_or_create(
        slug="acme", defaults={"name": "Acme", "plan": plan}
    )
    User = get_user_model()
    users = {}
    for role in Role.values:
        email = f"{role}@{DEMO_DOMAIN}"
        user, created = User.objects.get_or_create(
            username=email, defaults={"email": email, "first_name": role.capitalize()}
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"roles": [role]}
        )
        users[role] = user
    return organization, users
