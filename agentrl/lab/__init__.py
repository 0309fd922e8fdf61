"""The measurement lab: estimators' per-turn advantages against Monte-Carlo truth and
learning experiments (`agentrl credit-report`), on top of every other layer."""
