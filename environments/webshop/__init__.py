"""WebShop (Yao et al. 2022), offline: a generated or real catalog, BM25 search, WebShop's
text-mode pages and actions, its purchase score, an oracle and an HTML site."""

from agentrl.core.registry import register

register("webshop", "agentrl.environments.webshop.env:WebShopEnv", gym_id="agentrl/WebShop-v0")
