"""The model catalog shipped in catalog.json: chat models, list prices and capabilities.

Pure Python: the usage app copies these entries into its database table, where operators
edit them in Django admin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import PROVIDERS

CATALOG_PATH = Path(__file__).with_name("catalog.json")
REQUIRED_FIELDS = (
    "provider",
    "model_id",
    "display_name",
    "context_window",
    "input_price_per_million",
    "output_price_per_million",
    "vision",
    "audio",
)


@dataclass(frozen=True)
class CatalogEntry:
    """One chat model. Prices are list prices in USD per million tokens."""

    provider: str
    model_id: str
    display_name: str
    context_window: int  # tokens; 0 when the model has no such limit
    input_price_per_million: Decimal
    output_price_per_million: Decimal
    vision: bool
    audio: bool

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        """Estimate the list-price cost in USD of one call."""
        return (
            self.input_price_per_million * input_tokens + self.output_price_per_million * output_tokens
        ) / 1_000_000


def _price(raw, where: str, field: str) -> Decimal:
    try:
        price = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"{where}: {field} {raw!r} is not a decimal number; write it as a string such as \"2.50\"") from None
    if not price.is_finite() or price < 0:
        raise ValueError(f"{where}: {field} {raw!r} must be a finite, non-negative price")
    return price


def parse_entry(raw: dict, position: int) -> CatalogEntry:
    """Validate one JSON entry; raise ValueError that names the entry and the field."""
    where = f"catalog entry {position} ({raw.get('provider')}/{raw.get('model_id')})"
    missing = [field for field in REQUIRED_FIELDS if field not in raw]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    if raw["provider"] not in PROVIDERS:
        raise ValueError(f"{where}: unknown provider {raw['provider']!r}; expected one of {', '.join(PROVIDERS)}")
    if not isinstance(raw["model_id"], str) or not raw["model_id"].strip():
        raise ValueError(f"{where}: model_id must be a non-empty string")
    if not isinstance(raw["context_window"], int) or raw["context_window"] < 0:
        raise ValueError(f"{where}: context_window {raw['context_window']!r} must be a non-negative integer")
    for flag in ("vision", "audio"):
        if not isinstance(raw[flag], bool):
            raise ValueError(f"{where}: {flag} {raw[flag]!r} must be true or false")
    return CatalogEntry(
        provider=raw["provider"],
        model_id=raw["model_id"].strip(),
        display_name=str(raw["display_name"]),
        context_window=raw["context_window"],
        input_price_per_million=_price(raw["input_price_per_million"], where, "input_price_per_million"),
        output_price_per_million=_price(raw["output_price_per_million"], where, "output_price_per_million"),
        vision=raw["vision"],
        audio=raw["audio"],
    )


def load_catalog(path: Path | str | None = None) -> list[CatalogEntry]:
    """Read and validate the catalog; raise ValueError on a bad or duplicate entry."""
    path = Path(path) if path else CATALOG_PATH
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = [parse_entry(raw, position) for position, raw in enumerate(data["models"], start=1)]
    seen = set()
    for entry in entries:
        key = (entry.provider, entry.model_id)
        if key in seen:
            raise ValueError(f"{path}: duplicate model {entry.provider}/{entry.model_id}")
        seen.add(key)
    return entries


def catalog_source(path: Path | str | None = None) -> dict:
    """Return the `_source` block: where the prices come from and when they were read."""
    path = Path(path) if path else CATALOG_PATH
    return json.loads(path.read_text(encoding="utf-8"))["_source"]
