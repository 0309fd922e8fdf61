"""Load a real open-domain QA setup: a document corpus and a question file (JSONL).

Corpus lines are ``{"id", "title", "text"}`` or the FlashRAG / Search-R1 wiki form
``{"id", "contents": "\\"Title\\"\\ntext"}``. Question lines are ``{"question", "answer"}``
(or ``"golden_answers": [...]``, the first being the ground truth and the rest aliases),
optionally with ``"id"`` and ``"split"``.
"""

from __future__ import annotations

import json
from pathlib import Path

from agentrl.core.types import Task
from agentrl.environments.search_qa.kb import Document
from agentrl.environments.search_qa.questions import ENV_ID
from agentrl.tools.tasksets import tasks_from_records


def _document(record: dict, line_number: int, path: Path) -> Document:
    if "contents" in record:
        title, _, text = str(record["contents"]).partition("\n")
        title = title.strip().strip('"')
    elif "text" in record:
        title, text = str(record.get("title", "")), str(record["text"])
    else:
        raise ValueError(f"{path}:{line_number}: a corpus line needs 'text' or 'contents'")
    return Document(id=str(record.get("id", line_number)), title=title, text=text.strip())


def load_corpus(path: str | Path) -> list[Document]:
    """The documents of a JSONL corpus file."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        return [
            _document(json.loads(line), number, path)
            for number, line in enumerate(handle, start=1)
            if line.strip()
        ]


def load_questions(path: str | Path) -> list[Task]:
    """The tasks of a JSONL question file (splits assigned by id when absent)."""
    records = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if "answer" not in record and "golden_answers" in record:
                    record["answer"] = record.pop("golden_answers")
                records.append(record)
    return tasks_from_records(records, env_id=ENV_ID)
