"""Prompt building: the chat messages of turn t from the task, the spec and the history.

An observation with images (screenshots) becomes a user message whose content is a list
of parts, the images first, then the text (transformers' multimodal chat format,
`agentrl.policy.multimodal.image_part`); one without images stays a plain string, so
text-only envs and models see exactly the prompts they always saw.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentrl.core.types import EnvSpec, Observation, Task, Turn
from agentrl.policy.base import Messages

REACT_FORMAT = (
    "Think briefly inside <think></think>, then give exactly one action inside "
    "<action></action>. Example: <think>The key opens the door.</think><action>open door</action>"
)
TOOL_FORMAT = "Call one tool per reply, in the tool-call format you were given."


class PromptOptions(BaseModel):
    """How each turn's prompt is made."""

    model_config = ConfigDict(extra="forbid")

    history: Literal["full", "last_k"] = Field(
        default="last_k", description="Keep every past turn, or only the last k."
    )
    k: int = Field(default=2, ge=0, description="Past turns kept when history='last_k'.")
    note_omitted_turns: bool = Field(
        default=True,
        description="With history='last_k', say how many earlier turns were left out "
        "('(t earlier turns omitted.)'). False leaves the line out, so with k=0 the prompt is "
        "a function of the current observation alone: a tabular policy over prompts is then "
        "Markov in the env state instead of indexed by (state, turn).",
    )
    show_actions: bool = Field(
        default=True, description="List the env's admissible actions in each observation."
    )
    max_actions_shown: int = Field(
        default=30, ge=1, description="At most this many admissible actions are listed."
    )
    images: Literal["all", "latest", "none"] = Field(
        default="all",
        description="Which observations' images the prompt shows: those of every kept turn, "
        "only the current observation's (GUI-Cursor's latest-screen mode), or none (a "
        "text-only model on an env that also describes its screen in text).",
    )
    system_prompt: str | None = Field(
        default=None, description="Replaces the built-in system prompt when set."
    )
    response_prefix: str = Field(
        default="",
        description=(
            "Text the reply is forced to start with (e.g. '<action>'): added as the start of "
            "the assistant message, so small models answer in the expected format."
        ),
    )


def system_message(spec: EnvSpec, options: PromptOptions) -> str:
    """``options.system_prompt`` if set, else the env's description and its reply format."""
    if options.system_prompt is not None:
        return options.system_prompt
    reply_format = TOOL_FORMAT if spec.action_format == "tool_call" else REACT_FORMAT
    return "\n\n".join(part for part in (spec.description, reply_format) if part)


def observation_message(observation: Observation, options: PromptOptions) -> str:
    """The observation's text, plus its admissible actions when ``options.show_actions``."""
    text = observation.text
    actions = observation.available_actions
    if options.show_actions and actions:
        shown = actions[: options.max_actions_shown]
        more = f" (+{len(actions) - len(shown)} more)" if len(actions) > len(shown) else ""
        text += "\n\nAdmissible actions: " + ", ".join(shown) + more
    return text


def user_content(
    observation: Observation, text: str, show_images: bool
) -> str | list[dict[str, Any]]:
    """A user message's content: ``text``, or with the observation's images (when
    ``show_images``) the image parts followed by a text part."""
    if not (show_images and observation.images):
        return text
    from agentrl.policy.multimodal import image_part  # torch: only when images are shown

    return [*map(image_part, observation.images), {"type": "text", "text": text}]


def build_messages(
    task: Task,
    spec: EnvSpec,
    history: list[Turn],
    observation: Observation,
    options: PromptOptions,
) -> Messages:
    """Messages for the next reply: system, task, the kept past turns, the observation;
    or the observation's ``messages`` verbatim when it carries them.

    With ``history='last_k'`` older turns are replaced by one line saying how many were
    left out, so prompts stay short on long episodes.
    """
    if observation.messages is not None:  # the env's own conversation (agent programs)
        messages = [dict(m) for m in observation.messages]
        if options.response_prefix:
            messages.append({"role": "assistant", "content": options.response_prefix})
        return messages
    messages: Messages = [{"role": "system", "content": system_message(spec, options)}]
    kept = history if options.history == "full" else history[len(history) - options.k :]
    omitted = len(history) - len(kept)
    # Many envs repeat the instruction in their first observation; say it once. Only an
    # observation still in the prompt counts: once it is cut, the preface must say it.
    first_shown = kept[0].observation if kept else observation
    repeated = task.instruction in first_shown.text
    preface = f"Task: {task.instruction}" if task.instruction and not repeated else ""
    if omitted and options.note_omitted_turns:
        preface += f"\n({omitted} earlier turns omitted.)"
    for index, turn in enumerate(kept):
        content = observation_message(turn.observation, options)
        if index == 0 and preface:
            content = f"{preface}\n\n{content}"
        content = user_content(turn.observation, content, options.images == "all")
        messages.append({"role": "user", "content": content})
        messages.append({"role": "assistant", "content": turn.response})
    content = observation_message(observation, options)
    if not kept and preface:
        content = f"{preface}\n\n{content}"
    content = user_content(observation, content, options.images != "none")
    messages.append({"role": "user", "content": content})
    if options.response_prefix:
        messages.append({"role": "assistant", "content": options.response_prefix})
    return messages
