"""Helpers shared by the usage tests: catalog prices and recorded usage at fixed times."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from usage.models import CatalogModel
from usage.recording import record_usage


def add_prices():
    CatalogModel.objects.create(
        provider="openai", model_id="gpt-test", display_name="GPT test",
        input_price_per_million=Decimal("2.50"), output_price_per_million=Decimal("10.00"),
    )
    CatalogModel.objects.create(
        provider="anthropic", model_id="claude-test", display_name="Claude test",
        input_price_per_million=Decimal("3.00"), output_price_per_million=Decimal("15.00"),
    )
    CatalogModel.objects.create(
        provider="gemini", model_id="gemini-test", display_name="Gemini test", vision=True, audio=True,
        input_price_per_million=Decimal("0.30"), output_price_per_million=Decimal("2.50"),
    )


def record_mix(org, *, days=3, now=None):
    """Record a varied set of calls over the last `days` days; return the events."""
    now = now or timezone.now()
    events = []
    plan = [
        ("Support Bot", "Support", "openai", "gpt-test", "hosted", "web_widget", 1234, 321),
        ("Sales Bot", "Sales", "anthropic", "claude-test", "byok", "api", 2345, 567),
        ("Legal Bot", "Legal", "openai", "gpt-test", "byok", "playground", 999, 111),
    ]
    for day in range(days):
        for hour in (1, 9, 13):
            at = now - timedelta(days=day, hours=hour)
            for index, (name, department, provider, model, source, channel, tokens_in, tokens_out) in enumerate(plan):
                events.append(
                    record_usage(
                        org, purpose="chat", provider=provider, model=model, billing_source=source,
                        key_id="" if source == "hosted" else f"key-{provider}",
                        agent_id=f"agent-{index}", agent_name=name, channel_kind=channel, department=department,
                        input_tokens=tokens_in + day + hour, output_tokens=tokens_out + day,
                        status="failed" if (day, hour, index) == (1, 9, 2) else "ok", at=at,
                    )
                )
        events.append(
            record_usage(
                org, purpose="image", provider="gemini", model="gemini-test", billing_source="org_google",
                key_id="key-gemini", input_tokens=700 + day, output_tokens=90, units=1,
                counts_against_quota=False, at=now - timedelta(days=day, hours=2),
            )
        )
    return events
