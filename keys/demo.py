"""Demo data for the keys app: one clearly labelled example key, never a real one."""

import datetime

from django.utils import timezone

from .models import ApiKey
from .services import create_key

EXAMPLE_LABEL = "Example key (not a real secret)"
# An obviously fake secret: it is never validated and no demo agent pins it.
EXAMPLE_SECRET = "sk-demo-example-not-a-real-key-0000"


def seed(organization, users, stdout):
    """Add the example OpenAI key, expiring in 20 days, unless it exists; make no network call."""
    if ApiKey.objects.filter(organization=organization, label=EXAMPLE_LABEL).exists():
        stdout.write("keys: example key already present")
        return
    create_key(
        organization,
        provider="openai",
        label=EXAMPLE_LABEL,
        secret=EXAMPLE_SECRET,
        user=users.get("security"),
        validated=False,
        expires_at=timezone.now() + datetime.timedelta(days=20),
        department="Demo",
        notes="Saved without validation so that the expiring-soon state and the expiry calendar show something. Replace it with a real key to use bring-your-own-key agents.",
    )
    stdout.write("keys: added the example key (expires in 20 days, not validated)")
