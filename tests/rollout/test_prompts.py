"""Prompt building: system prompt, kept history, omitted-turns line, admissible actions."""

from __future__ import annotations

from agentrl.core.types import EnvSpec, Observation, Task, Turn
from agentrl.rollout.prompts import (
    REACT_FORMAT,
    TOOL_FORMAT,
    PromptOptions,
    build_messages,
    observation_message,
)

SPEC = EnvSpec(id="toy", description="Reach the exit.")
TASK = Task(id="t", env_id="toy", instruction="Walk right.")


def _turn(index: int) -> Turn:
    return Turn(observation=Observation(text=f"obs {index}", state_key=str(index)),
                response=f"reply {index}")


def test_full_history_keeps_every_turn_in_order() -> None:
    history = [_turn(0), _turn(1), _turn(2)]
    now = Observation(text="obs 3", state_key="3")
    messages = build_messages(TASK, SPEC, history, now, PromptOptions(history="full"))
    assert messages == [
        {"role": "system", "content": f"Reach the exit.\n\n{REACT_FORMAT}"},
        {"role": "user", "content": "Task: Walk right.\n\nobs 0"},
        {"role": "assistant", "content": "reply 0"},
        {"role": "user", "content": "obs 1"},
        {"role": "assistant", "content": "reply 1"},
        {"role": "user", "content": "obs 2"},
        {"role": "assistant", "content": "reply 2"},
        {"role": "user", "content": "obs 3"},
    ]


def test_last_k_keeps_k_turns_and_says_how_many_were_omitted() -> None:
    history = [_turn(i) for i in range(5)]
    now = Observation(text="obs 5", state_key="5")
    messages = build_messages(TASK, SPEC, history, now, PromptOptions(history="last_k", k=2))
    assert [m["content"] for m in messages[1:]] == [
        "Task: Walk right.\n(3 earlier turns omitted.)\n\nobs 3",
        "reply 3",
        "obs 4",
        "reply 4",
        "obs 5",
    ]


def test_last_k_zero_keeps_only_the_current_observation() -> None:
    history = [_turn(0), _turn(1)]
    now = Observation(text="obs 2", state_key="2")
    messages = build_messages(TASK, SPEC, history, now, PromptOptions(k=0))
    assert messages[1:] == [
        {"role": "user", "content": "Task: Walk right.\n(2 earlier turns omitted.)\n\nobs 2"}
    ]


def test_first_turn_has_task_and_observation() -> None:
    now = Observation(text="You are at cell 0.", state_key="0")
    messages = build_messages(TASK, SPEC, [], now, PromptOptions())
    assert messages[1:] == [{"role": "user", "content": "Task: Walk right.\n\nYou are at cell 0."}]


def test_admissible_actions_are_listed_up_to_the_cap() -> None:
    observation = Observation(text="Room.", state_key="r",
                              available_actions=["north", "south", "east", "west"])
    assert observation_message(observation, PromptOptions(max_actions_shown=2)) == (
        "Room.\n\nAdmissible actions: north, south (+2 more)"
    )
    assert observation_message(observation, PromptOptions()) == (
        "Room.\n\nAdmissible actions: north, south, east, west"
    )
    assert observation_message(observation, PromptOptions(show_actions=False)) == "Room."


def test_tool_call_envs_get_the_tool_format_and_custom_prompt_replaces_it() -> None:
    spec = EnvSpec(id="tools", action_format="tool_call", description="Use the tools.")
    now = Observation(text="q", state_key="q")
    messages = build_messages(TASK, spec, [], now, PromptOptions())
    assert messages[0] == {"role": "system", "content": f"Use the tools.\n\n{TOOL_FORMAT}"}
    custom = build_messages(TASK, spec, [], now, PromptOptions(system_prompt="Be brief."))
    assert custom[0] == {"role": "system", "content": "Be brief."}


def test_instruction_repeated_by_the_env_is_said_once_and_kept_after_cuts() -> None:
    task = Task(id="t", env_id="toy", instruction="Find the key.")
    first = Observation(text="Find the key. You are in a hall.", state_key="0")
    turns = [Turn(observation=first, response="r0"), _turn(1), _turn(2)]
    start = build_messages(task, SPEC, [], first, PromptOptions())
    assert start[1]["content"] == "Find the key. You are in a hall."
    later = build_messages(task, SPEC, turns, Observation(text="obs 3", state_key="3"),
                           PromptOptions(k=1))
    assert later[1]["content"] == "Task: Find the key.\n(2 earlier turns omitted.)\n\nobs 2"


def _screen(index: int, images: list[str]) -> Observation:
    return Observation(text=f"screen {index}", images=images, state_key=str(index))


def test_images_become_parts_before_the_text_of_their_observation() -> None:
    history = [Turn(observation=_screen(0, ["png-a"]), response="(3, 4)")]
    now = _screen(1, ["png-b", "png-c"])
    messages = build_messages(TASK, SPEC, history, now, PromptOptions(history="full"))
    assert messages[1]["content"] == [{"type": "image", "image": "png-a"},
                                      {"type": "text", "text": "Task: Walk right.\n\nscreen 0"}]
    assert messages[2] == {"role": "assistant", "content": "(3, 4)"}
    assert messages[3]["content"] == [{"type": "image", "image": "png-b"},
                                      {"type": "image", "image": "png-c"},
                                      {"type": "text", "text": "screen 1"}]


def test_latest_and_none_image_modes_leave_other_observations_as_text() -> None:
    history = [Turn(observation=_screen(0, ["png-a"]), response="(3, 4)")]
    now = _screen(1, ["png-b"])
    latest = build_messages(TASK, SPEC, history, now, PromptOptions(images="latest"))
    assert latest[1]["content"] == "Task: Walk right.\n\nscreen 0"
    assert latest[3]["content"][0] == {"type": "image", "image": "png-b"}
    none = build_messages(TASK, SPEC, history, now, PromptOptions(images="none"))
    assert [m["content"] for m in none[1:]] == ["Task: Walk right.\n\nscreen 0", "(3, 4)",
                                                "screen 1"]
