"""The model catalog: which models agents may choose, and their list prices.

Prices are USD per million tokens. `providers/catalog.json` is the source; `load_catalog`
copies it into CatalogModel, where admins may adjust prices in the Django admin.
"""

import json
import logging
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import CatalogModel

logger = logging.getLogger(__name__)

CATALOG_FILE = Path(settings.BASE_DIR) / "providers" / "catalog.json"
MILLION = Decimal(1_000_000)
COST_QUANTUM = Decimal("0.00000001")  # the 8 decimal places of UsageEvent.cost

CHAT_PROVIDERS = ("openai", "anthropic", "gemini", "extractive")


def chat_models(providers=None):
    """Return the active catalog models, optionally only those of the given providers."""
    queryset = CatalogModel.objects.filter(active=True)
    if providers is not None:
        queryset = queryset.filter(provider__in=list(providers))
    return queryset.order_by("provider", "display_name")


# Prices by (provider, model id), each read at most once per PRICE_CACHE_SECONDS per process,
# because every usage event needs one and the catalog changes rarely. Saving or deleting a
# CatalogModel clears this process's copy at once (signals in usage.apps); other processes
# see the change within PRICE_CACHE_SECONDS.
PRICE_CACHE_SECONDS = 60
_prices: dict[tuple[str, str], tuple[tuple | None, float]] = {}
_prices_lock = threading.Lock()


def clear_price_cache(**_signal_kwargs):
    with _prices_lock:
        _prices.clear()


def price_for(provider, model_id):
    """Return (input, output) USD prices per million tokens, or None for a model not in the catalog."""
    key = (provider, model_id)
    now = time.monotonic()
    with _prices_lock:
        cached = _prices.get(key)
    if cached is not None and cached[1] > now:
        return cached[0]
    row = (
        CatalogModel.objects.filter(provider=provider, model_id=model_id)
        .values_list("input_price_per_million", "output_price_per_million")
        .first()
    )
    prices = tuple(row) if row else None
    with _prices_lock:
        _prices[key] = (prices, now + PRICE_CACHE_SECONDS)
    return prices


def cost_from_prices(prices, input_tokens, output_tokens) -> Decimal:
    """Return the cost in USD of the tokens at (input, output) prices per million tokens."""
    if prices is None:
        return Decimal("0")
    input_price, output_price = prices
    cost = (Decimal(input_tokens) * input_price + Decimal(output_tokens) * output_price) / MILLION
    return cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)


def estimate_cost(provider, model_id, input_tokens, output_tokens) -> Decimal:
    """Return the list-price cost estimate in USD; 0 for a model that is not in the catalog."""
    prices = price_for(provider, model_id)
    if prices is None:
        logger.warning("No catalog price for %s/%s; cost recorded as 0", provider, model_id)
    return cost_from_prices(prices, input_tokens, output_tokens)


def _entries_from_json(data):
    entries = data.get("models", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ValueError("expected a list of models or an object with a 'models' list")
    return entries


def _catalog_fields(entry):
    """Map one catalog.json entry to CatalogModel fields; raise ValueError naming what is missing."""
    provider = entry.get("provider")
    model_id = entry.get("model_id") or entry.get("id") or entry.get("model")
    if not provider or not model_id:
        raise ValueError(f"entry {entry!r} is missing 'provider' or 'model_id'")
    return (
        provider,
        model_id,
        {
            "display_name": entry.get("display_name") or entry.get("name") or model_id,
            "context_window": int(entry.get("context_window") or 0),
            "input_price_per_million": Decimal(str(entry.get("input_price_per_million") or 0)),
            "output_price_per_million": Decimal(str(entry.get("output_price_per_million") or 0)),
            "vision": bool(entry.get("vision", False)),
            "audio": bool(entry.get("audio", False)),
            "active": bool(entry.get("active", True)),
        },
    )


def load_catalog(path=None):
    """Create or update CatalogModel rows from catalog.json; return (created, updated) counts.

    Running it twice changes nothing. Models missing from the file are left as they are.
    Raises FileNotFoundError or ValueError (naming the entry) for a missing or malformed file.
    """
    path = Path(path or CATALOG_FILE)
    entries = _entries_from_json(json.loads(path.read_text(encoding="utf-8")))
    created = updated = 0
    with transaction.atomic():
        for entry in entries:
            provider, model_id, fields = _catalog_fields(entry)
            row, was_created = CatalogModel.objects.get_or_create(
                provider=provider, model_id=model_id, defaults=fields
            )
            if was_created:
                created += 1
                continue
            changed = [name for name, value in fields.items() if getattr(row, name) != value]
            if changed:
                for name in changed:
                    setattr(row, name, fields[name])
                row.save(update_fields=changed)
                updated += 1
    return created, updated
