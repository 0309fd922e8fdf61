"""Real screens in headless Chromium: boxes, coverage, the click-lands test, both envs under
check_env, accessibility mode and `agentrl play` (one browser for the whole module)."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("playwright.sync_api")

from agentrl.core.check_env import check_env  # noqa: E402
from agentrl.core.registry import register  # noqa: E402
from agentrl.environments.gui.answers import parse_point  # noqa: E402
from agentrl.environments.gui.coords import from_model_space  # noqa: E402
from agentrl.environments.gui.cursor import CursorEnv  # noqa: E402
from agentrl.environments.gui.env import GroundingEnv  # noqa: E402
from agentrl.environments.gui.render import ScreenCache, shared_renderer  # noqa: E402
from agentrl.environments.gui.scene import decode_png  # noqa: E402
from agentrl.environments.gui.screens import ScreenSpec, build_screen  # noqa: E402
from agentrl.environments.gui.tasks import screen_tasks  # noqa: E402

pytestmark = pytest.mark.slow

SPECS = [  # one per platform and size: 1920 x 1080 shrinks by 1.44, 390 x 844 barely
    ScreenSpec(layout="mail", theme="dark", density="compact", platform="desktop",
               width=1920, height=1080, seed=3),
    ScreenSpec(layout="mobile_settings", theme="ocean", density="comfortable",
               platform="mobile", width=390, height=844, seed=4),
    ScreenSpec(layout="editor", theme="light", density="regular", platform="desktop",
               width=1280, height=800, seed=5),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("gui-cache"))


@pytest.fixture(scope="module")
def cache(cache_dir):
    return ScreenCache(cache_dir)


@pytest.fixture(scope="module")
def spec_tasks(cache):
    return [task for index, spec in enumerate(SPECS)
            for task in screen_tasks("gui-grounding", "train", index, cache.get(spec), 4)]


@pytest.mark.parametrize("coordinates", ["absolute", "normalised"])
def test_oracle_point_in_model_pixels_clicks_the_target_in_the_page(
        cache_dir, spec_tasks, coordinates):
    env = GroundingEnv(answer="point", coordinates=coordinates, cache_dir=cache_dir)
    renderer = shared_renderer()
    for task in spec_tasks:
        observation = env.reset(task)
        image = decode_png(observation.images[0])
        scene = env.scenes.load(task)
        assert image.size == (scene.width, scene.height)  # the image the model receives
        (answer,) = env.demonstration(task)
        x, y = from_model_space(parse_point(answer), scene.width, scene.height, coordinates)
        page_x = x * scene.original_size[0] / scene.width
        page_y = y * scene.original_size[1] / scene.height
        spec = ScreenSpec(**task.metadata["screen"])
        assert renderer.click(spec, page_x, page_y) == task.metadata["gid"], task.instruction
        assert env.step(answer).info["success"]


def test_covered_and_offscreen_elements_are_not_targets(cache):
    seed = next(s for s in range(100) if "Accept" in {
        e.name for e in build_screen(ScreenSpec(layout="signup", theme="light",
                                                density="regular", platform="web",
                                                width=1280, height=800, seed=s))[1].values()})
    spec = ScreenSpec(layout="signup", theme="light", density="regular", platform="web",
                      width=1280, height=800, seed=seed)
    screen = cache.get(spec)
    names = {target["name"] for target in screen.targets()}
    assert names == {"Accept", "Decline", "close dialog"}  # the form lies under the overlay
    assert len(screen.elements) > len(names)


def test_screens_are_served_from_the_disk_cache(cache_dir, cache):
    def no_browser():
        raise AssertionError("a cached screen was rendered again")

    again = ScreenCache(cache_dir, renderer=no_browser).get(SPECS[0])
    assert again.nodes == cache.get(SPECS[0]).nodes and again.png == cache.get(SPECS[0]).png


def test_gui_grounding_passes_check_env(cache_dir):
    report = check_env(GroundingEnv(screens=1, targets_per_screen=2, cache_dir=cache_dir),
                       max_episodes=1)
    assert report.ok, str(report)


def test_gui_cursor_passes_check_env(cache_dir):
    report = check_env(CursorEnv(screens=1, targets_per_screen=2, cache_dir=cache_dir),
                       max_episodes=1)
    assert report.ok, str(report)


def test_a11y_grounding_passes_check_env_and_the_oracle_clicks_by_id(cache_dir):
    env = GroundingEnv(observation="a11y", reward="gui-g1", screens=1, targets_per_screen=2,
                       cache_dir=cache_dir)
    assert check_env(env, max_episodes=1).ok
    for task in env.tasks("heldout"):
        observation = env.reset(task)
        assert not observation.images and "Accessibility tree" in observation.text
        (action,) = env.demonstration(task)
        result = env.step(f"<think>there</think>{action}")
        assert result.info["success"] and result.reward > 1.3  # the node's box is the target's
    cursor = CursorEnv(observation="a11y", screens=1, targets_per_screen=2, cache_dir=cache_dir)
    assert check_env(cursor, max_episodes=1).ok
    task = cursor.tasks("train")[0]
    cursor.reset(task)
    for action in cursor.demonstration(task):
        result = cursor.step(action)
    assert result.info["success"] and "It is over [" in result.observation.text


def test_cursor_moves_clamps_notes_edges_and_keys_cells(cache_dir, spec_tasks):
    env = CursorEnv(image_history="all", parsing="lenient", cache_dir=cache_dir)
    task = spec_tasks[0]
    first = env.reset(task)
    scene = env.scenes.load(task)
    assert f"({scene.width // 2}, {scene.height // 2})" in first.text
    moved = env.step("<think>go</think><answer>(99999, 3)</answer>")
    assert "right edge" in moved.observation.text and len(moved.observation.images) == 2
    assert f"({scene.width - 5}, 3)" in moved.observation.text
    assert moved.observation.state_key != first.state_key
    assert moved.observation.images[0] != moved.observation.images[1]  # the cursor is drawn
    nudged = env.step("<think>left</think><answer>MOVE(-2, 1)</answer>")  # same 28 px cell
    assert nudged.observation.state_key == moved.observation.state_key
    last = env.step("<think>done</think><answer>STOP</answer>")
    assert last.terminated and last.info["stop_reason"] == "stop"
    # GUI-Cursor's format regex knows (x, y) and STOP only: the MOVE turn fails it
    assert last.info["reward_components"]["format"] == pytest.approx(2 / 3)
    env.reset(task)
    for action in env.demonstration(task):
        result = env.step(action)
    assert result.info["success"] and result.reward == pytest.approx(0.9 * 1.1 + 0.1, abs=1e-3)
    paper = CursorEnv(cache_dir=cache_dir)  # GUI-Cursor's extractor knows no MOVE: it ends
    paper.reset(task)
    failed = paper.step("<think>left</think><answer>MOVE(-2, 1)</answer>")
    assert failed.terminated and failed.info["stop_reason"] == "parse_failed"
    assert not failed.info["action_valid"]


def test_play_writes_the_screenshot_to_a_file(cache_dir, monkeypatch, capsys):
    from agentrl.cli.play import play_in_terminal

    register("gui-grounding-playtest", "agentrl.environments.gui.env:GroundingEnv",
             answer="point", screens=1, cache_dir=cache_dir)
    monkeypatch.setattr("sys.stdin", io.StringIO("(10, 10)\n"))
    play_in_terminal("gui-grounding-playtest", split="train", task_index=0, seed=0)
    out = capsys.readouterr().out
    path = out.split("screenshot: ", 1)[1].split()[0]
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "episode over" in out or "success" in out


@pytest.mark.parametrize("coordinates", ["absolute", "normalised"])
@pytest.mark.parametrize("answer", ["bbox_json", "bbox_list"])
def test_oracle_boxes_pass_the_papers_parsers(cache_dir, spec_tasks, answer, coordinates):
    env = GroundingEnv(answer=answer, coordinates=coordinates, cache_dir=cache_dir)
    for task in spec_tasks[:4]:
        env.reset(task)
        result = env.step(env.demonstration(task)[0])
        parts = result.info["reward_components"]
        assert result.info["success"] and result.info["action_valid"]
        assert parts["hit"] == 1.0 if answer == "bbox_json" else parts["format"] == 1.0


@pytest.mark.parametrize("options", [{"uitars": True}, {"think": False},
                                     {"coordinates": "normalised"}])
def test_cursor_oracle_solves_in_each_reply_style(cache_dir, spec_tasks, options):
    env = CursorEnv(cache_dir=cache_dir, **options)
    env.reset(spec_tasks[0])
    for action in env.demonstration(spec_tasks[0]):
        result = env.step(action)
    assert result.info["success"] and result.info["reward_components"]["format"] == 1.0
