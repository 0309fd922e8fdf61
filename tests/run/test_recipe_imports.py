"""The recipe schema loads without torch (issue 27): `agentrl.run.recipe` imports only the
torch-free option modules of the policy, rollout and update layers."""

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_recipe_schema_imports_without_torch():
    loaded = _modules_after("import agentrl.run.recipe")
    assert "agentrl.run.recipe" in loaded
    assert "torch" not in loaded
    assert "transformers" not in loaded


def test_recipe_validates_without_torch_until_a_device_or_backend_is_checked():
    """Building the default sections needs no torch; the old import paths still give the
    same classes."""
    loaded = _modules_after(
        "from agentrl.run.recipe import EnvOptions, TrainerOptions\n"
        "from agentrl.update.options import AlgorithmOptions\n"
        "EnvOptions(); TrainerOptions(); AlgorithmOptions(advantage='rloo')"
    )
    assert "torch" not in loaded


def test_old_homes_reexport_the_option_models():
    from agentrl.policy import hf, openai_backend, options, vllm_backend
    from agentrl.rollout import options as rollout_options
    from agentrl.rollout import runner
    from agentrl.update import options as update_options
    from agentrl.update import trainer

    assert hf.LoraOptions is options.LoraOptions
    assert vllm_backend.VLLMOptions is options.VLLMOptions
    assert openai_backend.OpenAIOptions is options.OpenAIOptions
    assert runner.RolloutOptions is rollout_options.RolloutOptions
    assert trainer.AlgorithmOptions is update_options.AlgorithmOptions
    assert trainer.OptimOptions is update_options.OptimOptions
