import pytest

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_admin_reaches_llm_keys_in_chinese(page, live_server, login, members):
    login(page, live_server, "admin@test.example")
    assert page.locator("h1").first.inner_text() == "Welcome to Acme Test"

    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").first.inner_text() == "欢迎来到 Acme Test"

    settings_nav = page.locator("aside.sidebar .nav-heading", has_text="设置")
    assert settings_nav.is_visible()
    page.click("aside.sidebar a:text-is('LLM API 密钥')")
    page.wait_for_url(f"{live_server.url}/settings/llm-keys/")
    current = page.locator("aside.sidebar a[aria-current=page]")
    assert current.inner_text() == "LLM API 密钥"
    assert page.locator("html").get_attribute("lang") == "zh-hans"


@pytest.mark.django_db(transaction=True)
def test_wrong_password_stays_on_login(page, live_server, members):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin@test.example")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".errorlist").is_visible()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
