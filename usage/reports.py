"""Usage reports read from hourly rollups: filters, totals, breakdowns, charts, cost split, chargeback.

The page and the CSV exports call the same functions, so their figures agree to the cent.
Money is Decimal throughout; each displayed amount is rounded to cents exactly once, and
every total is the sum of the rounded amounts it totals.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import F, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.dates import EARLIEST_DATE, LATEST_DATE, is_supported_date

from .catalog import MILLION
from .models import BillingSource, DailyRollup, HourlyRollup, Refusal
from .quotas import QuotaKind, billing_period
from .spikes import baseline_span, check_series

CENT = Decimal("0.01")
MAX_RANGE_DAYS = 400
HOURLY_MAX_DAYS = 7  # ranges up to this many days are charted per hour, longer ones per day
SOURCES = [choice.value for choice in BillingSource]
SOURCE_COLORS = {"hosted": "#2f6fde", "byok": "#16a34a", "org_google": "#d97706"}
NO_VALUE = "-"
# Usage with no agent or channel comes from knowledge processing (image descriptions and
# transcriptions), so the agent and channel breakdowns name it instead of showing "-".
NO_AGENT_OR_CHANNEL = {
    "agent": gettext_lazy("Knowledge processing (no agent)"),
    "channel": gettext_lazy("Knowledge processing (no channel)"),
}
PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Google Gemini", "google": "Google", "extractive": "Extractive (offline)"}

PRESETS = {
    "today": gettext_lazy("Today"),
    "7d": gettext_lazy("Last 7 days"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "30d": gettext_lazy("Last 30 days"),
    "90d": gettext_lazy("Last 90 days"),
}

# Query parameter, rollup column and label of each breakdown filter.
DIMENSIONS = {
    "agent": ("agent_id", gettext_lazy("Agent")),
    "model": ("model", gettext_lazy("Model")),
    "channel": ("channel_kind", gettext_lazy("Channel")),
    "department": ("department", gettext_lazy("Department")),
}


def cents(amount) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


# --- filters ---------------------------------------------------------------


@dataclass
class Filters:
    start: date
    end: date  # inclusive
    preset: str = ""
    source: str = ""
    values: dict = field(default_factory=dict)  # dimension name -> requested value
    messages: list = field(default_factory=list)

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def granularity(self) -> str:
        return "hour" if self.days <= HOURLY_MAX_DAYS else "day"

    def querystring(self) -> str:
        """Return the query string that reproduces these filters (for export links)."""
        from urllib.parse import urlencode

        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.source:
            params["source"] = self.source
        params.update({name: value for name, value in self.values.items() if value})
        return urlencode(params)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    month_start = today.replace(day=1)
    if preset == "today":
        return today, today
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "90d":
        return today - timedelta(days=89), today
    if preset == "last_month":
        last_month_end = month_start - timedelta(days=1)
        return last_month_end.replace(day=1), last_month_end
    return month_start, today


def _parse_date(text, name, messages):
    if not text:
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        messages.append(
            _("Invalid %(name)s date %(value)r: use the form YYYY-MM-DD. The default range is shown.")
            % {"name": name, "value": text[:40]}
        )
        return None
    if not is_supported_date(value):
        messages.append(
            _("Invalid %(name)s date %(value)s: use a date from %(earliest)s to %(latest)s. The default range is shown.")
            % {
                "name": name,
                "value": value.isoformat(),
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            }
        )
        return None
    return value


def parse_filters(params, today: date | None = None) -> Filters:
    """Read the range and filters from query parameters; bad values become messages, never errors."""
    today = today or timezone.localdate()
    messages = []
    preset = params.get("preset", "")
    if preset and preset not in PRESETS:
        messages.append(_("Unknown range %(value)r: showing this month.") % {"value": preset[:40]})
        preset = ""
    start = _parse_date(params.get("start", ""), _("start"), messages)
    end = _parse_date(params.get("end", ""), _("end"), messages)
    if preset or start is None or end is None:
        if not preset and (start or end) and not messages:
            messages.append(_("Both a start and an end date are needed: showing this month."))
        start, end = preset_range(preset or "this_month", today)
    if start > end:
        messages.append(
            _("The start date %(start)s is after the end date %(end)s: the two were swapped.")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
        start, end = end, start
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        messages.append(
            _("Ranges are limited to %(days)s days: showing %(days)s days up to %(end)s.")
            % {"days": MAX_RANGE_DAYS, "end": end.isoformat()}
        )
    source = params.get("source", "")
    if source and source not in SOURCES:
        messages.append(
            _("Unknown billing source %(value)r: the filter was ignored.") % {"value": source[:40]}
        )
        source = ""
    values = {name: params.get(name, "").strip()[:200] for name in DIMENSIONS}
    return Filters(start=start, end=end, preset=preset, source=source, values=values, messages=messages)


# --- rollup rows ---------------------------------------------------------------

SUM_COLUMNS = ("events", "failed_events", "input_tokens", "output_tokens", "quota_tokens", "units", "media_seconds", "cost")
GROUP_COLUMNS = ("billing_source", "agent_id", "model", "provider", "key_id", "channel_kind", "department", "purpose")


def daily_rows(organization, start: date, end: date) -> list[dict]:
    """Return daily rollup rows from start to end (exclusive dates), cost as Decimal."""
    queryset = DailyRollup.objects.filter(organization=organization, day__gte=start, day__lt=end).values(
        "day", "agent_name", *GROUP_COLUMNS, *SUM_COLUMNS
    )
    return list(queryset)  # the DecimalField converter already returns cost as Decimal


def apply_filters(rows, filters: Filters) -> list[dict]:
    """Keep the rows matching the filters; unknown filter values are dropped with a message."""
    for name, (column, label) in DIMENSIONS.items():
        value = filters.values.get(name)
        if value and not any(row[column] == value for row in rows):
            filters.messages.append(
                _("No usage for %(dimension)s %(value)r in this date range: the filter was ignored.")
                % {"dimension": str(label).lower(), "value": value}
            )
            filters.values[name] = ""
    selected = {DIMENSIONS[name][0]: value for name, value in filters.values.items() if value}
    if filters.source:
        selected["billing_source"] = filters.source
    return [row for row in rows if all(row[column] == value for column, value in selected.items())]


def filter_options(rows) -> dict:
    """Return the values each filter may take in these rows, as sorted (value, label) pairs."""
    options = {}
    for name, (column, _label) in DIMENSIONS.items():
        labels = {}
        for row in rows:
            if row[column]:
                labels[row[column]] = row["agent_name"] or row[column] if name == "agent" else row[column]
        if name == "channel":
            names = channel_labels()
            labels = {value: names.get(value, value) for value in labels}
        options[name] = sorted(labels.items(), key=lambda item: str(item[1]).lower())
    return options


# --- totals and breakdowns ----------------------------------------------------


def totals(rows, chargeback_total: dict) -> dict:
    """Return the sums of rows, with the cost per billing source and in all.

    The split by billing source comes from `chargeback(rows, ...)["total"]`, whose costs are
    sums of cells rounded per billing period, department and billing source. So the headline
    cost equals the chargeback total to the cent, even when the range spans two periods.
    """
    result = {name: sum(row[name] for row in rows) for name in SUM_COLUMNS if name != "cost"}
    result["tokens"] = result["input_tokens"] + result["output_tokens"]
    result["cost_by_source"] = {source: chargeback_total[f"{source}_cost"] for source in SOURCES}
    result["tokens_by_source"] = {source: chargeback_total[f"{source}_tokens"] for source in SOURCES}
    result["cost"] = chargeback_total["cost"]
    return result


def channel_labels() -> dict:
    """Return {channel kind: label} from the agents app's Channel model, if it is installed."""
    try:
        Channel = apps.get_model("agents", "Channel")
    except LookupError:
        return {}
    return {value: str(label) for value, label in Channel._meta.get_field("kind").choices}


