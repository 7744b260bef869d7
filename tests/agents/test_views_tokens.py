"""API token create (shown once) and revoke on the agent page."""

import uuid

import pytest
from django.test import override_settings

from agents.models import ChannelToken
from agents.models.agents import hash_token_secret, split_token
from orgs.models import AuditEvent
from tests.agents.conftest import make_agent, make_token

pytestmark = pytest.mark.django_db


def create_url(agent):
    return f"/agents/{agent.public_id}/tokens/"


def revoke_url(agent, token):
    return f"/agents/{agent.public_id}/tokens/{token.public_id}/revoke/"


def test_create_shows_token_once(client_for, org):
    agent = make_agent(org)
    client = client_for("builder")

    response = client.post(create_url(agent), {"name": "Website"})

    token = ChannelToken.objects.get()
    page = response.content.decode()
    plaintext = next(word for word in page.split('"') if word.startswith(f"fa_{token.prefix}_"))
    prefix, secret = split_token(plaintext)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert token.token_hash == hash_token_secret(secret)
    assert secret not in token.token_hash
    assert token.channel.kind == "api"
    assert token.channel.agent == agent
    assert AuditEvent.objects.filter(action="agent.token_created", details__prefix=prefix).exists()
    assert secret not in str(AuditEvent.objects.values_list("details", flat=True)[0])
    assert secret not in client.get(f"/agents/{agent.public_id}/").content.decode()


def test_create_htmx_renders_tokens_section(client_for, org):
    agent = make_agent(org)

    response = client_for("builder").post(create_url(agent), {"name": "Website"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert 'id="api-tokens"' in page
    assert "<html" not in page


def test_create_rejects_long_name(client_for, org):
    agent = make_agent(org)

    response = client_for("builder").post(create_url(agent), {"name": "x" * 121})

    assert response.status_code == 302
    assert ChannelToken.objects.count() == 0


def test_create_wrong_method_405(client_for, org):
    agent = make_agent(org)

    assert client_for("builder").get(create_url(agent)).status_code == 405


def test_create_outsider_404(client_for, org):
    agent = make_agent(org)

    assert client_for("outsider").post(create_url(agent)).status_code == 404


def test_create_without_permission_403(client_for, org):
    agent = make_agent(org)

    assert client_for("support").post(create_url(agent)).status_code == 403
    assert ChannelToken.objects.count() == 0


def test_create_bad_id_404(client_for):
    assert client_for("builder").post(f"/agents/{uuid.uuid4()}/tokens/").status_code == 404


def test_revoke_works(client_for, org):
    agent = make_agent(org)
    _channel, token, _plaintext = make_token(agent)

    response = client_for("builder").post(revoke_url(agent, token))

    token.refresh_from_db()
    assert response.status_code == 302
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="agent.token_revoked").count() == 1


def test_revoke_wrong_method_405(client_for, org):
    agent = make_agent(org)
    _channel, token, _plaintext = make_token(agent)

    assert client_for("builder").get(revoke_url(agent, token)).status_code == 405


def test_revoke_outsider_404(client_for, org):
    agent = make_agent(org)
    _channel, token, _plaintext = make_token(agent)

    assert client_for("outsider").post(revoke_url(agent, token)).status_code == 404


def test_revoke_without_permission_403(client_for, org):
    agent = make_agent(org)
    _channel, token, _plaintext = make_token(agent)

    assert client_for("finance").post(revoke_url(agent, token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_token_of_other_agent_404(client_for, org):
    agent = make_agent(org)
    other = make_agent(org, name="Other")
    _channel, token, _plaintext = make_token(other)

    assert client_for("builder").post(revoke_url(agent, token)).status_code == 404


def test_revoke_bad_id_404(client_for, org):
    agent = make_agent(org)

    response = client_for("builder").post(f"/agents/{agent.public_id}/tokens/{uuid.uuid4()}/revoke/")

    assert response.status_code == 404


def test_token_survives_secret_key_rotation(org, settings):
    agent = make_agent(org)
    _channel, token, plaintext = make_token(agent)
    _prefix, secret = split_token(plaintext)

    settings.SECRET_KEY = "a-completely-different-secret-key-0123456789"

    assert token.matches(secret)
    assert not token.matches(secret + "x")


def test_token_matches_under_fallback_key(org, settings):
    agent = make_agent(org)
    _channel, token, plaintext = make_token(agent)
    _prefix, secret = split_token(plaintext)
    old_key = settings.CRYPTOGRAPHY_KEY
    new_key = "k" * 43 + "="

    with override_settings(CRYPTOGRAPHY_KEY=new_key, CRYPTOGRAPHY_KEY_FALLBACKS=[old_key]):
        assert token.matches(secret)
    with override_settings(CRYPTOGRAPHY_KEY=new_key, CRYPTOGRAPHY_KEY_FALLBACKS=[]):
        assert not token.matches(secret)
