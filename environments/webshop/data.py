"""Loading products in WebShop's file formats (real data or the generated catalog).

Three files, as released with WebShop (Yao et al. 2022):

- ``items_shuffle*.json``: a list of scraped products (``asin``, ``name``,
  ``full_description``, ``small_description``, ``pricing`` such as ``"$12.99"`` or
  ``"$10.99 - $20.99"``, ``customization_options`` ``{name: [{"value", "image"}]}``,
  ``images``, ``category``, ``query``, ``product_category``).
- ``items_ins_v2*.json``: ``{asin: {"attributes", "instruction", "instruction_attributes"}}``.
- ``items_human_ins.json``: ``{asin: [{"instruction", "instruction_attributes",
  "instruction_options", ...}]}`` (human-written goals).

Products are returned as dicts in the schema WebShop's engine works with after loading
(``Title``, ``Description``, ``BulletPoints``, ``Attributes``, ``Price``, ``pricing``,
``options``, ...), which is also what `reward.webshop_reward` reads.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

Product = dict[str, Any]
DEFAULT_PRICE = 100.0
MISSING_ATTRIBUTE = "DUMMY_ATTR"  # what WebShop stores for a product without attributes


def read_json(path: str | Path) -> Any:
    """Parse a JSON file, naming the file when it is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"WebShop data file {path} does not exist")
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise ValueError(f"WebShop data file {path} is not valid JSON: {error}") from error


def parse_pricing(pricing: str | None) -> tuple[list[float], str]:
    """``"$10.99 - $20.99"`` -> ([10.99, 20.99], "$10.99 to $20.99"); empty -> $100.0."""
    if not pricing:
        return [DEFAULT_PRICE], f"${DEFAULT_PRICE}"
    values = []
    for part in pricing.split("$")[1:]:
        digits = re.sub(r"[^\d.]", "", part)
        if digits:
            values.append(float(digits))
    if not values:
        return [DEFAULT_PRICE], f"${DEFAULT_PRICE}"
    if len(values) == 1:
        return values, f"${values[0]}"
    return values[:2], f"${values[0]} to ${values[1]}"


def parse_options(customization: Mapping[str, Any] | None) -> tuple[dict[str, list[str]], dict]:
    """Option names lower-cased; values stripped, lower-cased, '/' shown as ' | '."""
    options: dict[str, list[str]] = {}
    images: dict[str, str | None] = {}
    for name, contents in (customization or {}).items():
        if contents is None:
            continue
        values = []
        for content in contents:
            value = str(content["value"]).strip().replace("/", " | ").lower()
            values.append(value)
            images[value] = content.get("image")
        options[name.lower()] = values
    return options, images


def product_from_raw(raw: Mapping[str, Any], attributes: Mapping[str, Any] | None) -> Product:
    """One ``items_shuffle`` record (plus its ``items_ins_v2`` entry) in engine schema."""
    bullets = raw.get("small_description") or [""]
    pricing, price_tag = parse_pricing(raw.get("pricing"))
    options, option_images = parse_options(raw.get("customization_options"))
    record = attributes or {}
    images = raw.get("images") or [""]
    return {
        "asin": raw["asin"],
        "name": raw["name"],
        "category": raw.get("category", ""),
        "query": str(raw.get("query", "")).lower().strip(),
        "product_category": raw.get("product_category", ""),
        "Title": raw["name"],
        "Description": raw.get("full_description") or "",
        "BulletPoints": bullets if isinstance(bullets, list) else [bullets],
        "Attributes": list(record.get("attributes") or [MISSING_ATTRIBUTE]),
        "instruction_text": record.get("instruction"),
        "instruction_attributes": record.get("instruction_attributes"),
        "pricing": pricing,
        "Price": price_tag,
        "options": options,
        "option_to_image": option_images,
        "MainImage": images[0] or "",
        "Rating": raw.get("average_rating", "N.A.") or "N.A.",
        "Reviews": [],
    }


def products_from_records(
    raw_items: Iterable[Mapping[str, Any]],
    attributes: Mapping[str, Any],
    num_products: int | None = None,
) -> list[Product]:
    """Convert records, skipping bad or duplicate ASINs as WebShop does."""
    seen: set[str] = set()
    products = []
    for index, raw in enumerate(raw_items):
        if num_products is not None and index >= num_products:
            break
        asin = str(raw.get("asin", "nan"))
        if asin == "nan" or len(asin) > 10 or asin in seen:
            continue
        seen.add(asin)
        products.append(product_from_raw(raw, attributes.get(asin)))
    return products


def load_products(
    items_path: str | Path,
    attributes_path: str | Path | None = None,
    num_products: int | None = None,
) -> list[Product]:
    """Load ``items_shuffle*.json`` (+ ``items_ins_v2*.json``) into engine-schema products."""
    raw_items = read_json(items_path)
    if not isinstance(raw_items, list):
        raise ValueError(f"{items_path}: expected a JSON list of products")
    attributes = read_json(attributes_path) if attributes_path else {}
    return products_from_records(raw_items, attributes, num_products)


def load_human_instructions(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Load ``items_human_ins.json``: asin -> list of human instruction records."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object mapping ASINs to instruction lists")
    return data


def product_prices(products: Iterable[Product], seed: int) -> dict[str, float]:
    """One price per product: its only price, or uniform in its range (seeded)."""
    rng = random.Random(seed)
    prices = {}
    for product in products:
        pricing = product["pricing"]
        prices[product["asin"]] = pricing[0] if len(pricing) == 1 else rng.uniform(*pricing[:2])
    return prices
