"""Model resolution: names → models, and clear errors for names that cannot work."""

from __future__ import annotations

import pytest

from agentrl.policy.resolve import (
    ModelResolutionError,
    check_resolvable,
    load_model,
    tiny_model,
)


def test_unknown_embedded_model_is_a_clear_error() -> None:
    with pytest.raises(ModelResolutionError, match=r"unknown embedded model 'gpt5'.*smollm2-135m"):
        check_resolvable("embedded:gpt5")
    with pytest.raises(ModelResolutionError, match="unknown embedded model 'gpt5'"):
        load_model("embedded:gpt5")


def test_unknown_tiny_architecture_lists_the_known_ones() -> None:
    with pytest.raises(ModelResolutionError,
                       match=r"unknown tiny architecture 'gpt2'.*llama, llama-hd64, qwen2"):
        check_resolvable("tiny:gpt2")
    with pytest.raises(ModelResolutionError, match="unknown tiny architecture 'gpt2'"):
        tiny_model("gpt2", vocab_size=10)


def test_missing_local_path_is_a_clear_error(tmp_path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ModelResolutionError, match="cannot load model"):
        load_model(missing)


def test_bare_name_that_is_no_path_nor_hub_id_fails_fast() -> None:
    with pytest.raises(ModelResolutionError, match="neither a local path"):
        check_resolvable("nonsense-model")


def test_known_names_resolve() -> None:
    check_resolvable("tiny:llama")
    check_resolvable("tiny:qwen2")
    check_resolvable("embedded:smollm2-135m")


def test_tiny_model_is_the_same_each_time() -> None:
    first, second = tiny_model("qwen2", 100), tiny_model("qwen2", 100)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items(),
                                 strict=True):
        assert a.equal(b), name
