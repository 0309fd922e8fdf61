"""``tools/search-qa``: multi-hop QA with BM25 search over a generated knowledge base.

Parts, as in every family: task generation (`kb`, `questions`), the env (`env`), its
reward (`reward`), its oracle (`oracle`) and the real-data loader (`real_data`).
"""

from agentrl.core.registry import register

register("tools/search-qa", "agentrl.environments.search_qa.env:SearchQAEnv",
         gym_id="agentrl/SearchQA-v0")

