"""Vision-language policies on tiny random Qwen2-VL / Qwen2.5-VL models: images into the
prompt tokens, batched sampling with images, and the trainer's scores of the same tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from agentrl.policy.base import SamplingParams
from agentrl.policy.decoding import left_pad
from agentrl.policy.hf import HFPolicy
from agentrl.policy.multimodal import (
    ImageInputError,
    decode_image,
    encode_image,
    image_digest,
    image_part,
    message_images,
    vision_inputs,
)
from agentrl.policy.vllm_backend import VLLMOptions, VLLMPolicy
from agentrl.run.warm_start import SFTExample, sft_loss, tokenize


def png(width: int, height: int, seed: int) -> str:
    """A random-noise base64 PNG of ``width`` × ``height`` pixels."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return encode_image(Image.fromarray(pixels))


WIDE, SQUARE, OTHER = png(112, 56, 0), png(56, 56, 1), png(56, 56, 2)


def user(*images: str, text: str = "click the button") -> list[dict]:
    return [{"role": "user", "content": [*map(image_part, images),
                                         {"type": "text", "text": text}]}]


# one image, two images, text only (in the same batch), and the first row again
BATCH = [user(WIDE), user(SQUARE, WIDE, text="where?"),
         [{"role": "user", "content": "no screen"}], user(WIDE)]


@pytest.fixture(scope="module")
def qwen2_vl() -> HFPolicy:
    return HFPolicy.from_name("tiny:qwen2-vl")


@pytest.fixture(scope="module")
def qwen25_vl() -> HFPolicy:
    return HFPolicy.from_name("tiny:qwen2.5-vl")


def test_image_parts_round_trip() -> None:
    messages = [*user(SQUARE, WIDE), {"role": "assistant", "content": "ok"}, *user(OTHER)]
    assert message_images(messages) == [SQUARE, WIDE, OTHER]
    assert message_images([{"role": "user", "content": "text"}]) == []
    assert decode_image(WIDE).size == (112, 56)
    assert image_digest(WIDE) == image_digest(png(112, 56, 0)) != image_digest(SQUARE)
    with pytest.raises(ImageInputError, match="not a base64-encoded image"):
        decode_image("not an image!")


def test_each_placeholder_becomes_the_images_token_count(qwen2_vl: HFPolicy) -> None:
    vision = qwen2_vl.vision
    assert vision is not None
    pad = vision.image_token_id
    # (h / 28) · (w / 28) tokens: 112×56 → 2 · 4 = 8, 56×56 → 2 · 2 = 4
    assert vision.expand([7, pad, 8, pad, 9], [WIDE, SQUARE]) == [7, *[pad] * 8, 8,
                                                                  *[pad] * 4, 9]
    _, grid = vision.encode([WIDE, SQUARE])
    assert grid.tolist() == [[1, 4, 8], [1, 4, 4]]  # patches of 14 px, t = 1 still image
    with pytest.raises(ImageInputError, match="1 image placeholder.*for 2 image"):
        vision.expand([7, pad, 8], [WIDE, SQUARE])


def test_rope_positions_by_hand_and_independent_of_padding(qwen2_vl: HFPolicy) -> None:
    vision = qwen2_vl.vision
    assert vision is not None
    pad = vision.image_token_id
    prompt = [5, 6, pad, pad, pad, pad, 7, 8]  # 56×56: a 2×2 grid of merged tokens
    ids, mask = left_pad([prompt, [1] * 12], qwen2_vl.tokenizer.pad_token_id)
    inputs = vision_inputs(qwen2_vl.model, vision, ids, mask, [[SQUARE], []])
    positions = inputs["position_ids"][:, 0, 4:]  # row 0's 8 real tokens (4 of padding)
    # text 0, 1; the image starts at 2: t = 2, h = 2 + row, w = 2 + column; the text after
    # it continues at 2 + max(h, w) = 4
    assert positions.tolist() == [[0, 1, 2, 2, 2, 2, 4, 5],
                                  [0, 1, 2, 2, 3, 3, 4, 5],
                                  [0, 1, 2, 3, 2, 3, 4, 5]]
    assert inputs["position_ids"][:, 1].tolist() == [list(range(12))] * 3  # text row
    assert inputs["mm_token_type_ids"][0].tolist() == [0] * 6 + [1] * 4 + [0] * 2
    alone_ids, alone_mask = left_pad([prompt], 0)
    alone = vision_inputs(qwen2_vl.model, vision, alone_ids, alone_mask, [[SQUARE]])
    assert alone["position_ids"][:, 0].tolist() == positions.tolist()


