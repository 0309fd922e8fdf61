"""Held-out evaluation, metrics with confidence intervals, reports and plots."""

from agentrl.eval.evaluate import EvalResult, evaluate, summarise
from agentrl.eval.metrics import wilson_interval

__all__ = ["EvalResult", "evaluate", "summarise", "wilson_interval"]
