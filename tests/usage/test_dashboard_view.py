"""The usage dashboard page /usage/ and its htmx fragment."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from usage import reports

from .helpers import add_prices, record_mix

pytestmark = pytest.mark.django_db
URL = reverse("usage:dashboard")


@pytest.fixture
def usage_data(org):
    add_prices()
    return record_mix(org)


def test_finance_sees_usage(client_for, usage_data):
    response = client_for("finance").get(URL, {"preset": "7d"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sales Bot" in body
    assert "Chargeback by department" in body
    assert 'id="usage-chart-data"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body


def test_admin_allowed(client_for, usage_data):
    assert client_for("admin").get(URL).status_code == 200


@pytest.mark.parametrize("role", ["builder", "support", "security"])
def test_members_without_permission_forbidden(client_for, role):
    assert client_for(role).get(URL).status_code == 403


def test_post_not_allowed(client_for):
    assert client_for("finance").post(URL).status_code == 405


def test_outsider_sees_only_own_org(client_for, usage_data):
    response = client_for("outsider").get(URL, {"preset": "7d"})
    assert response.status_code == 200
    assert "Sales Bot" not in response.content.decode()
    assert response.context["totals"]["events"] == 0


def test_anonymous_redirected_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_htmx_returns_fragment_with_vary(client_for, usage_data):
    client = client_for("finance")
    response = client.get(URL, {"preset": "7d"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="usage-results"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]
    full = client.get(URL, {"preset": "7d"})
    assert "<html" in full.content.decode()
    assert "HX-Request" in full["Vary"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-45", "end": "2026-01-01"}, "Invalid start date"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "were swapped"),
        ({"start": "2000-01-01", "end": "2026-01-01"}, "limited to 400 days"),
        ({"preset": "forever"}, "Unknown range"),
        ({"source": "<script>"}, "Unknown billing source"),
        ({"department": "Nope"}, "No usage for department"),
        ({"agent": "x" * 5000}, "No usage for agent"),
        ({"start": "2026-01-01"}, "Both a start and an end date"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "Invalid start date 9999-12-31"),
        ({"start": "0001-01-01", "end": "2026-01-01"}, "use a date from 2000-01-01"),
    ],
)
def test_nonsense_filters_give_message(client_for, usage_data, params, message):
    response = client_for("finance").get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"sort": "nonsense"}, {"agent-sort": "-name"}, {"model-sort": "drop table"}, {"department-sort": "cost"},
     {"channel-page": "999"}, {"agent-page": "abc"}],
)
def test_any_sort_or_page_is_ok(client_for, usage_data, params):
    response = client_for("finance").get(URL, {"preset": "7d", **params})
    assert response.status_code == 200


def test_refusals_counted_apart(client_for, usage_data, org):
    from usage.recording import record_refusal

    record_refusal(org, purpose="chat", reason="hosted_quota_exhausted", agent_id="agent-0", department="Support")
    record_refusal(org, purpose="chat", reason="no_key", agent_id="agent-1", department="Sales")
    response = client_for("finance").get(URL, {"preset": "7d"})
    assert response.context["refusals"] == 2
    assert response.context["totals"]["events"] == 30
    filtered = client_for("finance").get(URL, {"preset": "7d", "department": "Sales"})
    assert filtered.context["refusals"] == 1


def test_filter_by_department(client_for, usage_data):
    response = client_for("finance").get(URL, {"preset": "7d", "department": "Legal"})
    totals = response.context["totals"]
    assert totals["events"] == 9
    assert "Sales Bot" not in str(response.context["breakdown_tables"][0]["table"].rows[0].record)


def test_page_totals_match_reports(client_for, usage_data, org):
    response = client_for("finance").get(URL, {"preset": "7d"})
    totals = response.context["totals"]
    assert totals["tokens"] == sum(e.input_tokens + e.output_tokens for e in usage_data)
    expected = sum(reports.cents(sum((e.cost for e in usage_data if e.billing_source == s), Decimal(0)))
                   for s in reports.SOURCES)
    assert totals["cost"] == expected


def test_spike_marker_explained(client_for, org):
    from datetime import timedelta

    from django.utils import timezone

    from usage.recording import record_usage

    now = timezone.now().replace(minute=30)
    for day in range(1, 15):
        record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                     input_tokens=10_000 + day * 100, at=now - timedelta(days=day, hours=2))
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                 input_tokens=200_000, at=now - timedelta(hours=2))
    # The last 7 days contain the spike at any time of day; "today" did not before 02:00.
    response = client_for("finance").get(URL, {"preset": "7d"})
    body = response.content.decode()
    assert response.context["spike_count"] == 1
    assert "Spike: 200,000 tokens" in body


def test_no_secret_in_page(client_for, org):
    from usage.recording import record_usage

    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="byok",
                 key_id="11111111-2222-3333-4444-555555555555", input_tokens=5)
    body = client_for("finance").get(URL).content.decode()
    assert not re.search(r"sk-[A-Za-z0-9]{10,}", body)


@pytest.mark.parametrize("name", ["usage:chargeback_csv", "usage:export"])
def test_far_future_dates_in_exports_ok(client_for, usage_data, name):
    url = reverse(name, args=["agent"]) if name == "usage:export" else reverse(name)
    response = client_for("finance").get(url, {"start": "9999-12-31", "end": "9999-12-31"})
    assert response.status_code == 200