@pytest.mark.parametrize("arch", ["qwen2_vl", "qwen25_vl"])
@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_trainer_logprobs_match_rollout_logprobs_with_images(
    arch: str, temperature: float, request: pytest.FixtureRequest
) -> None:
    policy: HFPolicy = request.getfixturevalue(arch)
    sampling = SamplingParams(temperature=temperature, max_new_tokens=6, seed=5)
    generations = policy.generate(BATCH, sampling)
    images = [message_images(messages) for messages in BATCH]
    pad = policy.vision.image_token_id
    assert [g.prompt_ids.count(pad) for g in generations] == [8, 12, 0, 8]
    # cut the rows to different lengths, so the action padding is exercised too
    actions = [g.token_ids[: 6 - row] for row, g in enumerate(generations)]
    with torch.no_grad():
        scores = policy.score([g.prompt_ids for g in generations], actions,
                              temperature=temperature, images=images)
    width = scores.logprobs.shape[1]
    for row, (generation, action) in enumerate(zip(generations, actions, strict=True)):
        got = scores.logprobs[row, width - len(action) :]
        torch.testing.assert_close(got, torch.tensor(generation.logprobs[: len(action)]),
                                   atol=1e-4, rtol=0)


def test_batches_split_into_chunks_with_and_without_images(qwen2_vl: HFPolicy) -> None:
    chunked = HFPolicy(qwen2_vl.model, qwen2_vl.tokenizer, vision=qwen2_vl.vision,
                       max_batch_size=2)
    text = [{"role": "user", "content": "no screen"}]
    batch = [text, text, user(SQUARE), text]  # chunk 1 text only, chunk 2 with an image
    sampling = SamplingParams(max_new_tokens=3, temperature=0.0)
    together = qwen2_vl.generate(batch, sampling)
    assert [g.token_ids for g in chunked.generate(batch, sampling)] == \
        [g.token_ids for g in together]


def test_the_image_reaches_the_model(qwen2_vl: HFPolicy) -> None:
    sampling = SamplingParams(max_new_tokens=4, seed=3)
    first = qwen2_vl.generate([user(SQUARE)], sampling)[0]
    again = qwen2_vl.generate([user(SQUARE)], sampling)[0]
    assert first.token_ids == again.token_ids and first.logprobs == again.logprobs
    # same prompt tokens, another picture: other log-probs of the same reply
    with torch.no_grad():
        scores = [qwen2_vl.score([first.prompt_ids], [first.token_ids], images=[[image]])
                  for image in (SQUARE, OTHER)]
    assert not torch.allclose(scores[0].logprobs, scores[1].logprobs, atol=1e-4)


def test_score_refuses_images_its_tokens_do_not_stand_for(qwen2_vl: HFPolicy) -> None:
    prompt = qwen2_vl.generate([user(SQUARE)], SamplingParams(max_new_tokens=1))[0].prompt_ids
    with pytest.raises(ImageInputError, match="4 image tokens but its 1 image.*need 8"):
        qwen2_vl.score([prompt], [[5]], images=[[WIDE]])


