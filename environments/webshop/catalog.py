"""Deterministic generator of a WebShop-format product catalog.

Writes the same two files WebShop ships (``items_shuffle.json`` and
``items_ins_v2.json``), so generated and real catalogs go through one loader
(`data.load_products`). Products are drawn from one seeded stream, so the first ``n``
products of a larger catalog equal the catalog of size ``n`` with the same seed.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from agentrl.core.splits import cache_dir
from agentrl.environments.webshop.vocab import (
    CATEGORIES,
    DESCRIPTION_LINES,
    OPENERS,
    OPTION_LABELS,
    OPTION_VALUES,
    ProductType,
)

CATALOG_VERSION = 2  # bump when generation changes, so stale caches are not reused
ITEMS_FILE = "items_shuffle.json"
ATTRIBUTES_FILE = "items_ins_v2.json"
_ASIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASIN_STRIDE = 2_654_435_761  # odd and not a multiple of 3: a bijection modulo 36**8


def make_asin(index: int, seed: int) -> str:
    """A unique, Amazon-looking ASIN ("B0" + 8 base-36 characters) for product ``index``."""
    value = (index * _ASIN_STRIDE + seed * 7_919) % 36**8
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 36)
        chars.append(_ASIN_ALPHABET[digit])
    return "B0" + "".join(reversed(chars))


def _options(rng: random.Random, kinds: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    options = {}
    for kind in kinds:
        pool = OPTION_VALUES[kind]
        picked = sorted(rng.sample(range(len(pool)), k=rng.randint(2, min(5, len(pool)))))
        label = OPTION_LABELS.get(kind, kind)
        options[label.title()] = [{"value": pool[i].title(), "image": None} for i in picked]
    return options


def _pricing(rng: random.Random) -> str:
    low = round(rng.uniform(4.0, 140.0), 2)
    if rng.random() < 0.15:
        return f"${low:.2f} - ${low + round(rng.uniform(2.0, 30.0), 2):.2f}"
    return f"${low:.2f}"


def _instruction(rng: random.Random, ptype: ProductType, wanted: list[str]) -> str:
    opener = rng.choice(OPENERS)
    if len(wanted) == 1:
        return f"{opener} {wanted[0]} {ptype.query}"
    joined = ", ".join(wanted[:-1]) + f" and {wanted[-1]}"
    if rng.random() < 0.5:
        return f"{opener} {ptype.query} that is {joined}"
    return f"{opener} {wanted[0]} {ptype.query}, {' and '.join(wanted[1:])}"


def generate_product(rng: random.Random, index: int, seed: int) -> tuple[dict, dict]:
    """One raw ``items_shuffle`` record and its ``items_ins_v2`` entry."""
    category = rng.choice(sorted(CATEGORIES))
    root, types, brands = CATEGORIES[category]
    ptype = rng.choice(types)
    brand = rng.choice(brands)
    attributes = rng.sample(ptype.attributes, k=rng.randint(3, 5))
    in_title = attributes[: rng.randint(1, 2)]
    model = f"{rng.choice('ABCDEFGHKMPRSTXZ')}{rng.randint(10, 999)}"
    name = f"{brand} {' '.join(a.title() for a in in_title)} {ptype.query.title()} {model}"
    bullets = [f"{attr.capitalize()}: {rng.choice(DESCRIPTION_LINES)}" for attr in attributes[1:]]
    description = f"The {brand} {ptype.query} {model} is {attributes[0]}. " + " ".join(
        rng.sample(DESCRIPTION_LINES, k=2)
    )
    asin = make_asin(index, seed)
    wanted = rng.sample(attributes, k=rng.randint(1, min(3, len(attributes))))
    raw = {
        "asin": asin,
        "name": name,
        "category": category,
        "query": ptype.query,
        "product_category": f"{root} › {ptype.path}",
        "full_description": description,
        "small_description": bullets,
        "pricing": _pricing(rng),
        "customization_options": _options(rng, ptype.options),
        "images": [""],
        "average_rating": round(rng.uniform(3.0, 5.0), 1),
    }
    instruction = {
        "attributes": attributes,
        "instruction": _instruction(rng, ptype, wanted),
        "instruction_attributes": wanted,
    }
    return raw, instruction


def generate_catalog(num_products: int, seed: int = 0) -> tuple[list[dict], dict[str, dict]]:
    """``num_products`` raw product records and the ASIN -> attributes/instruction map."""
    if num_products < 1:
        raise ValueError(f"num_products must be >= 1, got {num_products}")
    rng = random.Random(seed)
    items, attributes = [], {}
    for index in range(num_products):
        raw, instruction = generate_product(rng, index, seed)
        items.append(raw)
        attributes[raw["asin"]] = instruction
    return items, attributes


def _write_json(path: Path, data: Any) -> None:
    partial = path.with_suffix(f".tmp{os.getpid()}")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
    os.replace(partial, path)  # atomic: a concurrent reader never sees half a file


def catalog_dir(num_products: int, seed: int) -> Path:
    """Cache folder of the generated catalog (files and search index)."""
    path = cache_dir("webshop") / f"synthetic-v{CATALOG_VERSION}-n{num_products}-s{seed}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_catalog_files(num_products: int, seed: int = 0) -> tuple[Path, Path]:
    """Generate the catalog's two files once into the cache; return their paths."""
    folder = catalog_dir(num_products, seed)
    items_path, attributes_path = folder / ITEMS_FILE, folder / ATTRIBUTES_FILE
    if not (items_path.is_file() and attributes_path.is_file()):
        items, attributes = generate_catalog(num_products, seed)
        _write_json(attributes_path, attributes)
        _write_json(items_path, items)
    return items_path, attributes_path