def breakdown(rows, dimension: str) -> list[dict]:
    """Return one row per value of dimension: calls, tokens and cost, largest cost first."""
    column = DIMENSIONS[dimension][0]
    groups = defaultdict(lambda: {"calls": 0, "failed": 0, "input_tokens": 0, "output_tokens": 0, "units": 0, "cost": Decimal(0), "name": ""})
    for row in rows:
        group = groups[row[column]]
        group["calls"] += row["events"]
        group["failed"] += row["failed_events"]
        group["input_tokens"] += row["input_tokens"]
        group["output_tokens"] += row["output_tokens"]
        group["units"] += row["units"]
        group["cost"] += row["cost"]
        if dimension == "agent":
            group["name"] = row["agent_name"] or row["agent_id"]
    names = channel_labels() if dimension == "channel" else {}
    result = []
    for key, group in groups.items():
        group["key"] = key
        group["name"] = group["name"] or names.get(key) or key or NO_AGENT_OR_CHANNEL.get(dimension, NO_VALUE)
        group["tokens"] = group["input_tokens"] + group["output_tokens"]
        group["cost"] = cents(group["cost"])
        result.append(group)
    result.sort(key=lambda group: (-group["cost"], -group["tokens"], str(group["name"])))
    return result


# --- chart series ---------------------------------------------------------------


