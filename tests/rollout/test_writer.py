"""TrajectoryWriter stores each screenshot once, as a content-addressed file, and reads it back."""

import base64
import io

from PIL import Image

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.rollout.writer import TrajectoryWriter, read_trajectories


def png(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_images_are_written_once_and_restored_on_read(tmp_path):
    red, blue = png((255, 0, 0)), png((0, 0, 255))
    turns = [Turn(observation=Observation(text=f"t{i}", images=[red], state_key="k"))
             for i in range(3)]
    final = Observation(text="end", images=[blue], state_key="k")
    trajectory = Trajectory(task=Task(id="t", env_id="gui-cursor"), turns=turns,
                            final_observation=final)
    path = tmp_path / "rollouts.jsonl"
    writer = TrajectoryWriter(path)
    writer(trajectory)
    writer(trajectory)
    writer(Trajectory(task=Task(id="plain", env_id="toy/corridor")))
    writer.close()
    assert len(list((tmp_path / "images").glob("*.png"))) == 2  # red and blue, once each
    assert red not in path.read_text() and "image-file:images/" in path.read_text()
    first, second, plain = read_trajectories(path)
    assert first == trajectory and second == trajectory
    assert plain.task.id == "plain"