def test_gradients_reach_the_vision_tower(qwen2_vl: HFPolicy) -> None:
    generation = qwen2_vl.generate([user(WIDE)], SamplingParams(max_new_tokens=3, seed=0))[0]
    qwen2_vl.model.zero_grad(set_to_none=True)
    scores = qwen2_vl.score([generation.prompt_ids], [generation.token_ids], images=[[WIDE]])
    (scores.logprobs * scores.mask).sum().backward()
    visual = [p.grad for name, p in qwen2_vl.model.named_parameters() if "visual" in name]
    assert visual and all(g is not None for g in visual)
    assert sum(float(g.abs().sum()) for g in visual) > 0
    qwen2_vl.model.zero_grad(set_to_none=True)


def test_text_only_model_refuses_images_naming_the_cause() -> None:
    llama = HFPolicy.from_name("tiny:llama")
    assert llama.vision is None
    with pytest.raises(ImageInputError, match="'tiny:llama' is text-only"):
        llama.generate([user(SQUARE)], SamplingParams(max_new_tokens=1))


def test_vllm_backend_refuses_images_before_the_engine(
    qwen2_vl: HFPolicy, tmp_path: Path
) -> None:
    sampler = VLLMPolicy(None, qwen2_vl.tokenizer, {0}, tmp_path, VLLMOptions(), torch.float32)
    with pytest.raises(ImageInputError, match="policy.backend='vllm' takes text only"):
        sampler.generate([user(SQUARE)], SamplingParams())


def test_saved_vlm_reloads_with_its_image_processor(qwen2_vl: HFPolicy, tmp_path: Path) -> None:
    qwen2_vl.save(tmp_path)
    reloaded = HFPolicy.from_name(str(tmp_path))
    assert reloaded.vision is not None
    generation = qwen2_vl.generate([user(WIDE)], SamplingParams(max_new_tokens=3, seed=1))[0]
    assert reloaded.generate([user(WIDE)], SamplingParams(max_new_tokens=3, seed=1))[0] \
        .token_ids == generation.token_ids


def test_an_image_the_processor_resizes_is_flagged(qwen2_vl: HFPolicy) -> None:
    assert qwen2_vl.vision is not None
    with pytest.warns(UserWarning, match="resized a 50x50 image to 56x56"):
        qwen2_vl.vision.encode([png(50, 50, 3)])  # not a multiple of 28: the env should resize


def test_warm_start_learns_on_the_screenshots(qwen2_vl: HFPolicy) -> None:
    examples = [SFTExample(user(WIDE), None, "(3, 4)", "(3, 4)"),
                SFTExample(user(SQUARE), None, "STOP", "STOP")]
    data = tokenize(qwen2_vl, examples)
    pad = qwen2_vl.vision.image_token_id
    assert [(prompt.count(pad), images) for prompt, _, images in data] == [(8, [WIDE]),
                                                                           (4, [SQUARE])]
    loss, _ = sft_loss(qwen2_vl, data)
    qwen2_vl.model.zero_grad(set_to_none=True)
    loss.backward()
    visual = [p.grad for name, p in qwen2_vl.model.named_parameters() if "visual" in name]
    assert all(g is not None for g in visual) and sum(float(g.abs().sum()) for g in visual) > 0
    qwen2_vl.model.zero_grad(set_to_none=True)


def test_vlm_on_text_prompts_samples_and_scores_as_a_text_model(qwen2_vl: HFPolicy) -> None:
    system = {"role": "system", "content": "You click elements by id. " * 4}  # shared prefix
    batch = [[system, {"role": "user", "content": f"[{i}] button Save"}] for i in range(3)]
    generations = qwen2_vl.generate(batch, SamplingParams(max_new_tokens=5, seed=2))
    with torch.no_grad():
        scores = qwen2_vl.score([g.prompt_ids for g in generations],
                                [g.token_ids for g in generations])
    for row, generation in enumerate(generations):
        torch.testing.assert_close(scores.logprobs[row], torch.tensor(generation.logprobs),
                                   atol=1e-4, rtol=0)