def series(organization, filters: Filters) -> dict:
    """Return tokens and cost per bucket and billing source, with spike checks on total tokens.

    The query reaches back one baseline span before the range so the first buckets of the
    range have a baseline too.
    """
    granularity = filters.granularity
    step = timedelta(hours=1)
    history_start = filters.start_at - baseline_span(granularity)
    if granularity == "hour":
        queryset = HourlyRollup.objects.filter(
            organization=organization, hour__gte=history_start, hour__lt=filters.end_at
        ).annotate(bucket=TruncHour("hour"))
    else:
        queryset = DailyRollup.objects.filter(
            organization=organization, day__gte=timezone.localtime(history_start).date(), day__lte=filters.end
        ).annotate(bucket=F("day"))
    if filters.source:
        queryset = queryset.filter(billing_source=filters.source)
    for name, value in filters.values.items():
        if value:
            queryset = queryset.filter(**{DIMENSIONS[name][0]: value})
    grouped = (
        queryset.values("bucket", "billing_source")
        .annotate(input=Sum("input_tokens"), output=Sum("output_tokens"), cost=Sum("cost"))
        .order_by()
    )
    if granularity == "hour":
        count = int((filters.end_at - history_start) / step)
        buckets = [history_start + step * offset for offset in range(count)]
    else:
        # Whole local days, so that a daylight-saving change keeps buckets on midnight.
        first_day = timezone.localtime(history_start).date()
        days = (filters.end - first_day).days + 1
        buckets = [
            timezone.make_aware(datetime.combine(first_day + timedelta(days=offset), time.min))
            for offset in range(days)
        ]
    index = {bucket: position for position, bucket in enumerate(buckets)}
    tokens = {source: [0] * len(buckets) for source in SOURCES}
    cost = {source: [Decimal(0)] * len(buckets) for source in SOURCES}
    for row in grouped:
        bucket = row["bucket"]
        if granularity == "day":
            bucket = timezone.make_aware(datetime.combine(bucket, time.min))
        position = index.get(timezone.localtime(bucket))
        if position is None:
            continue
        tokens[row["billing_source"]][position] += (row["input"] or 0) + (row["output"] or 0)
        cost[row["billing_source"]][position] += Decimal(row["cost"] or 0)
    total_tokens = [sum(tokens[source][position] for source in SOURCES) for position in range(len(buckets))]
    first = index.get(filters.start_at, 0)
    checks = check_series(total_tokens, granularity, first_index=first)
    label_format = "%m-%d %H:%M" if granularity == "hour" else "%Y-%m-%d"
    points = []
    for position in range(first, len(buckets)):
        check = checks[position]
        points.append(
            {
                "label": timezone.localtime(buckets[position]).strftime(label_format),
                "tokens": {source: tokens[source][position] for source in SOURCES},
                "cost": {source: cents(cost[source][position]) for source in SOURCES},
                "total_tokens": total_tokens[position],
                "spike": check.is_spike,
                "median": round(check.median),
                "threshold": round(check.threshold) if check.is_spike else None,
            }
        )
    return {"granularity": granularity, "points": points}


def spike_explanation(point, granularity) -> str:
    baseline = (
        _("the same hour on the previous 14 days")
        if granularity == "hour"
        else _("the previous 28 days")
    )
    return _(
        "Spike: %(tokens)s tokens, above the threshold of %(threshold)s (median %(median)s of "
        "%(baseline)s, plus 5 times the robust spread, from the median absolute deviation)."
    ) % {
        "tokens": f"{point['total_tokens']:,}",
        "threshold": f"{point['threshold']:,}",
        "median": f"{point['median']:,}",
        "baseline": baseline,
    }


