"""Dashboard hooks of the usage app: the month's totals panel and quota and spike banners."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.permissions import Perm

from . import reports
from .models import SpikeAlert

SPIKE_BANNER_HOURS = 72


def panel(request):
    """Return this month's usage totals and quota bars for members who may see usage."""
    if Perm.VIEW_USAGE not in request.perms:
        return None
    filters = reports.parse_filters({})
    rows = reports.daily_rows(request.organization, filters.start, filters.end + timedelta(days=1))
    chargeback_total = reports.chargeback(rows, request.organization.plan.billing_day)["total"]
    return {
        "template": "usage/_panel.html",
        "context": {"totals": reports.totals(rows, chargeback_total), "bars": reports.quota_usage_for(request)},
    }


def banners(request):
    """Return quota warnings (80 % and 100 %) and a recent spike alert to members who may see usage.

    The result is kept on the request because every RequestContext (django-tables2 renders
    each table with one) runs the context processors, and so this function, again.
    """
    if Perm.VIEW_USAGE not in request.perms:
        return []
    cached = getattr(request, "_usage_banners", None)
    if cached is None:
        cached = request._usage_banners = _banners(request)
    return cached


def _banners(request):
    url = reverse("usage:dashboard")
    result = []
    for bar in reports.quota_usage_for(request):
        if not bar["limit"] or bar["percent"] < 80:
            continue
        values = {"quota": bar["label"], "percent": bar["percent"], "resets": bar["resets"].isoformat()}
        if bar["percent"] >= 100:
            message = _("%(quota)s: the plan quota is used up until %(resets)s. Hosted calls of this kind fail until then, unless you upgrade the plan or use your own provider keys.") % values
            level = "danger"
        else:
            message = _("%(quota)s: %(percent)s%% of the plan quota is used; it resets on %(resets)s.") % values
            level = "warning"
        result.append({"level": level, "message": message, "url": url, "link_text": _("View usage")})
    since = timezone.now() - timedelta(hours=SPIKE_BANNER_HOURS)
    spike = SpikeAlert.objects.filter(organization=request.organization, hour__gte=since).first()
    if spike is not None:
        result.append(
            {
                "level": "warning",
                "message": _("Usage spike at %(hour)s: %(tokens)s tokens in one hour, above the usual %(median)s.") % {
                    "hour": timezone.localtime(spike.hour).strftime("%Y-%m-%d %H:%M"),
                    "tokens": f"{spike.tokens:,}",
                    "median": f"{round(spike.baseline_median):,}",
                },
                "url": f"{url}?preset=7d",
                "link_text": _("See the chart"),
            }
        )
    return result
