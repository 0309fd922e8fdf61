"""A corridor env whose ``step("hang")`` sleeps for a minute (imported by Ray actors)."""

import time

from agentrl.environments.toy.corridor import CorridorEnv


class HangingCorridor(CorridorEnv):
    """`CorridorEnv`, except that the action ``hang`` blocks for 60 s."""

    def step(self, action: str):  # noqa: ANN201 - CorridorEnv's
        if action == "hang":
            time.sleep(60)
        return super().step(action)
