"""TextWorld text adventures: generated games at three difficulties, or your own games.

``agentrl.make("textworld", difficulty="easy")`` builds `TextWorldEnv`; the heavy
``textworld`` import happens only then.
"""

from agentrl.core.registry import register

register(
    "textworld", "agentrl.environments.textworld.env:TextWorldEnv",
    # env processes import the engine and parse TextWorld's game logic once, ahead
    preload=["agentrl.environments.textworld.env", "agentrl.environments.textworld.preload"],
    gym_id="agentrl/TextWorld-v0",
)
