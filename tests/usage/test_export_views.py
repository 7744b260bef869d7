"""CSV exports: breakdowns and department chargeback, equal to the page to the cent."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from usage import reports

from .helpers import add_prices, record_mix

pytestmark = pytest.mark.django_db
CHARGEBACK_URL = reverse("usage:chargeback_csv")


@pytest.fixture
def usage_data(org):
    add_prices()
    return record_mix(org, days=5)


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_chargeback_csv_equals_page(client_for, usage_data):
    client = client_for("finance")
    params = {"preset": "30d"}
    page = client.get(reverse("usage:dashboard"), params)
    page_total = page.context["chargeback"]["total"]
    response = client.get(CHARGEBACK_URL, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    header, lines, total = rows[0], rows[1:-1], rows[-1]
    cost_column = header.index("Total cost (USD)")
    assert Decimal(total[cost_column]) == page_total["cost"]
    assert sum(Decimal(line[cost_column]) for line in lines) == page_total["cost"]
    assert int(total[header.index("Total tokens")]) == page.context["totals"]["tokens"]
    for source_column in ("Hosted cost (USD)", "BYOK cost (USD)", "Google cost (USD)"):
        column = header.index(source_column)
        assert sum(Decimal(line[column]) for line in lines) == Decimal(total[column])
    assert page_total["cost"] == page.context["totals"]["cost"]
    footer = page.content.decode().rsplit("<tfoot", 1)[1].split("</tfoot>")[0]
    assert f"${page_total['cost']:,.2f}" in footer


def test_chargeback_rounds_each_cell_once():
    from datetime import date

    rows = [
        {"day": date(2026, 12, 1), "department": "Sales", "billing_source": "byok",
         "input_tokens": 1, "output_tokens": 0, "cost": Decimal("0.004")}
        for _ in range(3)
    ]
    result = reports.chargeback(rows, billing_day=1)
    assert result["lines"][0]["byok_cost"] == Decimal("0.01")
    assert result["total"]["cost"] == Decimal("0.01")


def test_headline_cost_equals_chargeback_across_periods():
    """Two billing periods: per-cell rounding gives 0.02, one rounding of the sum 0.01."""
    from datetime import date

    def row(day):
        return {
            "day": day, "department": "Sales", "billing_source": "hosted", "events": 1,
            "failed_events": 0, "input_tokens": 1, "output_tokens": 0, "quota_tokens": 1,
            "units": 0, "media_seconds": 0, "cost": Decimal("0.005"),
        }

    rows = [row(date(2026, 11, 14)), row(date(2026, 11, 15))]

    chargeback = reports.chargeback(rows, billing_day=15)
    totals = reports.totals(rows, chargeback["total"])

    assert len(chargeback["lines"]) == 2
    assert chargeback["total"]["cost"] == Decimal("0.02")
    assert totals["cost"] == Decimal("0.02")
    assert totals["cost_by_source"]["hosted"] == Decimal("0.02")


@pytest.mark.parametrize("dimension", ["agent", "model", "channel", "department"])
def test_breakdown_csv(client_for, usage_data, dimension):
    response = client_for("admin").get(reverse("usage:export", args=[dimension]), {"preset": "30d"})
    assert response.status_code == 200
    rows = read_csv(response)
    assert len(rows) > 1
    tokens = sum(int(row[5]) for row in rows[1:])
    assert tokens == sum(e.input_tokens + e.output_tokens for e in usage_data)


def test_unknown_breakdown_404(client_for):
    assert client_for("finance").get(reverse("usage:export", args=["planet"])).status_code == 404


@pytest.mark.parametrize("url", [CHARGEBACK_URL, reverse("usage:export", args=["agent"])])
def test_exports_forbidden_without_permission(client_for, url):
    assert client_for("builder").get(url).status_code == 403


@pytest.mark.parametrize("url", [CHARGEBACK_URL, reverse("usage:export", args=["agent"])])
def test_exports_reject_post(client_for, url):
    assert client_for("finance").post(url).status_code == 405


def test_outsider_export_has_no_foreign_rows(client_for, usage_data):
    rows = read_csv(client_for("outsider").get(CHARGEBACK_URL, {"preset": "30d"}))
    assert len(rows) == 2  # header and the zero total
    assert rows[-1][-1] == "0.00"


def test_export_with_nonsense_range(client_for, usage_data):
    response = client_for("finance").get(CHARGEBACK_URL, {"start": "yesterday", "end": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("dimension", "language", "label"),
    [
        ("agent", "en", "Knowledge processing (no agent)"),
        ("channel", "en", "Knowledge processing (no channel)"),
        ("agent", "zh-hans", "知识处理（无智能体）"),
    ],
)
def test_enrichment_rows_are_named_in_breakdowns(client_for, org, dimension, language, label):
    from usage.recording import record_usage

    record_usage(org, purpose="image", provider="gemini", model="gemini-x", billing_source="org_google", units=1, input_tokens=10)
    client = client_for("finance")
    client.cookies["django_language"] = language

    rows = read_csv(client.get(reverse("usage:export", args=[dimension]), {"preset": "30d"}))

    assert [row[0] for row in rows[1:]] == [label]
