"""Demo usage for `manage.py seed_demo`: about 60 days of generated history with a campaign spike.

Generated events carry `demo=True`. Seeding again deletes them and generates the same pattern
relative to the current time, so real usage is never touched and the history stays recent.
"""

import math
import random
import uuid
from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from . import catalog
from .models import DemoSeed, QuotaPeriod, UsageEvent
from .quotas import QuotaKind, current_period
from .rollups import rebuild_rollups
from .spikes import record_spike_starts

HISTORY_DAYS = 60
SPIKE_DAYS_AGO = 2
SPIKE_HOURS = range(10, 16)  # the campaign runs from 10:00 to 16:00 local time
SPIKE_EXTRA_CALLS = 35  # extra Sales Assistant calls per campaign hour, about 15 times the usual
DEMO_KEY_IDS = {  # stand-ins for org key ids when the keys demo created no key of that provider
    "openai": "demo OpenAI key",
    "anthropic": "demo Anthropic key",
    "gemini": "demo Google key",
}

# name, department, provider, billing source, channel, mean calls per business hour.
# agents.demo creates an agent for each profile, so every agent in the history exists.
PROFILES = [
    ("Acme Helpdesk", "Support", "extractive", "hosted", "web_widget", 2.0),
    ("Support Copilot", "Support", "openai", "hosted", "playground", 1.5),
    ("Sales Assistant", "Sales", "openai", "byok", "web_widget", 1.2),
    ("Contract Reviewer", "Legal", "anthropic", "byok", "api", 0.6),
]


def _agent_ids(organization):
    """Return {agent name: public id}, using the agents that exist and stable ids for the rest."""
    ids = {name: str(uuid.uuid5(organization.public_id, name)) for name, *_rest in PROFILES}
    try:
        Agent = apps.get_model("agents", "Agent")
    except LookupError:
        return ids
    for public_id, name in Agent.objects.filter(organization=organization).values_list("public_id", "name"):
        if name in ids:
            ids[name] = str(public_id)
    return ids


def _key_ids(organization):
    """Return {provider: key id}, preferring the organization's demo keys where they exist."""
    key_ids = dict(DEMO_KEY_IDS)
    try:
        ApiKey = apps.get_model("keys", "ApiKey")
    except LookupError:
        return key_ids
    for public_id, provider in ApiKey.objects.filter(organization=organization).values_list("public_id", "provider"):
        key_ids.setdefault(provider, str(public_id))
        if key_ids[provider] == DEMO_KEY_IDS.get(provider):
            key_ids[provider] = str(public_id)
    return key_ids


def model_for(provider, wanted_vision=False, cheapest=True):
    """Return (model id, prices) of the cheapest (or dearest) active catalog model of provider."""
    models = catalog.chat_models(providers=[provider])
    if wanted_vision:
        models = models.filter(vision=True)
    price = "input_price_per_million" if cheapest else "-input_price_per_million"
    model = models.order_by(price, "display_name").first()
    if model is None:
        return f"{provider}-demo", None
    return model.model_id, (model.input_price_per_million, model.output_price_per_million)


def _calls_this_hour(rng, moment, rate):
    weekday = moment.weekday() < 5
    business = 8 <= moment.hour < 18
    mean = rate
    if not business:
        mean *= 0.08
    if not weekday:
        mean *= 0.25
    # Poisson draw (Knuth's method): count uniform draws until their product falls below e^-mean.
    limit, calls, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        calls += 1
        product *= rng.random()
    return calls


