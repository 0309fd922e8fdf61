"""Measuring credit assignment directly: estimators' per-turn advantages against
Monte-Carlo truth (`agentrl credit-report`)."""
