"""Every registered estimator returns one advantage per turn on a mixed batch."""

import pytest

from agentrl.credit import get_advantage, list_advantages


@pytest.fixture
def mixed_batch(traj):
    def turns(n):
        return {"values": [0.1 * t for t in range(n)], "infos": [{"kl": 0.01}] * n}

    return [
        traj("a", 1.0, keys=["x", "y", "z"], rewards=[0.1, 0.0, 0.5], **turns(3)),
        traj("a", 0.0, keys=["x", "w"], **turns(2)),
        traj("a", 0.5, keys=["x"], errored=True, **turns(1)),
        traj("b", 1.0, keys=["p"], **turns(1)),
        traj("c", 0.0, n=0),
        traj("c", 1.0, keys=["q", "q", "r", "s"], **turns(4)),
        traj("d", 1.0, keys=["e"], errored=True),
    ]


@pytest.mark.parametrize("name", list_advantages())
def test_shape_and_errored_zeros(name, mixed_batch):
    options = {"kl_coef": 0.1, "level": "turn"} if name == "reinforce++" else {}
    advantages = get_advantage(name)(mixed_batch, **options)
    assert [len(row) for row in advantages] == [len(t.turns) for t in mixed_batch]
    assert all(isinstance(a, float) for row in advantages for a in row)
    assert advantages[2] == [0.0] and advantages[6] == [0.0]


def test_the_issue_estimators_are_all_registered():
    expected = {"grpo", "rloo", "reinforce++", "gae", "gigpo", "salt", "spa", "igpo"}
    assert expected <= set(list_advantages())
