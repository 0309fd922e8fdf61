"""BM25 product search (bm25s), standing in for WebShop's Pyserini/Lucene index.

Documents are built as WebShop's ``convert_product_file_format.py`` builds them: title,
description, first bullet point and an option text ("color: black, red, and size: s"),
lower-cased. Scoring uses Lucene's BM25 with Pyserini's defaults (k1 = 0.9, b = 0.4),
English stop words and the Porter stemmer, as Lucene's English analyzer does. A search
returns at most 50 ASINs (WebShop's ``SEARCH_RETURN_N``), best first; documents that share
no term with the query are not hits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.tokenization import Tokenizer

from agentrl.environments.webshop.data import Product

SEARCH_RETURN_N = 50
K1, B = 0.9, 0.4  # Pyserini's BM25 defaults
_ASINS_FILE = "asins.json"


def document_text(product: Product) -> str:
    """The searchable text of a product, as WebShop indexes it."""
    option_text = ", and ".join(
        f"{name}: {', '.join(values)}" for name, values in product["options"].items()
    )
    bullets = product["BulletPoints"] or [""]
    parts = [product["Title"], product["Description"], bullets[0], option_text]
    return " ".join(parts).lower()


def _tokenizer() -> Tokenizer:
    return Tokenizer(stopwords="english", stemmer=Stemmer.Stemmer("porter").stemWord)


class SearchIndex:
    """A BM25 index over products, searched by free-text keywords."""

    def __init__(self, retriever: bm25s.BM25, tokenizer: Tokenizer, asins: Sequence[str]) -> None:
        self._retriever = retriever
        self._tokenizer = tokenizer
        self.asins = list(asins)

    @classmethod
    def build(cls, products: Sequence[Product]) -> SearchIndex:
        """Index ``products`` (their order fixes the ids)."""
        if not products:
            raise ValueError("cannot build a search index over zero products")
        tokenizer = _tokenizer()
        tokens = tokenizer.tokenize(
            [document_text(product) for product in products], return_as="tuple", show_progress=False
        )
        retriever = bm25s.BM25(method="lucene", k1=K1, b=B)
        retriever.index(tokens, show_progress=False)
        return cls(retriever, tokenizer, [product["asin"] for product in products])

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder), show_progress=False)
        self._tokenizer.save_vocab(str(folder))
        (folder / _ASINS_FILE).write_text(json.dumps(self.asins))

    @classmethod
    def load(cls, folder: Path) -> SearchIndex:
        """Read an index written by `save`."""
        retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        tokenizer = _tokenizer()
        tokenizer.load_vocab(str(folder))
        asins = json.loads((folder / _ASINS_FILE).read_text())
        return cls(retriever, tokenizer, asins)

    @classmethod
    def load_or_build(cls, folder: Path, products: Sequence[Product]) -> SearchIndex:
        """Load the index cached in ``folder`` when it covers ``products``, else build it."""
        if (folder / _ASINS_FILE).is_file():
            index = cls.load(folder)
            if index.asins == [product["asin"] for product in products]:
                return index
        index = cls.build(products)
        index.save(folder)
        return index

    def search(self, keywords: str, k: int = SEARCH_RETURN_N) -> list[str]:
        """ASINs of the best ``k`` products for ``keywords``, best first."""
        query = self._tokenizer.tokenize(
            [keywords], update_vocab=False, return_as="ids", show_progress=False
        )
        if not query[0]:
            return []
        k = min(k, len(self.asins))
        ids, scores = self._retriever.retrieve(query, k=k, show_progress=False, n_threads=1)
        hits = np.asarray(scores[0]) > 0
        return [self.asins[int(i)] for i in np.asarray(ids[0])[hits]]
