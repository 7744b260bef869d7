"""Security adds, reveals (after re-entering the password), rotates and revokes a key in Chromium."""

import pytest

from keys.models import ApiKey, KeyStatus
from keys.plaintext import current_secret
from keys.views import reveal as reveal_views
from tests.conftest import PASSWORD

from .helpers import unique_secret

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_key_life_cycle_in_browser(page, live_server, login, members, monkeypatch, settings):  # noqa: F811
    monkeypatch.setattr(reveal_views, "REVEAL_SECONDS", 1)
    secret = unique_secret()
    login(page, live_server, "security@test.example")

    page.goto(f"{live_server.url}/settings/llm-keys/add/")
    page.fill("#id_label", "Browser key")
    page.fill("#id_secret", secret)
    page.check("#id_skip_validation")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/settings/llm-keys/*/")
    assert "Saved without validation" in page.inner_text("main")
    assert secret not in page.content()
    detail_url = page.url

    page.click("text=Reveal")
    page.wait_for_url("**/accounts/confirm-password/**")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/reveal/")
    page.click("#secret-box button[type=submit]")
    page.wait_for_selector("#revealed-secret")
    assert page.input_value("#revealed-secret") == secret
    page.wait_for_selector("#revealed-secret", state="detached", timeout=5_000)
    assert secret not in page.content()

    new_secret = unique_secret()
    page.goto(detail_url + "rotate/")
    page.fill("#id_secret", new_secret)
    page.check("#id_skip_validation")
    page.click("main button[type=submit]")
    page.wait_for_url(detail_url)
    api_key = ApiKey.objects.get(label="Browser key")
    assert current_secret(api_key) == new_secret

    page.goto(detail_url + "revoke/")
    page.click("main button.btn-danger")
    page.wait_for_url(detail_url)
    assert "Revoked" in page.inner_text("main")
    api_key.refresh_from_db()
    assert api_key.status == KeyStatus.REVOKED
