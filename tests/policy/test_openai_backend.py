"""``policy.backend: openai`` against real servers: vLLM's own OpenAI-compatible server on
a tiny random model (started once for the module, ~1-2 min on 2 busy cores) for eval and
play, a dead endpoint that errors every episode with a clear message, a stdlib HTTP server
that fails twice before it answers (retries with backoff), and training refused."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

from agentrl.cli import app
from agentrl.policy.base import Sampler, SamplingParams
from agentrl.policy.openai_backend import OpenAIOptions, OpenAIPolicy
from agentrl.run.loop import eval_only, train
from agentrl.run.recipe import RecipeError

SERVED = "tiny-served"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eval_recipe(run_dir: Path, base_url: str, **openai: Any) -> dict[str, Any]:
    return {
        "name": "baseline",
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": SERVED, "backend": "openai",
                   "openai": {"base_url": base_url, **openai}},
        "rollout": {"lenient_parsing": True, "sampling": {"max_new_tokens": 4}},
        "eval": {"num_tasks": 3, "episodes_per_task": 2, "pass_k": [1, 2],
                 "temperature": 1.0},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("vllm")
    from agentrl.policy.hf import HFPolicy
    from agentrl.policy.vllm_backend import export_model_folder

    folder = tmp_path_factory.mktemp("served-model")
    export_model_folder(HFPolicy.from_name("tiny:llama-hd64"), folder, torch.float32)
    port = free_port()
    environment = os.environ | {"VLLM_CPU_KVCACHE_SPACE": "1",
                                "VLLM_CPU_OMP_THREADS_BIND": "nobind", "OMP_NUM_THREADS": "1"}
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(folder),
         "--served-model-name", SERVED, "--dtype", "float32", "--enforce-eager",
         "--max-model-len", "2048", "--host", "127.0.0.1", "--port", str(port)],
        env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 540  # ~1 min quiet; 6.5 min seen on 2 busy cores
        while True:
            assert server.poll() is None, (folder / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "vLLM server did not start in 540 s"
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.mark.slow
def test_batch_of_conversations_gets_replies_from_a_vllm_server(vllm_server: str) -> None:
    policy = OpenAIPolicy(OpenAIOptions(base_url=vllm_server), SERVED)
    assert isinstance(policy, Sampler)
    try:
        batch = [[{"role": "user", "content": text}] for text in ("go north", "hi", "look")]
        generations = policy.generate(batch, SamplingParams(max_new_tokens=5, seed=1))
    finally:
        policy.close()
    assert len(generations) == 3
    for generation in generations:
        assert generation.error is None
        assert generation.text  # a random model writes something
        assert generation.finish_reason in {"stop", "length"}
        assert generation.token_ids == [] and generation.logprobs == []


@pytest.mark.slow
def test_eval_with_a_served_model_writes_pass_at_k(vllm_server: str, tmp_path: Path) -> None:
    result = eval_only(eval_recipe(tmp_path, vllm_server))
    assert (result.episodes, result.errored) == (6, 0)
    assert set(result.pass_at_k) == {"1", "2"}
    saved = json.loads((tmp_path / "baseline" / "eval.json").read_text())
    assert saved["episodes"] == 6 and len(saved["outcomes"]) == 3
    lines = (tmp_path / "baseline" / "eval_trajectories.jsonl").read_text().splitlines()
    turns = [turn for line in lines for turn in json.loads(line)["turns"]]
    assert turns and all(turn["response"] for turn in turns)


@pytest.mark.slow
def test_play_with_a_served_model(vllm_server: str, tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(json.dumps(eval_recipe(tmp_path, vllm_server)))  # JSON is YAML
    result = CliRunner().invoke(app, ["play", "toy/corridor", "--recipe", str(recipe)])
    assert result.exit_code == 0, result.output
    assert "--- turn 1" in result.output and "reply:" in result.output
    assert "errored" not in result.output


def test_dead_endpoint_errors_each_episode_with_a_clear_message(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    result = eval_only(eval_recipe(tmp_path, dead, max_retries=1, backoff_s=0.01,
                                   timeout_s=2))
    assert (result.episodes, result.errored, result.successes) == (6, 6, 0)
    lines = (tmp_path / "baseline" / "eval_trajectories.jsonl").read_text().splitlines()
    errors = [json.loads(line)["error"] for line in lines]
    assert all(e.startswith(f"policy failed: openai endpoint {dead} (model 'tiny-served') "
                            "failed after 2 attempt(s): APIConnectionError") for e in errors)


class _ScriptedChat(BaseHTTPRequestHandler):
    """A chat-completions endpoint that answers '<action>right</action>' unless
    `failure` gives an HTTP status for the request body."""

    def failure(self, request: str) -> int | None:
        return None

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        status = self.failure(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if status is not None:
            self.send_response(status)
            self.end_headers()
            return
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": SERVED,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "<action>right</action>"}}],
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _FlakyChat(_ScriptedChat):
    """Answers 503 twice, then a reply; counts the requests."""

    requests = 0

    def failure(self, request: str) -> int | None:
        type(self).requests += 1
        return 503 if type(self).requests <= 2 else None


def test_failed_requests_are_retried_with_backoff() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    policy = OpenAIPolicy(OpenAIOptions(base_url=url, max_retries=2, backoff_s=0.2), SERVED)
    try:
        started = time.monotonic()
        [generation] = policy.generate([[{"role": "user", "content": "go"}]], SamplingParams())
        waited = time.monotonic() - started
    finally:
        policy.close()
        server.shutdown()
    assert generation.error is None and generation.text == "<action>right</action>"
    assert _FlakyChat.requests == 3
    assert waited >= 0.2 + 0.4  # backoff 0.2 s, then 0.4 s


def test_training_with_the_openai_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="policy.backend='openai' samples from a remote "
                                          "endpoint that agentrl cannot train"):
        train(eval_recipe(tmp_path, "http://127.0.0.1:1/v1"))


class _PickyChat(_ScriptedChat):
    """Refuses (400) conversations about 1-cell corridors; answers the others 'right'."""

    refused = 0

    def failure(self, request: str) -> int | None:
        if "Walk right 1 cells" in request:
            type(self).refused += 1
            return 400
        return None


def test_a_failed_call_errors_its_episode_only(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PickyChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    recipe = eval_recipe(tmp_path, f"http://127.0.0.1:{server.server_address[1]}/v1",
                         max_retries=2, backoff_s=0.01)
    recipe["env"]["kwargs"]["max_turns"] = 3
    recipe["eval"] |= {"num_tasks": 8, "episodes_per_task": 1, "pass_k": [1]}
    try:
        eval_only(recipe)
    finally:
        server.shutdown()
    lines = (tmp_path / "baseline" / "eval_trajectories.jsonl").read_text().splitlines()
    episodes = [json.loads(line) for line in lines]
    short = [e for e in episodes if e["task"]["metadata"]["length"] == 1]
    others = [e for e in episodes if e["task"]["metadata"]["length"] > 1]
    assert short and others
    assert all(e["errored"] and "BadRequestError" in e["error"] for e in short)
    assert all(not e["errored"] and e["success"] for e in others)  # 'right' solves them
    assert _PickyChat.refused == len(short)  # a 4xx is not retried
