"""The shop's world: products, prices, search index and goals, loaded once per process.

`load_shop` builds a `Shop` from the generated catalog or from WebShop's own files and
caches it in memory (many envs of one process share it) and on disk (catalog files and
the BM25 index live under ``agentrl.core.splits.cache_dir("webshop")``).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from agentrl.core.splits import cache_dir
from agentrl.environments.webshop.catalog import catalog_dir, ensure_catalog_files
from agentrl.environments.webshop.data import (
    Product,
    load_human_instructions,
    load_products,
    product_prices,
)
from agentrl.environments.webshop.instructions import (
    Goal,
    default_split_sizes,
    human_goals,
    split_goals,
    synthetic_goals,
)
from agentrl.environments.webshop.search import SearchIndex

SPLITS = ("train", "valid", "heldout")


@dataclass
class Shop:
    """Everything an episode reads: products by ASIN, prices, the index, goals by split."""

    products: list[Product]
    by_asin: dict[str, Product]
    prices: dict[str, float]
    index: SearchIndex
    goals: dict[str, list[Goal]]


def _real_data_dir(items_path: Path, num_products: int | None) -> Path:
    stat = items_path.stat()
    fingerprint = f"{items_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{num_products}"
    digest = hashlib.sha1(fingerprint.encode()).hexdigest()[:12]
    return cache_dir("webshop") / f"real-{digest}"


@functools.lru_cache(maxsize=4)
def load_shop(
    num_products: int | None = 2000,
    seed: int = 0,
    items_path: str | None = None,
    attributes_path: str | None = None,
    human_goals_path: str | None = None,
) -> Shop:
    """The shop for these settings, built once per process.

    With ``items_path`` the products come from WebShop's ``items_shuffle*.json`` (the first
    ``num_products`` of them), their attributes and synthetic instructions from
    ``attributes_path`` (``items_ins_v2*.json``) and, when given, goals from the human
    instructions file. Without it, a catalog of ``num_products`` is generated from ``seed``.
    """
    if items_path is None:
        if num_products is None:
            raise ValueError("num_products is required to generate a catalog (no items_path)")
        items, attributes = ensure_catalog_files(num_products, seed)
        products = load_products(items, attributes)
        index_dir = catalog_dir(num_products, seed) / "bm25"
    else:
        products = load_products(items_path, attributes_path, num_products)
        index_dir = _real_data_dir(Path(items_path), num_products) / "bm25"
    if not products:
        raise ValueError(f"no products loaded from {items_path or 'the generator'}")
    prices = product_prices(products, seed)
    if human_goals_path is not None:
        goals = human_goals(products, prices, load_human_instructions(human_goals_path), seed)
    else:
        goals = synthetic_goals(products, prices, seed)
    if not goals:
        raise ValueError(
            "no goals: products need 'instruction' and 'instruction_attributes' in the "
            "attributes file, or pass human_goals_path"
        )
    return Shop(
        products=products,
        by_asin={product["asin"]: product for product in products},
        prices=prices,
        index=SearchIndex.load_or_build(index_dir, products),
        goals=split_goals(goals, *default_split_sizes(len(goals))),
    )
