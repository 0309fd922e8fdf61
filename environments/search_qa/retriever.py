"""A BM25 retriever (bm25s) over a list of documents, behind ``search`` and ``open`` tools.

``search(query)`` returns the top-k documents as ``[doc_id] Title: first sentence``, so the
agent sees what each document is about and must ``open(doc_id)`` to read the rest.
Indexes are built once per document set and shared by every env in the process (the
index is read-only after it is built, so threads can query it together).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from agentrl.environments.search_qa.kb import Document
from agentrl.tools import Tool, tool

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _bm25s():
    try:
        import bm25s
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "tools/search-qa needs the 'bm25s' package: pip install bm25s (or agentrl[tools])"
        ) from None
    return bm25s


def snippet(text: str, max_chars: int = 160) -> str:
    """The first sentence of ``text``, cut to ``max_chars``."""
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    return first if len(first) <= max_chars else first[: max_chars - 3] + "..."


class BM25Retriever:
    """BM25 (Robertson & Zaragoza, 2009; bm25s' Lucene variant, k1=1.5, b=0.75) over docs."""

    def __init__(self, documents: Sequence[Document]) -> None:
        if not documents:
            raise ValueError("BM25Retriever needs at least one document")
        bm25s = _bm25s()
        self.documents = list(documents)
        self.by_id = {doc.id: doc for doc in self.documents}
        corpus = [f"{doc.title}. {doc.text}" for doc in self.documents]
        tokens = bm25s.tokenize(corpus, stopwords="en", show_progress=False)
        self._index = bm25s.BM25()
        self._index.index(tokens, show_progress=False)
        self._vocab = tokens.vocab

    def search(self, query: str, k: int = 3) -> list[tuple[Document, float]]:
        """The ``k`` best documents for ``query`` with their scores; no zero-score hits."""
        bm25s = _bm25s()
        words = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        words = [[word for word in words[0] if word in self._vocab]]
        if not words[0]:
            return []
        k = min(k, len(self.documents))
        ids, scores = self._index.retrieve(words, k=k, show_progress=False, n_threads=1)
        hits = [(self.documents[int(i)], float(s)) for i, s in zip(ids[0], scores[0], strict=True)]
        return [(doc, score) for doc, score in hits if score > 0]

    def tools(self, k: int = 3) -> list[Tool]:
        """``search(query)`` and ``open(doc_id)`` tools bound to this index."""

        @tool
        def search(query: str) -> str:
            """Search the knowledge base; returns the best documents' ids and first sentences.

            Args:
                query: Keywords, e.g. a name.
            """
            hits = self.search(query, k)
            if not hits:
                return f"No documents match {query!r}."
            return "\n".join(f"[{doc.id}] {doc.title}: {snippet(doc.text)}" for doc, _ in hits)

        @tool(name="open")
        def open_document(doc_id: str) -> str:
            """Read a whole document by its id (as shown in brackets by search).

            Args:
                doc_id: The document id, e.g. "zorvex-labs".
            """
            doc = self.by_id.get(doc_id.strip().strip("[]"))
            if doc is None:
                return f"No document with id {doc_id!r}; use an id from the search results."
            return f"{doc.title}\n{doc.text}"

        return [search, open_document]


_SHARED: dict[tuple[str, ...], BM25Retriever] = {}
_LOCK = threading.Lock()


def shared_retriever(documents: Sequence[Document]) -> BM25Retriever:
    """One retriever per distinct document set, built on first use (thread-safe)."""
    key = tuple(f"{doc.id}\x00{doc.text}" for doc in documents)
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = BM25Retriever(documents)
        return _SHARED[key]
