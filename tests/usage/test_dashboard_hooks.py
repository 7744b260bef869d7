"""usage.dashboard hooks (panel and banners) and the plan page quota bars."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from usage.models import QuotaPeriod, SpikeAlert
from usage.quotas import QuotaKind, current_period

pytestmark = pytest.mark.django_db


def use_tokens(org, used):
    period = current_period(org, QuotaKind.HOSTED_TOKENS)
    QuotaPeriod.objects.filter(pk=period.pk).update(used=used)


def banner_messages(response):
    return [banner["message"] for banner in response.context["banners"]]


def test_banner_at_80_percent(client_for, org):
    use_tokens(org, 85_000)
    messages = banner_messages(client_for("finance").get(reverse("dashboard")))
    assert any("Hosted tokens: 85% of the plan quota" in message for message in messages)


def test_banner_at_100_percent(client_for, org):
    use_tokens(org, 100_000)
    response = client_for("admin").get(reverse("dashboard"))
    danger = [b for b in response.context["banners"] if b["level"] == "danger"]
    assert len(danger) == 1
    assert "used up" in danger[0]["message"]


def test_no_banner_below_80_percent(client_for, org):
    use_tokens(org, 79_000)
    assert not any("Hosted tokens" in m for m in banner_messages(client_for("finance").get(reverse("dashboard"))))


def test_no_banner_without_permission(client_for, org):
    use_tokens(org, 100_000)
    assert not any("Hosted tokens" in m for m in banner_messages(client_for("builder").get(reverse("dashboard"))))


def test_spike_banner(client_for, org):
    SpikeAlert.objects.create(organization=org, hour=timezone.now() - timedelta(hours=3), tokens=123_456,
                              baseline_median=1000, threshold=5000)
    messages = banner_messages(client_for("finance").get(reverse("dashboard")))
    assert any("123,456" in message for message in messages)


def test_panel_shows_month_totals(client_for, org):
    from usage.recording import record_usage

    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted", input_tokens=4321)
    body = client_for("finance").get(reverse("dashboard")).content.decode()
    assert "Usage this month" in body
    assert "4,321" in body


def test_panel_hidden_without_permission(client_for, org):
    body = client_for("support").get(reverse("dashboard")).content.decode()
    assert "Usage this month" not in body


def test_plan_quota_bars_template(rf, org, members):
    use_tokens(org, 25_000)
    request = rf.get("/")
    request.organization = org
    request.perms = members["finance"].memberships.get().permissions
    html = render_to_string("usage/_plan_quota_bars.html", {"request": request})
    assert "25,000 of 100,000" in html
    assert 'aria-valuenow="25"' in html


def test_plan_quota_bars_hidden_without_permission(rf, org, members):
    request = rf.get("/")
    request.organization = org
    request.perms = members["support"].memberships.get().permissions
    html = render_to_string("usage/_plan_quota_bars.html", {"request": request})
    assert "of 100,000" not in html
