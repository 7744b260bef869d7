"""The usage dashboard and its CSV exports (Perm.VIEW_USAGE)."""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from orgs.permissions import Perm
from orgs.scoping import permission_required

from . import reports
from .tables import BreakdownTable, ChargebackTable

BREAKDOWN_PAGE_SIZE = 10


def build_report(request):
    """Compute everything the page and the exports show, from the request's filters."""
    organization = request.organization
    filters = reports.parse_filters(request.GET)
    period_rows = reports.daily_rows(organization, *reports.report_days(organization, filters))
    all_rows = reports.in_range(period_rows, filters)
    rows = reports.apply_filters(all_rows, filters)
    chargeback = reports.chargeback(rows, organization.plan.billing_day)
    return {
        "period_rows": period_rows,
        "filters": filters,
        "options": reports.filter_options(all_rows),
        "rows": rows,
        "totals": reports.totals(rows, chargeback["total"]),
        "chargeback": chargeback,
    }


@require_GET
@permission_required(Perm.VIEW_USAGE)
def dashboard(request):
    report = build_report(request)
    filters = report["filters"]
    series = reports.series(request.organization, filters)
    breakdown_tables = []
    for dimension, (_column, label) in reports.DIMENSIONS.items():
        table = BreakdownTable(
            reports.breakdown(report["rows"], dimension),
            prefix=f"{dimension}-",
            exclude=("input_tokens", "output_tokens", "units"),
        )
        table.columns["name"].column.verbose_name = label
        RequestConfig(request, paginate={"per_page": BREAKDOWN_PAGE_SIZE}).configure(table)
        breakdown_tables.append({"dimension": dimension, "label": label, "table": table})
    chargeback_table = ChargebackTable(report["chargeback"]["lines"], total=report["chargeback"]["total"])
    context = {
        **report,
        "presets": reports.PRESETS,
        "sources": reports.BillingSource.choices,
        "series": series,
        "chart": reports.chart_payload(series),
        "spike_count": sum(1 for point in series["points"] if point["spike"]),
        "breakdown_tables": breakdown_tables,
        "refusals": reports.refusal_count(request.organization, filters),
        "chargeback_table": chargeback_table,
        "cost_split": reports.cost_split(request.organization, filters, report["period_rows"]),
        "quota_bars": reports.quota_usage_for(request),
        "querystring": filters.querystring(),
    }
    template = "usage/dashboard.html#results" if request.htmx else "usage/dashboard.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def csv_response(filename, header, lines):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(lines)
    return response


@require_GET
@permission_required(Perm.VIEW_USAGE)
def export_breakdown(request, dimension):
    if dimension not in reports.DIMENSIONS:
        raise Http404(f"Unknown breakdown {dimension!r}.")
    report = build_report(request)
    filters = report["filters"]
    header = [str(reports.DIMENSIONS[dimension][1]), _("Calls"), _("Failed"), _("Input tokens"), _("Output tokens"), _("Total tokens"), _("Images"), _("Estimated cost (USD)")]
    lines = [
        [group["name"], group["calls"], group["failed"], group["input_tokens"], group["output_tokens"], group["tokens"], group["units"], group["cost"]]
        for group in reports.breakdown(report["rows"], dimension)
    ]
    filename = f"usage-{dimension}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return csv_response(filename, header, lines)


@require_GET
@permission_required(Perm.VIEW_USAGE)
def export_chargeback(request):
    report = build_report(request)
    filters = report["filters"]
    chargeback = report["chargeback"]
    header = [
        _("Billing period"), _("Department"),
        _("Hosted tokens"), _("Hosted cost (USD)"),
        _("BYOK tokens"), _("BYOK cost (USD)"),
        _("Google tokens"), _("Google cost (USD)"),
        _("Total tokens"), _("Total cost (USD)"),
    ]
    columns = ["period", "department", "hosted_tokens", "hosted_cost", "byok_tokens", "byok_cost", "org_google_tokens", "org_google_cost", "tokens", "cost"]
    lines = [[line[name] for name in columns] for line in chargeback["lines"]]
    lines.append([chargeback["total"][name] for name in columns])
    filename = f"chargeback-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return csv_response(filename, header, lines)
