"""Recording billable calls and refusals; the only writers of UsageEvent and Refusal.

Callers pass agents and channels as ids and names, never as model instances, so that usage
does not import the agents app. The department is copied from the agent at write time, so a
later change of the agent's department does not move past usage.
"""

from django.db import transaction
from django.utils import timezone

from .catalog import estimate_cost
from .models import BillingSource, Purpose, Refusal, Status, UsageEvent
from .rollups import add_to_rollup, rollup_statements


def _checked(value, choices, name):
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValueError(f"Invalid {name} {value!r}: use one of {allowed}.")
    return value


def _text(value) -> str:
    return "" if value is None else str(value)


def record_usage(organization, **details) -> UsageEvent:
    """Store one billable call with its list-price cost estimate and add it to its rollups.

    Record every call that reached a provider, failed ones included (status "failed" with
    whatever usage the provider reported). `details` are those of `usage_event`.
    """
    event = usage_event(organization, **details)
    # No savepoint: inside a caller's transaction (a chat turn) the event and its rollups
    # commit or roll back with it, and a savepoint would cost two more statements.
    with transaction.atomic(savepoint=False):
        event.save()
        add_to_rollup(event)
    return event


def add_usage_to_batch(batch, event: UsageEvent) -> None:
    """Add the writes of `record_usage` to a `config.write_batch.WriteBatch`.

    A chat turn writes its usage in the same statement as its messages and trace.
    """
    batch.insert("usage_event", event)
    hourly, daily = rollup_statements(event)
    batch.execute("hourly_rollup", *hourly)
    batch.execute("daily_rollup", *daily)


def usage_event(
    organization,
    *,
    purpose,
    provider,
    model,
    billing_source,
    key_id="",
    agent_id=None,
    agent_name="",
    channel_id=None,
    channel_kind="",
    department="",
    input_tokens=0,
    output_tokens=0,
    units=0,
    media_seconds=0,
    status="ok",
    latency_ms=None,
    error_code="",
    counts_against_quota=True,
    at=None,
) -> UsageEvent:
    """Return the unsaved event of one billable call, its cost estimated at list prices.

    Raises ValueError for an unknown purpose, billing source or status, or negative amounts.
    """
    _checked(str(purpose), Purpose, "purpose")
    _checked(str(billing_source), BillingSource, "billing source")
    _checked(str(status), Status, "status")
    amounts = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "units": units,
        "media_seconds": media_seconds,
    }
    for name, amount in amounts.items():
        if amount is None or amount < 0:
            raise ValueError(f"Invalid {name} {amount!r}: use 0 or a positive integer.")
    return UsageEvent(
        organization=organization,
        at=at or timezone.now(),
        purpose=str(purpose),
        provider=provider,
        model=model,
        billing_source=str(billing_source),
        key_id=_text(key_id),
        agent_id=_text(agent_id),
        agent_name=agent_name or "",
        channel_id=_text(channel_id),
        channel_kind=channel_kind or "",
        department=department or "",
        cost=estimate_cost(provider, model, input_tokens, output_tokens),
        status=str(status),
        latency_ms=latency_ms,
        error_code=error_code or "",
        counts_against_quota=counts_against_quota,
        **{name: int(amount) for name, amount in amounts.items()},
    )


def record_refusal(
    organization,
    *,
    purpose,
    reason,
    agent_id=None,
    agent_name="",
    provider="",
    model="",
    department="",
    at=None,
) -> Refusal:
    """Store a call refused before any network request; refusals are counted apart from usage."""
    _checked(str(purpose), Purpose, "purpose")
    return Refusal.objects.create(
        organization=organization,
        at=at or timezone.now(),
        purpose=str(purpose),
        reason=str(reason),
        agent_id=_text(agent_id),
        agent_name=agent_name or "",
        provider=provider or "",
        model=model or "",
        department=department or "",
    )
