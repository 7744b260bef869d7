"""Dashboard pages for web widgets: create, settings with the snippet, and the demo page."""

import pytest

from agents.models import Channel
from orgs.models import AuditEvent

pytestmark = pytest.mark.django_db

BAD_ID = "00000000-0000-0000-0000-000000000000"


def test_widget_create(client_for, agent):
    response = client_for("builder").post(f"/agents/{agent.public_id}/widget/new/")

    channel = Channel.objects.get(kind="web_widget")
    assert response.status_code == 302
    assert response["Location"] == f"/agents/channels/{channel.public_id}/widget/"
    assert channel.agent == agent
    assert channel.settings["allowed_origins"] == ["http://testserver"]
    assert channel.settings["rate_limit_per_minute"] == 10


def test_widget_create_wrong_method(client_for, agent):
    assert client_for("builder").get(f"/agents/{agent.public_id}/widget/new/").status_code == 405


def test_widget_create_outsider_404(client_for, agent):
    assert client_for("outsider").post(f"/agents/{agent.public_id}/widget/new/").status_code == 404
    assert not Channel.objects.exists()


def test_widget_create_without_permission_403(client_for, agent):
    assert client_for("support").post(f"/agents/{agent.public_id}/widget/new/").status_code == 403


def test_widget_create_bad_id_404(client_for, agent):
    assert client_for("builder").post(f"/agents/{BAD_ID}/widget/new/").status_code == 404


def test_widget_settings_shows_snippet(client_for, widget_channel):
    response = client_for("builder").get(f"/agents/channels/{widget_channel.public_id}/widget/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "/static/widget/flexy-widget.js" in body
    assert f'data-widget-id=&quot;{widget_channel.public_id}&quot;' in body
    assert "https://shop.example" in body


def test_widget_settings_save(client_for, widget_channel):
    response = client_for("builder").post(
        f"/agents/channels/{widget_channel.public_id}/widget/",
        {"name": "Shop widget", "allowed_origins": "https://Shop.example/\nhttp://localhost:8000\n", "rate_limit_per_minute": "5"},
    )

    assert response.status_code == 302
    widget_channel.refresh_from_db()
    assert widget_channel.name == "Shop widget"
    assert widget_channel.settings["allowed_origins"] == ["https://shop.example", "http://localhost:8000"]
    assert widget_channel.settings["rate_limit_per_minute"] == 5
    assert AuditEvent.objects.filter(action="channel.updated").exists()


def test_widget_settings_rejects_bad_origin(client_for, widget_channel):
    response = client_for("builder").post(
        f"/agents/channels/{widget_channel.public_id}/widget/",
        {"name": "Shop widget", "allowed_origins": "https://shop.example/products", "rate_limit_per_minute": "5"},
    )

    assert response.status_code == 400
    assert "remove the path" in response.content.decode()
    widget_channel.refresh_from_db()
    assert widget_channel.settings["allowed_origins"] == ["https://shop.example"]


def test_widget_settings_wrong_method(client_for, widget_channel):
    assert client_for("builder").delete(f"/agents/channels/{widget_channel.public_id}/widget/").status_code == 405


def test_widget_settings_outsider_404(client_for, widget_channel):
    assert client_for("outsider").get(f"/agents/channels/{widget_channel.public_id}/widget/").status_code == 404


def test_widget_settings_without_permission_403(client_for, widget_channel):
    assert client_for("support").get(f"/agents/channels/{widget_channel.public_id}/widget/").status_code == 403


def test_widget_settings_bad_id_404(client_for, api_channel):
    assert client_for("builder").get(f"/agents/channels/{BAD_ID}/widget/").status_code == 404
    assert client_for("builder").get(f"/agents/channels/{api_channel.public_id}/widget/").status_code == 404


def test_widget_demo_embeds_snippet(client_for, widget_channel):
    response = client_for("builder").get(f"/widget/demo/?widget={widget_channel.public_id}&lang=zh-Hans")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-widget-id="{widget_channel.public_id}"' in body
    assert 'data-lang="zh-Hans"' in body
    assert "is not among the widget's allowed origins" in body


def test_widget_demo_without_widgets(client_for, agent):
    response = client_for("builder").get("/widget/demo/")

    assert response.status_code == 200
    assert "No web widget yet" in response.content.decode()


def test_widget_demo_requires_login(client, widget_channel):
    response = client.get("/widget/demo/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_widget_demo_wrong_method(client_for, widget_channel):
    assert client_for("builder").post("/widget/demo/").status_code == 405


def test_widget_demo_outsider_404(client_for, widget_channel):
    assert client_for("outsider").get(f"/widget/demo/?widget={widget_channel.public_id}").status_code == 404


def test_widget_demo_without_permission_403(client_for, widget_channel):
    assert client_for("finance").get("/widget/demo/").status_code == 403


def test_widget_demo_bad_id_404(client_for, widget_channel):
    assert client_for("builder").get(f"/widget/demo/?widget={BAD_ID}").status_code == 404
