#!/usr/bin/env bash
# Fresh machine → a short GRPO run of the embedded SmolLM2-135M on generated TextWorld
# games, ending with a held-out eval report in runs/textworld-grpo/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
agentrl train recipes/textworld-grpo.yaml "$@"
