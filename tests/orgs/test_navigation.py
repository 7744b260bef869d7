"""Each role sees exactly the navigation entries its permissions allow, in both languages."""

import re

import pytest

EXPECTED_NAV = {
    "admin": [
        "/", "/agents/", "/knowledge/", "/traces/", "/usage/",
        "/settings/llm-keys/", "/settings/members/", "/settings/plan/", "/settings/audit/",
    ],
    "security": ["/", "/settings/llm-keys/", "/settings/audit/"],
    "builder": ["/", "/agents/", "/knowledge/", "/traces/", "/settings/llm-keys/"],
    "support": ["/", "/traces/"],
    "finance": ["/", "/usage/", "/settings/plan/"],
}


def nav_links(response):
    sidebar = response.content.decode().split('<aside class="sidebar"', 1)[1].split("</aside>", 1)[0]
    nav = sidebar.split("<nav>", 1)[1]
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED_NAV))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_navigation_matches_role(client_for, role, language):
    client = client_for(role)
    client.cookies["django_language"] = language
    response = client.get("/")
    assert response.status_code == 200
    assert nav_links(response) == EXPECTED_NAV[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED_NAV))
def test_navigation_entries_open(client_for, role):
    client = client_for(role)
    for url in EXPECTED_NAV[role]:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_navigation_labels_in_chinese(client_for):
    client = client_for("admin")
    client.cookies["django_language"] = "zh-hans"
    content = client.get("/").content.decode()
    for label in ("仪表盘", "智能体", "知识库", "用量", "LLM API 密钥", "成员", "套餐", "审计日志"):
        assert label in content
