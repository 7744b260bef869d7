import io

from keys import demo
from keys.models import ApiKey, KeyState


def test_seed_is_idempotent_and_offline(org, members):
    out = io.StringIO()

    demo.seed(org, members, out)
    demo.seed(org, members, out)

    api_key = ApiKey.objects.get(organization=org)
    assert ApiKey.objects.filter(organization=org).count() == 1
    assert api_key.label == demo.EXAMPLE_LABEL
    assert api_key.state() == KeyState.EXPIRING_SOON
    assert api_key.last_validated_at is None
    assert "already present" in out.getvalue()
