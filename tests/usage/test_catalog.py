"""usage.catalog and the load_catalog command."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from usage import catalog
from usage.models import CatalogModel

pytestmark = pytest.mark.django_db

ENTRIES = [
    {"provider": "openai", "model_id": "gpt-a", "display_name": "GPT A", "context_window": 1000,
     "input_price_per_million": "1.25", "output_price_per_million": "10", "vision": True},
    {"provider": "anthropic", "model_id": "claude-b", "display_name": "Claude B",
     "input_price_per_million": 3, "output_price_per_million": 15},
    {"provider": "gemini", "model_id": "old", "display_name": "Old", "active": False},
]


def write(tmp_path, data):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data))
    return path


def test_load_is_idempotent(tmp_path):
    path = write(tmp_path, {"models": ENTRIES})
    assert catalog.load_catalog(path) == (3, 0)
    assert catalog.load_catalog(path) == (0, 0)
    assert CatalogModel.objects.count() == 3


def test_load_updates_prices(tmp_path):
    catalog.load_catalog(write(tmp_path, ENTRIES))
    changed = [dict(ENTRIES[0], input_price_per_million="2.00")]
    assert catalog.load_catalog(write(tmp_path, changed)) == (0, 1)
    assert catalog.price_for("openai", "gpt-a") == (Decimal("2.00"), Decimal("10"))


def test_chat_models_filters_provider_and_active(tmp_path):
    catalog.load_catalog(write(tmp_path, ENTRIES))
    assert [m.model_id for m in catalog.chat_models()] == ["claude-b", "gpt-a"]
    assert [m.model_id for m in catalog.chat_models(providers=["openai", "gemini"])] == ["gpt-a"]


def test_estimate_cost(tmp_path):
    catalog.load_catalog(write(tmp_path, ENTRIES))
    assert catalog.estimate_cost("anthropic", "claude-b", 1000, 2000) == Decimal("0.03300000")
    assert catalog.estimate_cost("anthropic", "missing", 1000, 2000) == Decimal("0")
    assert catalog.price_for("anthropic", "missing") is None


def test_entry_without_model_id_rejected(tmp_path):
    with pytest.raises(ValueError, match="model_id"):
        catalog.load_catalog(write(tmp_path, [{"provider": "openai"}]))


def test_command_reports_missing_file(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("load_catalog", file=str(tmp_path / "absent.json"))


def test_shipped_catalog_loads():
    if not catalog.CATALOG_FILE.exists():
        pytest.skip("providers/catalog.json is not in the tree yet")
    created, _updated = catalog.load_catalog()
    assert created > 0
    assert catalog.chat_models().exists()


def test_price_cached_until_admin_edit(tmp_path, django_assert_num_queries):
    catalog.load_catalog(write(tmp_path, ENTRIES))
    assert catalog.price_for("openai", "gpt-a") == (Decimal("1.25"), Decimal("10"))
    with django_assert_num_queries(0):
        assert catalog.price_for("openai", "gpt-a") == (Decimal("1.25"), Decimal("10"))

    model = CatalogModel.objects.get(provider="openai", model_id="gpt-a")
    model.input_price_per_million = Decimal("4.00")
    model.save()  # what the Django admin does

    assert catalog.price_for("openai", "gpt-a") == (Decimal("4.00"), Decimal("10"))


def test_price_change_seen_after_cache_period(tmp_path, monkeypatch):
    catalog.load_catalog(write(tmp_path, ENTRIES))
    assert catalog.price_for("openai", "gpt-a")[0] == Decimal("1.25")
    # Another process's edit reaches this one only through the database.
    CatalogModel.objects.filter(model_id="gpt-a").update(input_price_per_million=Decimal("5.00"))
    assert catalog.price_for("openai", "gpt-a")[0] == Decimal("1.25")

    later = catalog.time.monotonic() + catalog.PRICE_CACHE_SECONDS + 1
    monkeypatch.setattr(catalog.time, "monotonic", lambda: later)
    assert catalog.price_for("openai", "gpt-a")[0] == Decimal("5.00")


def test_unknown_model_is_cached_until_it_is_added(tmp_path):
    assert catalog.price_for("openai", "gpt-new") is None
    CatalogModel.objects.create(
        provider="openai", model_id="gpt-new", display_name="GPT new",
        input_price_per_million=Decimal("1"), output_price_per_million=Decimal("2"),
    )
    assert catalog.price_for("openai", "gpt-new") == (Decimal("1"), Decimal("2"))