def chart_payload(series_data) -> dict:
    """Return the JSON that the Chart.js charts read: two stacked bar charts and spike markers."""
    points = series_data["points"]
    labels = [point["label"] for point in points]
    source_labels = dict(BillingSource.choices)
    spikes = [
        {"index": position, "tooltip": spike_explanation(point, series_data["granularity"])}
        for position, point in enumerate(points)
        if point["spike"]
    ]

    def datasets(metric):
        return [
            {
                "label": str(source_labels[source]),
                "color": SOURCE_COLORS[source],
                "data": [float(point[metric][source]) for point in points],
            }
            for source in SOURCES
        ]

    return {
        "labels": labels,
        "tokens": datasets("tokens"),
        "cost": datasets("cost"),
        "spikes": spikes,
        "spikeLabel": _("Spike"),
        "tokensTitle": _("Tokens"),
        "costTitle": _("Estimated cost (USD)"),
    }


# --- cost split and chargeback -------------------------------------------------


def periods_touched(billing_day, start: date, end: date) -> list[tuple[date, date]]:
    """Return the billing periods (start, exclusive end) that overlap [start, end]."""
    periods = []
    period = billing_period(billing_day, start)
    while period[0] <= end:
        periods.append(period)
        period = billing_period(billing_day, period[1])
    return periods


def key_labels(key_ids) -> dict:
    """Return {key id: "label …1234"} for the organization keys that still exist."""
    valid = []
    for key_id in key_ids:
        try:
            valid.append(uuid.UUID(key_id))
        except (TypeError, ValueError):
            continue
    if not valid:
        return {}
    try:
        ApiKey = apps.get_model("keys", "ApiKey")
    except LookupError:
        return {}
    found = ApiKey.objects.filter(public_id__in=valid).values_list("public_id", "label", "fingerprint")
    return {str(public_id): f"{label} …{fingerprint}" for public_id, label, fingerprint in found}


def report_days(organization, filters: Filters) -> tuple[date, date]:
    """Return the days (start, exclusive end) that the page reads: the range and its whole periods."""
    periods = periods_touched(organization.plan.billing_day, filters.start, filters.end)
    return min(periods[0][0], filters.start), max(periods[-1][1], filters.end + timedelta(days=1))


def in_range(rows, filters: Filters) -> list[dict]:
    return [row for row in rows if filters.start <= row["day"] <= filters.end]


def cost_split(organization, filters: Filters, rows=None) -> list[dict]:
    """Return, per billing period that the range touches, what the platform and providers bill.

    Platform subscription: the plan price, plus hosted tokens beyond the plan's monthly
    quota at the overage price when the plan allows overage. Provider invoices (estimates at
    list prices): BYOK usage per provider and key, and enrichment on the organization's
    Google key under Google. Whole periods are shown and the filters do not apply, because
    invoices cover whole periods of the whole organization. `rows` are daily rows that cover
    those periods, when the caller has them already.
    """
    plan = organization.plan
    periods = periods_touched(plan.billing_day, filters.start, filters.end)
    if rows is None:
        rows = daily_rows(organization, periods[0][0], periods[-1][1])
    labels = key_labels({row["key_id"] for row in rows})
    result = []
    for period_start, period_end in periods:
        in_period = [row for row in rows if period_start <= row["day"] < period_end]
        hosted_tokens = sum(row["quota_tokens"] for row in in_period)
        overage_tokens = max(hosted_tokens - plan.monthly_hosted_tokens, 0) if plan.overage_allowed else 0
        overage = cents(Decimal(overage_tokens) * plan.overage_price_per_million_tokens / MILLION)
        invoices = defaultdict(lambda: {"cost": Decimal(0), "tokens": 0, "units": 0})
        for row in in_period:
            if row["billing_source"] == "byok":
                key = ("byok", row["provider"], row["key_id"])
            elif row["billing_source"] == "org_google":
                key = ("org_google", "google", row["key_id"])
            else:
                continue
            invoices[key]["cost"] += row["cost"]
            invoices[key]["tokens"] += row["input_tokens"] + row["output_tokens"]
            invoices[key]["units"] += row["units"]
        provider_lines = []
        for (source, provider, key_id), amounts in sorted(invoices.items()):
            provider_lines.append(
                {
                    "provider": PROVIDER_NAMES.get(provider, provider),
                    "source": source,
                    "key": labels.get(key_id) or key_id or NO_VALUE,
                    "tokens": amounts["tokens"],
                    "units": amounts["units"],
                    "cost": cents(amounts["cost"]),
                }
            )
        providers_total = sum((line["cost"] for line in provider_lines), Decimal("0.00"))
        subscription = cents(plan.monthly_price) + overage
        result.append(
            {
                "start": period_start,
                "end": period_end - timedelta(days=1),
                "plan_price": cents(plan.monthly_price),
                "hosted_tokens": hosted_tokens,
                "overage_tokens": overage_tokens,
                "overage": overage,
                "subscription": subscription,
                "provider_lines": provider_lines,
                "providers_total": providers_total,
                "total": subscription + providers_total,
            }
        )
    return result


