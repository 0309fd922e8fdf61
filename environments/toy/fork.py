"""Fork and chain: credit-lab text worlds where step-level credit assignment matters (fork)
or should not (chain).

**Fork** (``toy/fork``). Every task starts in the hall. One early choice decides the
episode: one wing (east or west, per task) holds the vault key and leads to the vault, the
other is a dead end of ``dead_end_depth`` rooms that still costs turns (with ``trap`` its
door shuts behind the agent, so the episode is lost there). The success path is
``go <side>``, ``take key``, ``corridor`` × ``go north``, ``unlock door``: optimal length
``corridor + 3`` (4–6 for corridor 1–3). Walls (a direction without an exit) and ``look``
leave the state unchanged, so states recur across and within trajectories. 3–5 admissible
actions per room. Reward 1 and success on unlocking the vault door with the key; the episode
is truncated after ``max_turns`` (10–12 in the credit lab).

**Chain** (``toy/chain``): the same rooms without the dead-end wing (its door is a wall),
so every state lies on the success path and the only way to lose is to waste turns: the
control where matching states (GiGPO's anchor groups) should add nothing over GRPO.

**World space** (``worlds='drawn'``). By default (``'fixed'``) a task is (side, theme) and
the corridor and dead-end depth are the env's: 8 worlds, the same in every split. With
``'drawn'`` each task is one world of a space of side × corridor 1–3 × dead-end depth 1–3
(the chain: no wing) × theme × a rotation of the theme's room names (360 fork worlds, 120
chain worlds); each world belongs to one split by a stable hash of its description (60 %
train, 20 % valid, 20 % heldout), so the splits' worlds are disjoint.

``state_key`` = digest of (room, inventory). Every observation is the instruction plus the
state's description, so the text too is a function of the state (Markov prompts with
``prompt.history: last_k, k: 0``); ``feedback`` prefixes what the last action did ("You bump
into a wall."). Tasks differ by the key's side and the room
names; ``hint`` says in the instruction which wing holds the key. ``demonstration`` is the
oracle (the optimal path).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentrl.core.env import Env, digest_state, quote_action
from agentrl.core.splits import split_seed, stable_hash
from agentrl.core.types import EnvSpec, Observation, StepResult, Task

THEMES = (
    ("library", "reading room", "archive", "study", "gallery"),
    ("cellar", "pantry", "wine vault", "storeroom", "boiler room"),
    ("garden", "greenhouse", "orchard", "shed", "courtyard"),
    ("tower", "armoury", "chapel", "barracks", "watch room"),
)
OPPOSITE = {"east": "west", "west": "east", "north": "south", "south": "north"}
LOOK = "look"
SPLIT_SHARES = (("train", 6), ("valid", 2), ("heldout", 2))  # tenths of the world space


def world_space(chain: bool) -> list[dict]:
    """Every world of the drawn space (module docstring), as task metadata."""
    depths = (0,) if chain else (1, 2, 3)
    return [{"side": side, "corridor": corridor, "dead_end_depth": depth, "theme": theme,
             "rotation": rotation}
            for side in ("east", "west") for corridor in (1, 2, 3) for depth in depths
            for theme in range(len(THEMES)) for rotation in range(len(THEMES[0]))]


def world_split(world: dict) -> str:
    """The split a drawn world belongs to: a stable hash of its description."""
    bucket = stable_hash("toy-world/" + digest_state(world)) % 10
    for split, share in SPLIT_SHARES:
        if bucket < share:
            return split
        bucket -= share
    raise AssertionError("shares sum to 10")


@dataclass
class Room:
    """One room: its description, exits (direction → room) and walls (directions without)."""

    name: str
    exits: dict[str, str] = field(default_factory=dict)
    wall: str = "north"
    key: bool = False
    door: bool = False
    dead_end: bool = False


def build_world(side: str, corridor: int, dead_end_depth: int, theme: Sequence[str],
                chain: bool) -> dict[str, Room]:
    """The rooms of one task, by id; ``side`` is the key's wing (east or west)."""
    other = OPPOSITE[side]
    rooms = {"hall": Room("entrance hall", wall="north")}
    rooms["key"] = Room(theme[0], exits={other: "hall"}, wall=side, key=True)
    rooms["hall"].exits[side] = "key"
    # corridor rooms c1 .. c{corridor-1} lead north from the key room to the door room
    path = ["key", *[f"c{i}" for i in range(1, corridor)], "door"]
    for i in range(1, corridor):
        rooms[f"c{i}"] = Room(theme[i], exits={"south": path[i - 1]}, wall=side)
    rooms["door"] = Room(f"{theme[4]} before the vault door", wall="north", door=True)
    for here, north in zip(path, path[1:], strict=False):
        rooms[here].exits["north"] = north
        rooms[north].exits["south"] = here
    if not chain:
        rooms["hall"].exits[other] = "d1"
        for i in range(1, dead_end_depth + 1):
            exits = {side: "hall"} if i == 1 else {"south": f"d{i - 1}"}
            if i < dead_end_depth:
                exits["north"] = f"d{i + 1}"
            rooms[f"d{i}"] = Room(f"dusty {other} hallway {i}", exits=exits,
                                  wall=other if i < dead_end_depth else "north",
                                  dead_end=i == dead_end_depth)
    return rooms


