"""The shipped model catalog and its validation."""

import json
from decimal import Decimal

import pytest

from providers import PROVIDERS
from providers.catalog import catalog_source, load_catalog


def test_shipped_catalog_loads():
    entries = load_catalog()

    providers = {entry.provider for entry in entries}
    assert providers == set(PROVIDERS)
    for entry in entries:
        assert entry.display_name
        assert entry.input_price_per_million >= 0
        assert entry.output_price_per_million >= 0
        if entry.provider != "extractive":
            assert entry.context_window > 0
            assert entry.output_price_per_million > 0


def test_extractive_model_is_free():
    (entry,) = [entry for entry in load_catalog() if entry.provider == "extractive"]

    assert entry.model_id == "extractive-v1"
    assert entry.input_price_per_million == 0
    assert entry.output_price_per_million == 0
    assert entry.cost(1_000_000, 1_000_000) == 0


def test_source_is_dated():
    source = catalog_source()

    assert source["consulted"]
    for provider in ("openai", "anthropic", "gemini"):
        assert source[provider]


def test_cost_uses_decimal_prices():
    entry = next(entry for entry in load_catalog() if entry.model_id == "gpt-5.4-mini")

    assert entry.cost(1_000_000, 0) == Decimal("0.75")
    assert entry.cost(2_000, 1_000) == Decimal("0.0060")


def write_catalog(tmp_path, models):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"_source": {}, "models": models}))
    return path


GOOD = {
    "provider": "openai",
    "model_id": "gpt-x",
    "display_name": "GPT X",
    "context_window": 1000,
    "input_price_per_million": "1.00",
    "output_price_per_million": "2.00",
    "vision": True,
    "audio": False,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"provider": "acme"}, "unknown provider 'acme'"),
        ({"input_price_per_million": "cheap"}, "input_price_per_million 'cheap' is not a decimal number"),
        ({"output_price_per_million": "-1"}, "must be a finite, non-negative price"),
        ({"context_window": "big"}, "context_window 'big' must be a non-negative integer"),
        ({"vision": "yes"}, "vision 'yes' must be true or false"),
        ({"model_id": " "}, "model_id must be a non-empty string"),
    ],
)
def test_bad_entry_named_in_error(tmp_path, change, message):
    path = write_catalog(tmp_path, [{**GOOD, **change}])

    with pytest.raises(ValueError, match="catalog entry 1") as caught:
        load_catalog(path)

    assert message in str(caught.value)


def test_missing_field_named(tmp_path):
    entry = dict(GOOD)
    del entry["audio"]

    with pytest.raises(ValueError, match="missing field\\(s\\) audio"):
        load_catalog(write_catalog(tmp_path, [entry]))


def test_duplicate_model_rejected(tmp_path):
    with pytest.raises(ValueError, match="duplicate model openai/gpt-x"):
        load_catalog(write_catalog(tmp_path, [GOOD, GOOD]))
