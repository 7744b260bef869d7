from django.urls import reverse

from keys.services import rotate_key

from .helpers import unique_secret


def test_detail_shows_key_without_secret(client_for, api_key, key_and_secret):
    _, secret = key_and_secret
    rotate_key(api_key, secret=unique_secret())

    response = client_for("admin").get(reverse("keys:detail", args=[api_key.public_id]))

    content = response.content.decode()
    assert response.status_code == 200
    assert api_key.label in content
    assert secret not in content
    assert "Current" in content
    assert "secret destroyed" in content
    assert "key.rotated" in content


def test_detail_builder_sees_no_actions(client_for, api_key):
    response = client_for("builder").get(reverse("keys:detail", args=[api_key.public_id]))

    content = response.content.decode()
    assert reverse("keys:rotate", args=[api_key.public_id]) not in content
    assert reverse("keys:reveal", args=[api_key.public_id]) not in content
    assert "key.created" not in content


def test_detail_reveal_link_only_for_security(client_for, api_key):
    reveal = reverse("keys:reveal", args=[api_key.public_id])

    assert reveal in client_for("security").get(reverse("keys:detail", args=[api_key.public_id])).content.decode()
    assert reveal not in client_for("admin").get(reverse("keys:detail", args=[api_key.public_id])).content.decode()
