"""tools/python: the restricted calculator, and Python through the sandbox when present."""

from __future__ import annotations

import pytest

import agentrl
from agentrl.core.check_env import check_env
from agentrl.environments.calculator.env import PythonToolEnv, open_sandbox
from agentrl.environments.calculator.evaluator import CalculatorError, evaluate
from agentrl.environments.calculator.tasks import make_task, oracle_replies


def test_evaluator_arithmetic():
    assert evaluate("(12 + 3) * 7 - 2 ** 3") == 97
    assert evaluate("7 // 2 + 7 % 2") == 4
    assert evaluate("sqrt(16) + max(1, 2)") == 6.0
    assert evaluate("-pi") == pytest.approx(-3.14159265)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "function '__import__' is not allowed"),
        ("(1).__class__", "is not allowed: use numbers"),
        ("9 ** 9 ** 9", "exponent 387420489 too large"),
        ("1 / 0", "ZeroDivisionError"),
        ("'a' * 3", "is not allowed"),
        ("2 +", "cannot parse"),
    ],
)
def test_evaluator_refuses(expression, message):
    with pytest.raises(CalculatorError, match=message):
        evaluate(expression)


def test_tasks_are_deterministic_with_exact_answers():
    task = make_task("valid", 3)
    assert task == make_task("valid", 3)
    assert task.ground_truth == str(evaluate(task.metadata["expression"]))
    assert make_task("train", 3).id != task.id


def test_calculator_only_env_without_sandbox():
    env = PythonToolEnv(backend=None, tasks_per_split=4)
    assert env.sandbox is None
    assert [spec["function"]["name"] for spec in env.tool_specs] == ["calculator", "final_answer"]
    task = env.tasks("heldout")[0]
    env.reset(task)
    first = env.step(oracle_replies(task)[0])
    assert first.observation.text == task.ground_truth
    bad = env.step(
        '<tool_call>{"name": "calculator", "arguments": {"expression": "x"}}</tool_call>'
    )
    assert bad.observation.text.startswith("Error: 'x' is not allowed")
    assert env.step(oracle_replies(task)[1]).info["success"]
    assert check_env(env).ok


def _sandbox_or_skip():
    sandbox = open_sandbox("auto")
    if sandbox is None:
        pytest.skip("no agentrl.sandbox backend can start here (bubblewrap missing)")
    sandbox.close()


def test_python_tool_runs_in_the_sandbox():
    _sandbox_or_skip()
    env = agentrl.make("tools/python", tasks_per_split=2, exec_timeout=60)
    assert [spec["function"]["name"] for spec in env.tool_specs] == [
        "calculator", "python", "final_answer",
    ]  # fmt: skip
    env.reset(env.tasks("train")[0])
    ran = env.step(
        '<tool_call>{"name": "python", "arguments": {"code": "print(6 * 7)"}}</tool_call>'
    )
    assert ran.observation.text == "42\n" or ran.observation.text == "42"
    failed = env.step('<action>python(code="raise SystemExit(3)")</action>')
    assert failed.observation.text == "(exit code 3)"
    network = env.step(
        "<action>python(code=\"import socket; socket.create_connection(('1.1.1.1', 53), 2)\")"
        "</action>"
    )
    assert "exit code 1" in network.observation.text
    env.close()
    env.close()


def test_demonstration_replays_the_oracle_to_the_right_answer():
    env = PythonToolEnv(backend=None, tasks_per_split=4)
    for task in env.tasks("train"):
        actions = env.demonstration(task)
        assert actions == oracle_replies(task)
        env.reset(task)
        results = [env.step(action) for action in actions]
        assert results[-1].terminated and results[-1].info["success"]
    env.close()
