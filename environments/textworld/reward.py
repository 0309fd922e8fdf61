"""TextWorld rewards, as pure functions of the game's score and outcome.

Immediate reward: the score gained by the step, normalised by the game's maximum score,
r_t = (score_t - score_{t-1}) / max_score, so the rewards of an episode sum to
final_score / max_score (1.0 for a won game made by our generator). Outcome reward:
R = 1.0 if the game is won else 0.0.
"""

from __future__ import annotations


def score_reward(previous_score: int, score: int, max_score: int) -> float:
    """Normalised score gained by one step; 0.0 for a game without points."""
    if max_score <= 0:
        return 0.0
    return (score - previous_score) / max_score


def outcome_reward(won: bool) -> float:
    """Episode-level reward: 1.0 for a win, 0.0 otherwise (lost or out of turns)."""
    return 1.0 if won else 0.0