class ForkEnv(Env):
    """A hall with a decisive choice between a key wing and a dead end; see the module."""

    def __init__(self, max_turns: int = 10, corridor: int = 2, dead_end_depth: int = 2,
                 trap: bool = False, hint: bool = True, tasks_per_split: int = 16,
                 chain: bool = False, feedback: bool = False,
                 worlds: str = "fixed") -> None:
        if worlds not in ("fixed", "drawn"):
            raise ValueError(f"worlds={worlds!r}: choose 'fixed' or 'drawn'")
        if worlds == "drawn":
            corridor = 3  # the longest corridor of the space sets the turn floor
        if not 1 <= corridor <= 3:
            raise ValueError(f"corridor={corridor}: must be 1-3 (optimal path 4-6 steps)")
        if dead_end_depth < 1:
            raise ValueError(f"dead_end_depth={dead_end_depth}: must be at least 1")
        if max_turns < corridor + 3:
            raise ValueError(f"max_turns={max_turns} is below the optimal path ({corridor + 3})")
        self.chain = chain
        name = "toy/chain" if chain else "toy/fork"
        self.spec = EnvSpec(
            id=name, max_turns=max_turns, step_rewards_include_outcome=True,  # 1 on success
            description="You explore a house to find the vault key and open the vault door. "
            "Reply with one of the listed actions.",
        )
        self.corridor, self.dead_end_depth, self.trap, self.hint = (
            corridor, dead_end_depth, trap, hint)
        self.tasks_per_split = tasks_per_split
        self.feedback, self.worlds = feedback, worlds
        self._task: Task | None = None
        self._rooms: dict[str, Room] = {}
        self._room = "hall"
        self._inventory: list[str] = []
        self._turn = 0
        self._done = True

    # -- tasks ----------------------------------------------------------------------------

    def tasks(self, split: str) -> Sequence[Task]:
        """``tasks_per_split`` tasks of ``split``: the key's side and a theme per task, or
        (``worlds='drawn'``) a world of the split's share of the space per task."""
        if split not in self.spec.splits:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        if self.worlds == "drawn":
            return self._drawn_tasks(split)
        out = []
        for index in range(self.tasks_per_split):
            seed = split_seed("toy-fork", split, index)
            side = ("east", "west")[seed % 2]
            theme = (seed // 2) % len(THEMES)
            where = f" The key is in the {side} wing." if self.hint else ""
            out.append(Task(
                id=f"{self.spec.id.split('/')[1]}-{split}-{index}", env_id=self.spec.id,
                split=split, instruction=f"Find the vault key and unlock the vault door.{where}",
                metadata={"side": side, "theme": theme},
            ))
        return out

    def _drawn_tasks(self, split: str) -> list[Task]:
        worlds = [w for w in world_space(self.chain) if world_split(w) == split]
        worlds.sort(key=lambda w: stable_hash("toy-world-order/" + digest_state(w)))
        name = self.spec.id.split("/")[1]
        return [Task(id=f"{name}-{split}-w{index}", env_id=self.spec.id, split=split,
                     instruction="Find the vault key and unlock the vault door."
                     + (f" The key is in the {w['side']} wing." if self.hint else ""),
                     metadata=w)
                for index, w in enumerate(worlds[: self.tasks_per_split])]

    def _layout(self, task: Task) -> tuple[int, int, tuple[str, ...]]:
        """(corridor, dead-end depth, room names) of ``task``'s world."""
        meta = task.metadata
        theme = THEMES[int(meta["theme"])]
        turn = int(meta.get("rotation", 0))
        return (int(meta.get("corridor", self.corridor)),
                int(meta.get("dead_end_depth", self.dead_end_depth)) or 1,
                theme[turn:] + theme[:turn])

    def demonstration(self, task: Task) -> list[str] | None:
        """The oracle: the optimal path (``corridor + 3`` actions)."""
        side = str(task.metadata["side"])
        corridor = self._layout(task)[0]
        return [f"go {side}", "take key", *["go north"] * corridor, "unlock door"]

    # -- dynamics -------------------------------------------------------------------------

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start ``task`` in the hall (a train task chosen by ``seed`` when None); the world
        is fixed by the task, so the seed changes nothing else."""
        if task is None:
            train = self.tasks("train")
            task = train[(seed or 0) % len(train)]
        self._task = task
        corridor, depth, names = self._layout(task)
        self._rooms = build_world(str(task.metadata["side"]), corridor, depth, names,
                                  self.chain)
        self._room, self._inventory, self._turn, self._done = "hall", [], 0, False
        return self._observation(self._describe())

    def step(self, action: str) -> StepResult:
        """Apply one admissible action; anything else wastes the turn (action_valid False)."""
        if self._task is None or self._done:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        command = " ".join(action.strip().lower().split())
        valid = command in self.admissible()
        success = False
        if not valid:
            text = (f"You cannot {quote_action(action)} here. "
                    f"Actions: {', '.join(self.admissible())}.")
        else:
            event, success = self._apply(command)
            text = f"{event} {self._describe()}" if event and (self.feedback or success) \
                else self._describe()
        truncated = not success and self._turn >= self.spec.max_turns
        self._done = success or truncated
        return StepResult(
            observation=self._observation(text), reward=1.0 if success else 0.0,
            terminated=success, truncated=truncated,
            info={"success": success, "action_valid": valid},
        )

    def admissible(self) -> list[str]:
        """The actions of the current room: exits, its wall, take/unlock, look (3–5)."""
        room = self._rooms[self._room]
        actions = [f"go {d}" for d in sorted(room.exits)]
        if room.wall not in room.exits:
            actions.append(f"go {room.wall}")
        if room.key and "key" not in self._inventory:
            actions.append("take key")
        if room.door:
            actions.append("unlock door")
        return [*actions, LOOK]

    def _apply(self, command: str) -> tuple[str, bool]:
        """Change the state; (what happened, success)."""
        room = self._rooms[self._room]
        if command == LOOK:
            return "", False
        if command == "take key":
            self._inventory.append("key")
            return "You take the key.", False
        if command == "unlock door":
            if "key" in self._inventory:
                return "You unlock the vault door. The vault is yours!", True
            return "The vault door is locked and you have no key.", False
        direction = command.removeprefix("go ")
        target = room.exits.get(direction)
        if target is None:
            return "You bump into a wall.", False
        if self.trap and target == "hall" and self._room == "d1":
            return "The door has shut behind you.", False
        self._room = target
        return "", False

    def _describe(self) -> str:
        room = self._rooms[self._room]
        assert self._task is not None
        parts = [self._task.instruction, f"You are in the {room.name}."]
        if room.key and "key" not in self._inventory:
            parts.append("A brass key lies on a table.")
        if room.dead_end:
            parts.append("It is a dead end.")
        exits = ", ".join(sorted(room.exits))
        parts.append(f"Exits: {exits}.")
        parts.append(f"You carry: {', '.join(self._inventory) or 'nothing'}.")
        return " ".join(parts)

    def _observation(self, text: str) -> Observation:
        return Observation(text=text, available_actions=self.admissible(),
                           state_key=digest_state(self._room, sorted(self._inventory)))


class ChainEnv(ForkEnv):
    """The fork's rooms without the dead-end wing: every state is on the success path."""

    def __init__(self, max_turns: int = 10, corridor: int = 2, hint: bool = True,
                 tasks_per_split: int = 16, feedback: bool = False,
                 worlds: str = "fixed") -> None:
        super().__init__(max_turns=max_turns, corridor=corridor, hint=hint,
                         tasks_per_split=tasks_per_split, chain=True, feedback=feedback,
                         worlds=worlds)
