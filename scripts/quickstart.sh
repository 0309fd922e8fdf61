#!/usr/bin/env bash
# Fresh machine → a short GRPO run of the embedded SmolLM2-135M on generated TextWorld
# games (an SFT warm start, then 6 RL iterations with KL to the warm start and dynamic
# sampling; whether they beat the warm start: benchmarks/results/quickstart-learning.md),
# ending with a held-out eval report in runs/textworld-grpo/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
started=$(date +%s)
agentrl train recipes/textworld-grpo.yaml "$@"
echo "quickstart: trained and evaluated in $(( $(date +%s) - started )) s (load average:" \
     "$(cut -d' ' -f1-3 /proc/loadavg)); curves and eval: runs/textworld-grpo/report.md"
