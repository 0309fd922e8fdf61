"""MiniWoBEnv on the real `miniwob` pages in real headless Chromium: oracles win with the
time-scaled reward core.js defines, the virtual clock makes episodes repeatable, the task's
own time limit ends an episode, bad actions are explained."""

import pytest

from agentrl.core.registry import make
from agentrl.environments.miniwob import MiniWoBEnv, register_envs, task_names
from agentrl.environments.miniwob.dom import elements
from agentrl.environments.miniwob.oracle import ORACLES, oracle_action

SMALL = {"train": 4, "valid": 3, "heldout": 3}


@pytest.fixture(scope="module")
def click_button():
    env = MiniWoBEnv("click-button", split_sizes=SMALL)
    yield env
    env.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ORACLES))
def test_oracle_wins_with_the_time_scaled_reward(name):
    env = MiniWoBEnv(name, split_sizes=SMALL, screenshots=False)
    episode_ms = {"enter-password": 15000, "login-user": 10000}.get(name, 10000)
    try:
        for task in env.tasks("valid"):
            env.reset(task)
            for _ in range(env.spec.max_turns):
                result = env.step(oracle_action(name, env.page_state))
                if result.terminated:
                    break
            assert result.info["success"] and result.info["reward_components"]["raw"] == 1.0
            # core.js: reward * (1 - dt / EPISODE_MAX_TIME); the last action acts at
            # dt = (turns - 1) * step_ms on the virtual clock (elapsed_ms = turns * step_ms).
            dt = result.info["elapsed_ms"] - 1000
            assert result.reward == pytest.approx(1 - dt / episode_ms)
            assert result.info["outcome_reward"] == result.reward
    finally:
        env.close()


def test_same_seed_same_episode_other_seed_other_problem(click_button):
    task, other = click_button.tasks("train")[:2]
    first, again = click_button.reset(task), click_button.reset(task)
    assert (first.text, first.images, first.state_key) == (again.text, again.images,
                                                           again.state_key)
    assert first.images and first.images[0].startswith("iVBOR")  # a PNG
    assert click_button.reset(other).text != first.text
    assert 'Task: Click on the "' in first.text and "[1] body" in first.text


def test_wrong_button_ends_the_episode_with_minus_one(click_button):
    click_button.reset(click_button.tasks("train")[0])
    state = click_button.page_state
    target = dict(state["fields"])["target"]
    buttons = [n for n in _elements(state) if n["tag"] == "BUTTON"]
    wrong = [b for b in buttons if b.get("text") != target]
    if not wrong:
        pytest.skip("this seed has only the right button")
    result = click_button.step(f"click_element({wrong[0]['ref']})")
    assert result.terminated and result.reward == -1.0 and not result.info["success"]
    with pytest.raises(RuntimeError, match="call reset"):
        click_button.step("none()")


def test_the_task_timer_ends_the_episode_after_its_time_in_steps(click_button):
    click_button.reset(click_button.tasks("train")[1])
    results = [click_button.step("none()") for _ in range(9)]
    assert not any(r.terminated or r.truncated for r in results)
    last = click_button.step("none()")  # 10 x 1000 ms = click-button's 10 s
    assert last.terminated and last.reward == -1.0 and last.info["reason"] == "timed out"
    assert click_button.spec.max_turns == 10


def test_malformed_action_is_invalid_and_explained(click_button):
    first = click_button.reset(click_button.tasks("train")[0])
    result = click_button.step("click the OK button please")
    assert result.info["action_valid"] is False and not result.terminated
    assert result.observation.text.startswith("Invalid action 'click the OK button please'")
    assert result.observation.state_key == first.state_key  # same page, only time passed
    missing = click_button.step("click_element(999)")
    assert missing.info["action_valid"] is False and "no element with ref 999" in (
        missing.observation.text)


def test_registered_ids_and_categories():
    register_envs()
    env = make("miniwob/enter-text", split_sizes=SMALL)
    assert env.spec.id == "miniwob/enter-text" and env.names == ["enter-text"]
    several = make("miniwob", tasks=["click-button", "drag-box"], split_sizes=SMALL)
    categories = {t.metadata["task"]: t.metadata["category"] for t in several.tasks("valid")}
    assert categories == {"click-button": "click", "drag-box": "mouse-drag"}
    seeds = {s: {t.metadata["seed"] for t in env.tasks(s)} for s in SMALL}
    assert not (seeds["train"] & seeds["valid"] or seeds["train"] & seeds["heldout"])
    assert len(task_names()) == 125
    with pytest.raises(ValueError, match="unknown task 'click-buton'"):
        MiniWoBEnv("click-buton")


def _elements(state):
    from agentrl.environments.miniwob.dom import elements

    return elements(state["dom"])


PROBE_JS = """async (settle) => {
  const span = document.createElement('span');
  span.style.content = 'url("../common/special/email-inbox/star.png?probe=' + Math.random() + '")';
  span.style.height = '12px';
  document.body.appendChild(span);
  const before = span.getBoundingClientRect().width;
  await (eval(settle))();
  return [before, span.getBoundingClientRect().width];
}"""


def test_settle_waits_for_images_drawn_by_css():
    # email-inbox's trash and star buttons are spans drawn by CSS `content: url(…)`: right
    # after a script creates one it has no box (core.getDOMInfo would leave it out) until
    # the PNG arrives. browser.SETTLE_JS must wait for it: a fresh (uncached) URL is 0 px
    # wide synchronously after creation and 12 px wide (the icon is square) once settled.
    from agentrl.environments.miniwob.browser import SETTLE_JS

    env = MiniWoBEnv("email-inbox-delete", split_sizes=SMALL, screenshots=False)
    try:
        observation = env.reset(env.tasks("valid")[0])
        page = env._tab._page
        before, after = env._tab.browser.call(lambda: page.evaluate(PROBE_JS, SETTLE_JS))
        assert before == 0 and after == pytest.approx(12)
        icons = [n for n in elements(env.page_state["dom"])
                 if str(n.get("classes", "")).split()[:1] in (["trash"], ["star"])]
        threads = observation.text.count("div.email-thread ")  # a trash and a star each
        assert threads >= 2 and len(icons) == 2 * threads
        assert all(round(n["height"]) == 12 for n in icons)
    finally:
        env.close()
