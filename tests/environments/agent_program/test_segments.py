"""Template rewrites found with a real tokenizer: a chat template that strips earlier
``<think>`` blocks (as Qwen3's does) makes turn 2's prompt not an extension of turn 1's
prompt + reply; the plain ChatML template does not."""

from __future__ import annotations

from typing import Any

import pytest

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.policy.chat import render
from agentrl.policy.resolve import load_tokenizer
from agentrl.rollout.segments import count_template_rewrites, extends, mark_new_segments

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# Earlier assistant turns lose their <think>…</think>, as in Qwen3's template.
STRIP_THINK = (
    "{% for m in messages %}{% set content = m['content'] %}"
    "{% if m['role'] == 'assistant' and '</think>' in content %}"
    "{% set content = content.split('</think>')[-1].lstrip() %}{% endif %}"
    "<|im_start|>{{ m['role'] }}\n{{ content }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
REPLY = "<think>The tool knows.</think>Paris"


def _trajectory(template: str, *, keep_history: bool = True) -> Trajectory:
    tokenizer = load_tokenizer("embedded:smollm2-135m")
    tokenizer.chat_template = template
    first = [{"role": "user", "content": "Capital of France?"}]
    second = [*first, {"role": "assistant", "content": REPLY},
              {"role": "user", "content": "Sure?"}]
    if not keep_history:  # the program dropped its history: the messages do not extend
        second = [{"role": "user", "content": "Sure?"}]
    turns = []
    for messages in (first, second):
        # The reply as sampled: its tokens, ending with the end-of-turn token.
        action_ids = tokenizer(REPLY + "<|im_end|>", add_special_tokens=False)["input_ids"]
        turns.append(Turn(observation=Observation(text="", messages=messages, state_key="k"),
                          prompt_ids=render(tokenizer, messages), action_ids=action_ids,
                          action_logprobs=[0.0] * len(action_ids)))
    return Trajectory(task=Task(id="t", env_id="agent-program"), turns=turns)


def test_plain_chatml_prompt_extends_the_previous_prompt_and_reply() -> None:
    trajectory = _trajectory(CHATML)
    assert extends(trajectory.turns[0], trajectory.turns[1])
    assert mark_new_segments(trajectory) == 0
    assert "new_segment" not in trajectory.turns[1].info
    assert count_template_rewrites([trajectory]) == 0


def test_template_that_strips_earlier_think_is_a_new_segment_caused_by_the_template() -> None:
    trajectory = _trajectory(STRIP_THINK)
    recorded = [(t.prompt_ids, t.action_ids) for t in trajectory.turns]
    assert not extends(trajectory.turns[0], trajectory.turns[1])
    assert mark_new_segments(trajectory) == 1
    info: dict[str, Any] = trajectory.turns[1].info
    assert info == {"new_segment": True, "segment_cause": "template"}
    assert "new_segment" not in trajectory.turns[0].info
    assert count_template_rewrites([trajectory, _trajectory(CHATML)]) == 1
    # Each turn stays its own row: the recorded ids are not re-tokenised.
    assert [(t.prompt_ids, t.action_ids) for t in trajectory.turns] == recorded


@pytest.mark.parametrize("template", [CHATML, STRIP_THINK])
def test_program_that_drops_its_history_is_a_new_segment_not_a_template_rewrite(
        template: str) -> None:
    trajectory = _trajectory(template, keep_history=False)
    assert mark_new_segments(trajectory) == 0
    assert trajectory.turns[1].info["segment_cause"] == "history"
    assert count_template_rewrites([trajectory]) == 0


def test_turns_without_messages_are_not_judged() -> None:
    trajectory = _trajectory(STRIP_THINK)
    for turn in trajectory.turns:
        turn.observation.messages = None
    assert mark_new_segments(trajectory) == 0