def chargeback(rows, billing_day: int) -> dict:
    """Return tokens and cost per billing period and department, split by billing source.

    Each cost cell is rounded to cents once. Row totals and the grand total are sums of the
    rounded cells, so the page, the CSV and a spreadsheet sum of the CSV agree to the cent.
    """
    raw = defaultdict(lambda: {source: {"tokens": 0, "cost": Decimal(0)} for source in SOURCES})
    for row in rows:
        period_start = billing_period(billing_day, row["day"])[0]
        cell = raw[(period_start, row["department"])][row["billing_source"]]
        cell["tokens"] += row["input_tokens"] + row["output_tokens"]
        cell["cost"] += row["cost"]
    lines = []
    for (period_start, department), cells in sorted(raw.items()):
        line = {"period": period_start.isoformat(), "department": department or NO_VALUE}
        for source in SOURCES:
            line[f"{source}_tokens"] = cells[source]["tokens"]
            line[f"{source}_cost"] = cents(cells[source]["cost"])
        line["tokens"] = sum(line[f"{source}_tokens"] for source in SOURCES)
        line["cost"] = sum((line[f"{source}_cost"] for source in SOURCES), Decimal("0.00"))
        lines.append(line)
    total = {"period": "", "department": _("Total")}
    for name in [f"{source}_{metric}" for source in SOURCES for metric in ("tokens", "cost")] + ["tokens", "cost"]:
        start = Decimal("0.00") if name.endswith("cost") else 0
        total[name] = sum((line[name] for line in lines), start)
    return {"lines": lines, "total": total}


def refusal_count(organization, filters: Filters) -> int:
    """Return how many calls were refused before any provider request in the range.

    Only the agent and department filters apply, because a refusal has no billing source,
    model or channel.
    """
    refusals = Refusal.objects.filter(organization=organization, at__gte=filters.start_at, at__lt=filters.end_at)
    if filters.values.get("agent"):
        refusals = refusals.filter(agent_id=filters.values["agent"])
    if filters.values.get("department"):
        refusals = refusals.filter(department=filters.values["department"])
    return refusals.count()


def quota_usage(organization) -> list[dict]:
    """Return used, reserved and limit of each quota in the current billing period."""
    from .quotas import QUOTA_LABELS, current_period

    bars = []
    for kind in QuotaKind:
        period = current_period(organization, kind)
        if period.limit:
            percent = min(round(period.used * 100 / period.limit), 100)
        else:
            percent = 100 if period.used else 0
        level = "ok"
        if percent >= 100:
            level = "danger"
        elif percent >= 80:
            level = "warn"
        bars.append(
            {
                "kind": kind.value,
                "label": QUOTA_LABELS[kind.value],
                "used": period.used,
                "reserved": period.reserved,
                "limit": period.limit,
                "percent": percent,
                "level": level,
                "resets": period.period_end,
            }
        )
    return bars


def quota_usage_for(request) -> list[dict]:
    """Return quota_usage for the request's organization, computed once per request."""
    cached = getattr(request, "_usage_quota_bars", None)
    if cached is None:
        cached = request._usage_quota_bars = quota_usage(request.organization)
    return cached