def generate_events(organization, now=None):
    """Return unsaved demo UsageEvents for the last HISTORY_DAYS days, deterministic per organization."""
    now = timezone.localtime(now or timezone.now())
    rng = random.Random(organization.slug)
    agent_ids = _agent_ids(organization)
    key_ids = _key_ids(organization)
    spike_day = (now - timedelta(days=SPIKE_DAYS_AGO)).date()
    gemini_model, gemini_prices = model_for("gemini", wanted_vision=True)
    profiles = [
        (name, department, provider, source, channel, rate, *model_for(provider, cheapest=source == "hosted"))
        for name, department, provider, source, channel, rate in PROFILES
    ]
    start = (now - timedelta(days=HISTORY_DAYS)).replace(minute=0, second=0, microsecond=0)
    events = []
    hour = start
    while hour < now.replace(minute=0, second=0, microsecond=0):
        campaign = hour.date() == spike_day and hour.hour in SPIKE_HOURS
        for name, department, provider, source, channel, rate, model, prices in profiles:
            calls = _calls_this_hour(rng, hour, rate)
            if campaign and name == "Sales Assistant":
                calls += SPIKE_EXTRA_CALLS + rng.randint(0, 10)
            for _call in range(calls):
                input_tokens = rng.randint(900, 4200)
                output_tokens = rng.randint(120, 700)
                failed = rng.random() < 0.02
                if provider == "extractive":
                    # The offline model reports zero tokens, as in real turns.
                    input_tokens = output_tokens = 0
                events.append(
                    UsageEvent(
                        organization=organization,
                        at=hour + timedelta(seconds=rng.randint(0, 3599)),
                        purpose="chat",
                        provider=provider,
                        model=model,
                        billing_source=source,
                        key_id=key_ids.get(provider, "") if source == "byok" else "",
                        agent_id=agent_ids[name],
                        agent_name=name,
                        channel_kind=channel,
                        department=department,
                        input_tokens=input_tokens,
                        output_tokens=0 if failed else output_tokens,
                        cost=catalog.cost_from_prices(prices, input_tokens, 0 if failed else output_tokens),
                        status="failed" if failed else "ok",
                        error_code="provider_500" if failed else "",
                        latency_ms=rng.randint(400, 4200),
                        counts_against_quota=provider != "extractive",
                        demo=True,
                    )
                )
        if hour.weekday() < 5 and hour.hour == 11 and rng.random() < 0.5:
            events.extend(_enrichment_events(organization, rng, hour, gemini_model, gemini_prices, key_ids))
        hour += timedelta(hours=1)
    return events


def _enrichment_events(organization, rng, hour, model, prices, key_ids):
    """Return the image and media events of one document upload, billed to the org Google key."""
    events = []
    for purpose in ["image"] * rng.randint(1, 4) + ["media"] * rng.randint(0, 1):
        input_tokens = rng.randint(300, 1800) if purpose == "image" else rng.randint(4000, 20000)
        output_tokens = rng.randint(80, 300) if purpose == "image" else rng.randint(800, 4000)
        events.append(
            UsageEvent(
                organization=organization,
                at=hour + timedelta(seconds=rng.randint(0, 3599)),
                purpose=purpose,
                provider="gemini",
                model=model,
                billing_source="org_google",
                key_id=key_ids.get("gemini", ""),
                department="Knowledge",
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                units=1 if purpose == "image" else 0,
                media_seconds=rng.randint(60, 900) if purpose == "media" else 0,
                cost=catalog.cost_from_prices(prices, input_tokens, output_tokens),
                counts_against_quota=False,
                latency_ms=rng.randint(1500, 9000),
                demo=True,
            )
        )
    return events


def _settle_current_period(organization):
    """Set the hosted token quota's `used` to the hosted demo usage of the current period."""
    period = current_period(organization, QuotaKind.HOSTED_TOKENS)
    events = UsageEvent.objects.filter(
        organization=organization,
        billing_source="hosted",
        counts_against_quota=True,
        at__date__gte=period.period_start,
    ).values_list("input_tokens", "output_tokens")
    used = sum(input_tokens + output_tokens for input_tokens, output_tokens in events)
    QuotaPeriod.objects.filter(pk=period.pk).update(used=used, reserved=0)
    return used, period.limit


def seed(organization, users, stdout):
    """Replace the demo usage history of organization; running it again changes nothing else."""
    try:
        created, updated = catalog.load_catalog()
        stdout.write(f"  Model catalog: {created} created, {updated} updated.")
    except FileNotFoundError:
        stdout.write(f"  Model catalog file {catalog.CATALOG_FILE} not found: demo costs use the models already in the catalog.")
    events = generate_events(organization)
    with transaction.atomic():
        UsageEvent.objects.filter(organization=organization, demo=True).delete()
        UsageEvent.objects.bulk_create(events, batch_size=2000)
        rebuild_rollups(organization, start=timezone.now() - timedelta(days=HISTORY_DAYS + 1))
        DemoSeed.objects.update_or_create(organization=organization)
    now = timezone.now()
    # Alert only on the last week, as the hourly beat task would have; older hours get chart markers only.
    alerts = record_spike_starts(organization, now - timedelta(days=7), now)
    used, limit = _settle_current_period(organization)
    stdout.write(
        f"  Usage history: {len(events)} events over {HISTORY_DAYS} days, "
        f"{len(alerts)} new spike alerts, hosted quota {used:,} of {limit:,} tokens used."
    )
