"""The public names the README showed before the package was relaid still import from their
old paths for one release, each path warning once with a DeprecationWarning naming the new one."""

import importlib
import sys

import pytest

import agentrl.credit
import agentrl.parallel
import agentrl.run.loop
import agentrl.run.recipe

OLD_PATHS = [
    ("agentrl.algos", "agentrl.credit", agentrl.credit,
     ["get_advantage", "get_shaping", "list_advantages", "list_shapings",
      "register_advantage", "register_shaping"]),
    ("agentrl.train", "agentrl.run.loop", agentrl.run.loop, ["train"]),
    ("agentrl.recipe", "agentrl.run.recipe", agentrl.run.recipe,
     ["Recipe", "RecipeError", "load_recipe"]),
    ("agentrl.run.distributed", "agentrl.parallel", agentrl.parallel,
     ["SingleProcess", "DataParallel", "FullyShardedDataParallel", "RankFailure",
      "gather_groups", "init_strategy", "interleave", "launch"]),
]


@pytest.mark.parametrize(("old", "new", "new_module", "names"), OLD_PATHS,
                         ids=[row[0] for row in OLD_PATHS])
def test_old_path_imports_the_same_objects_and_warns(old, new, new_module, names):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"`{old}` moved to `{new}`"):
        module = importlib.import_module(old)
    for name in names:
        assert getattr(module, name) is getattr(new_module, name), name


def test_an_old_advantage_lookup_gives_the_registered_estimator():
    sys.modules.pop("agentrl.algos", None)
    with pytest.warns(DeprecationWarning):
        from agentrl.algos import get_advantage, list_advantages
    assert "grpo" in list_advantages()
    assert get_advantage("grpo") is agentrl.credit.get_advantage("grpo")
